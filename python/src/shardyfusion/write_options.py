"""Input and execution options of the in-process Python writer (W-16, W-19)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._validation import _positive_int, _positive_optional, validate_configs
from .errors import ConfigValidationError

__all__ = ["BufferingOptions", "PythonRecordInput", "PythonWriteOptions", "SharedMemoryOptions"]

T = TypeVar("T")

# ---------------------------------------------------------------------------------------
# Python writer input and options
# ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class PythonRecordInput(Generic[T]):
    """How the Python writer turns a record into a key and a value.

    Args:
        key_fn: record -> key (int, str or bytes; the key encoding decides what is valid).
        value_fn: record -> value (bytes; str is stored as UTF-8).
        columns_fn: record -> routing columns (CEL sharding only; unused by HASH writes).
        vector_fn: unified vector writes (not supported by this build; must be None).
    """

    key_fn: Callable[[T], Any]
    value_fn: Callable[[T], bytes | str]
    columns_fn: Callable[[T], dict[str, Any]] | None = None
    vector_fn: Callable[[T], Any] | None = None

    def validate(self) -> None:
        """The callables must be callable."""
        if not callable(self.key_fn):
            raise ConfigValidationError("input.key_fn must be callable")
        if not callable(self.value_fn):
            raise ConfigValidationError("input.value_fn must be callable")
        if self.columns_fn is not None and not callable(self.columns_fn):
            raise ConfigValidationError("input.columns_fn must be callable")
        if self.vector_fn is not None:
            raise ConfigValidationError(
                "input.vector_fn (unified vector writes) is not supported by this build"
            )


@dataclass(slots=True)
class SharedMemoryOptions:
    """Memory budget of parallel mode: ``max_total_bytes`` caps the rows in flight."""

    max_total_bytes: int | None = 256 * 1024 * 1024
    max_bytes_per_worker: int | None = 32 * 1024 * 1024

    def validate(self) -> None:
        """Positive when set."""
        _positive_optional(self.max_total_bytes, "options.shared_memory.max_total_bytes")
        _positive_optional(self.max_bytes_per_worker, "options.shared_memory.max_bytes_per_worker")


@dataclass(slots=True)
class BufferingOptions:
    """Buffer caps; ``max_total_batched_bytes`` bounds the rows buffered across shards."""

    max_total_batched_items: int | None = None
    max_total_batched_bytes: int | None = None

    def validate(self) -> None:
        """Positive when set."""
        _positive_optional(self.max_total_batched_items, "options.buffering.max_total_batched_items")
        _positive_optional(self.max_total_batched_bytes, "options.buffering.max_total_batched_bytes")


@dataclass(slots=True)
class PythonWriteOptions:
    """Execution settings of :func:`shardyfusion.writer.python.write_hash_sharded`.

    Shards are always written by C++ threads, outside the GIL.  ``parallel=False`` uses one
    shard-writer thread next to the calling thread (which runs the Python callbacks);
    ``parallel=True`` uses one per CPU core.

    Args:
        parallel: see above.
        max_queue_size: accepted for compatibility (> 0).
        shared_memory: ``max_total_bytes`` bounds buffered rows in parallel mode.
        buffering: ``max_total_batched_bytes`` bounds buffered rows (wins when set).
        chunk_size: records pulled from the iterable per GIL acquisition.
    """

    parallel: bool = False
    max_queue_size: int = 100
    shared_memory: SharedMemoryOptions = field(default_factory=SharedMemoryOptions)
    buffering: BufferingOptions = field(default_factory=BufferingOptions)
    chunk_size: int = 4096

    def validate(self) -> None:
        """Check every option."""
        _positive_int(self.max_queue_size, "options.max_queue_size")
        _positive_int(self.chunk_size, "options.chunk_size")
        validate_configs(self.shared_memory, self.buffering)

    def _core_dict(self) -> dict[str, Any]:
        budget = self.buffering.max_total_batched_bytes or self.shared_memory.max_total_bytes
        return {
            "num_threads": 0 if self.parallel else 1,
            "max_buffered_bytes": int(budget) if budget else None,
            "chunk_size": self.chunk_size,
        }
