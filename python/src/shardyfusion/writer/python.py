"""In-process writer: build and publish a snapshot from any Python iterable (W-30, W-32, W-35).

The records are pulled in chunks (``PythonWriteOptions.chunk_size``): for each chunk the C++
core takes the GIL once, calls ``key_fn`` / ``value_fn`` on every record of the chunk, and
releases the GIL while it routes, encodes and writes the shards on its own threads.

Example::

    from shardyfusion import HashShardedWriteConfig, PythonRecordInput
    from shardyfusion.writer.python import write_hash_sharded

    rows = [{"id": i, "payload": f"v{i}".encode()} for i in range(1000)]
    result = write_hash_sharded(
        rows,
        HashShardedWriteConfig(s3_prefix="/tmp/snap", num_dbs=4),
        PythonRecordInput(key_fn=lambda r: r["id"], value_fn=lambda r: r["payload"]),
    )
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from .. import _core
from ..config import HashShardedWriteConfig, PythonRecordInput, PythonWriteOptions, SingleDbWriteConfig
from ..errors import ConfigValidationError
from ..manifest import BuildResult

__all__ = ["write_hash_sharded", "write_sharded", "write_single_db"]

T = TypeVar("T")


def _prepare(
    records: Iterable[Any],
    config: Any,
    input: PythonRecordInput[Any],
    options: PythonWriteOptions | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(input, PythonRecordInput):
        raise ConfigValidationError("input must be a PythonRecordInput")
    options = options if options is not None else PythonWriteOptions()
    if not isinstance(options, PythonWriteOptions):
        raise ConfigValidationError("options must be PythonWriteOptions")
    config.validate()
    input.validate()
    options.validate()
    core_options = options._core_dict()
    try:
        core_options["total_rows"] = len(records)  # type: ignore[arg-type]
    except TypeError:
        core_options["total_rows"] = None
    return config._core_dict(), core_options


def write_hash_sharded(
    records: Iterable[T],
    config: HashShardedWriteConfig,
    input: PythonRecordInput[T],
    options: PythonWriteOptions | None = None,
) -> BuildResult:
    """Write ``records`` into ``config.num_dbs`` HASH-routed shards and publish the snapshot.

    Routing is ``xxh3_64(canonical key bytes) % num_dbs``, the same as every other writer, so
    the snapshot is readable by any shardyfusion reader.  With ``max_keys_per_shard`` the
    input must have a length (``len(records)``).

    Returns:
        BuildResult: run id, winning shards, manifest ref and stats.

    Raises:
        ConfigValidationError: bad configuration (nothing is written).
        KeyEncodingError: a key the key encoding cannot store (e.g. a str under u64be).
        TypeError: ``value_fn`` returned something other than bytes or str.
        Any exception raised by the iterable, ``key_fn`` or ``value_fn`` (the write is
        abandoned and the previous snapshot stays current).
        ShardWriteError / PublishManifestError / S3TransientError: storage failures.
    """
    if not isinstance(config, HashShardedWriteConfig):
        raise ConfigValidationError("config must be a HashShardedWriteConfig")
    core_config, core_options = _prepare(records, config, input, options)
    if config.sharding.max_keys_per_shard is not None and core_options["total_rows"] is None:
        raise ConfigValidationError(
            "sharding.max_keys_per_shard needs an input with a known length (e.g. a list)"
        )
    raw = _core.write_hash_sharded(records, input.key_fn, input.value_fn, core_config, core_options)
    return BuildResult._from_core(raw)


def write_single_db(
    records: Iterable[T],
    config: SingleDbWriteConfig,
    input: PythonRecordInput[T],
    options: PythonWriteOptions | None = None,
) -> BuildResult:
    """Write every record into one shard (``num_dbs = 1``) and publish the snapshot.

    Same behaviour and errors as :func:`write_hash_sharded`.
    """
    if not isinstance(config, SingleDbWriteConfig):
        raise ConfigValidationError("config must be a SingleDbWriteConfig")
    core_config, core_options = _prepare(records, config, input, options)
    raw = _core.write_single_db(records, input.key_fn, input.value_fn, core_config, core_options)
    return BuildResult._from_core(raw)


# The seed's older name for the HASH writer.
write_sharded = write_hash_sharded
