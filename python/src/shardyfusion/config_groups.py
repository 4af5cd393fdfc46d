"""The groups of a writer configuration (features W-01..W-11).

Each group validates itself when built and again through ``validate()``.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _core
from ._validation import _core_check, _positive_int, _positive_optional, normalize_root
from .credentials import CredentialProvider, S3ConnectionOptions, s3_options_for_core
from .errors import ConfigValidationError, ShardyfusionError
from .metrics import MetricsCollector
from .sharding_types import KeyEncoding

if TYPE_CHECKING:
    from .manifest_store import ManifestStore

__all__ = [
    "HashShardingConfig",
    "KeyValueWriteConfig",
    "KvWriteRateLimitConfig",
    "RetryConfig",
    "WriterLifecycleConfig",
    "WriterManifestConfig",
    "WriterObservabilityConfig",
    "WriterOutputConfig",
    "WriterRetryConfig",
    "WriterStorageConfig",
]

# ---------------------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class WriterStorageConfig:
    """Where the snapshot goes and how to reach it.

    Args:
        s3_prefix: snapshot root: ``s3://bucket/prefix``, ``file:///dir`` or a local path.
        credential_provider: S3 identity (default: environment).
        s3_connection_options: S3 transport settings (endpoint, region, timeouts ...).
    """

    s3_prefix: str = ""
    credential_provider: CredentialProvider | None = None
    s3_connection_options: S3ConnectionOptions | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the root URL (an empty one is allowed only with a manifest store)."""
        if not isinstance(self.s3_prefix, str):
            raise ConfigValidationError(f"storage.s3_prefix must be a str, got {self.s3_prefix!r}")
        if self.s3_prefix:
            _core_check(_core.validate_root_url, normalize_root(self.s3_prefix), "storage.s3_prefix")
        s3_options_for_core(self.s3_connection_options, None)


@dataclass(slots=True)
class WriterOutputConfig:
    """Layout of the shard objects.

    Args:
        run_id: run identifier (default: a fresh uuid4 hex).
        db_path_template: per-shard directory, a ``str.format`` template with ``db_id``.
        shard_prefix: directory under the root holding run directories.
        run_registry_prefix: directory under the root holding run records.
        local_root: scratch space for building shard files.
    """

    run_id: str | None = None
    db_path_template: str = "db={db_id:05d}"
    shard_prefix: str = "shards"
    run_registry_prefix: str = "runs"
    local_root: str = field(default_factory=lambda: str(Path(tempfile.gettempdir()) / "shardyfusion"))

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the prefixes (single safe segments) and the template."""
        _core_check(_core.validate_path_segment, self.shard_prefix, "output.shard_prefix")
        _core_check(_core.validate_path_segment, self.run_registry_prefix, "output.run_registry_prefix")
        if self.run_id is not None:
            if not isinstance(self.run_id, str) or not self.run_id:
                raise ConfigValidationError(f"output.run_id must be a non-empty str, got {self.run_id!r}")
            if "/" in self.run_id or "_run_id=" in self.run_id:
                raise ConfigValidationError(
                    f"output.run_id must not contain '/' or '_run_id=': {self.run_id!r}"
                )
        try:
            _core.format_db_path(self.db_path_template, 0)
        except ShardyfusionError as exc:
            raise ConfigValidationError(
                f"output.db_path_template={self.db_path_template!r} must support format(db_id=...): {exc}"
            ) from exc


@dataclass(slots=True)
class WriterManifestConfig:
    """Manifest publishing.

    Args:
        store: a :class:`~shardyfusion.manifest_store.ManifestStore` (default: the store at
            ``s3_prefix``).
        custom_manifest_fields: JSON-serializable dict stored in the manifest's ``custom``.
        credential_provider / s3_connection_options: override the storage ones for the
            default manifest store only.
    """

    store: ManifestStore | None = None
    custom_manifest_fields: dict[str, Any] = field(default_factory=dict)
    credential_provider: CredentialProvider | None = None
    s3_connection_options: S3ConnectionOptions | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the custom fields (a JSON-serializable dict) and the store type."""
        if not isinstance(self.custom_manifest_fields, dict):
            raise ConfigValidationError("manifest.custom_manifest_fields must be a dict")
        try:
            json.dumps(self.custom_manifest_fields)
        except (TypeError, ValueError) as exc:
            raise ConfigValidationError(
                f"manifest.custom_manifest_fields must be JSON-serializable: {exc}"
            ) from exc
        if self.store is not None and not hasattr(self.store, "_store"):
            raise ConfigValidationError(
                "manifest.store must be a shardyfusion ManifestStore (S3ManifestStore, InMemoryManifestStore)"
            )


@dataclass(slots=True)
class KeyValueWriteConfig:
    """Key/value settings.

    Args:
        key_encoding: storage encoding of keys (default ``u64be``).
        batch_size: rows per shard write batch (> 0).
        adapter_factory: must be None: shards are written by the C++ core.
        backend: ``"sqlite"`` (default) or ``"slatedb"`` shard databases.
    """

    key_encoding: KeyEncoding = KeyEncoding.U64BE
    batch_size: int = 50_000
    adapter_factory: Any = None
    backend: str = "sqlite"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Normalize the key encoding and check the batch size."""
        self.key_encoding = KeyEncoding.from_value(self.key_encoding)
        _positive_int(self.batch_size, "kv.batch_size")
        if self.backend not in ("sqlite", "slatedb"):
            raise ConfigValidationError(f"kv.backend={self.backend!r}: allowed values are sqlite, slatedb")
        if self.adapter_factory is not None:
            raise ConfigValidationError(
                "kv.adapter_factory is not supported: shards are SQLite databases written by the C++ core"
            )


@dataclass(slots=True)
class HashShardingConfig:
    """HASH sharding: exactly one of ``num_dbs`` or ``max_keys_per_shard`` (> 0)."""

    num_dbs: int | None = None
    max_keys_per_shard: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Exactly one of the two, positive."""
        if self.max_keys_per_shard is not None:
            if self.num_dbs is not None:
                raise ConfigValidationError(
                    "sharding.num_dbs must be None when sharding.max_keys_per_shard is set"
                )
            _positive_int(self.max_keys_per_shard, "sharding.max_keys_per_shard")
        elif self.num_dbs is None:
            raise ConfigValidationError("sharding.num_dbs must be > 0 (or set max_keys_per_shard)")
        else:
            _positive_int(self.num_dbs, "sharding.num_dbs")
            if self.num_dbs > 0xFFFFFFFF:
                raise ConfigValidationError(f"sharding.num_dbs is too large: {self.num_dbs}")


class RetryConfig:
    """Per-shard retry: ``max_retries`` extra attempts, exponential backoff.

    Args:
        max_retries: retries after the first attempt (>= 0).
        initial_backoff_s: delay before the first retry, seconds (>= 0).
        backoff_multiplier: factor applied to the delay after each retry (>= 1).
        initial_backoff: the same delay as a ``timedelta`` (seed spelling; wins when given).
    """

    __slots__ = ("max_retries", "initial_backoff_s", "backoff_multiplier")

    def __init__(
        self,
        max_retries: int = 3,
        initial_backoff_s: float = 1.0,
        backoff_multiplier: float = 2.0,
        *,
        initial_backoff: timedelta | None = None,
    ) -> None:
        self.max_retries = max_retries
        self.initial_backoff_s = (
            initial_backoff.total_seconds() if initial_backoff is not None else float(initial_backoff_s)
        )
        self.backoff_multiplier = float(backoff_multiplier)
        self.validate()

    @property
    def initial_backoff(self) -> timedelta:
        """The first retry delay as a timedelta."""
        return timedelta(seconds=self.initial_backoff_s)

    def validate(self) -> None:
        """Check the ranges."""
        if (
            isinstance(self.max_retries, bool)
            or not isinstance(self.max_retries, int)
            or self.max_retries < 0
        ):
            raise ConfigValidationError(f"retry.max_retries must be an int >= 0, got {self.max_retries!r}")
        if not self.initial_backoff_s >= 0:
            raise ConfigValidationError(f"retry.initial_backoff must be >= 0, got {self.initial_backoff_s!r}")
        if not self.backoff_multiplier >= 1:
            raise ConfigValidationError(
                f"retry.backoff_multiplier must be >= 1, got {self.backoff_multiplier!r}"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RetryConfig) and (
            self.max_retries,
            self.initial_backoff_s,
            self.backoff_multiplier,
        ) == (other.max_retries, other.initial_backoff_s, other.backoff_multiplier)

    def __repr__(self) -> str:
        return (
            f"RetryConfig(max_retries={self.max_retries}, initial_backoff_s={self.initial_backoff_s}, "
            f"backoff_multiplier={self.backoff_multiplier})"
        )


@dataclass(slots=True)
class WriterRetryConfig:
    """Shard retries: a :class:`RetryConfig`, or None for no retries (the default)."""

    shard_retry: RetryConfig | None = None

    def validate(self) -> None:
        """Check the nested retry config."""
        if self.shard_retry is not None:
            if not isinstance(self.shard_retry, RetryConfig):
                raise ConfigValidationError("retry.shard_retry must be a RetryConfig or None")
            self.shard_retry.validate()


@dataclass(slots=True)
class KvWriteRateLimitConfig:
    """Token-bucket write limits (> 0 when set): rows per second, key+value bytes per second."""

    max_writes_per_second: float | None = None
    max_write_bytes_per_second: float | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Both limits positive when set."""
        _positive_optional(self.max_writes_per_second, "rate_limits.max_writes_per_second")
        _positive_optional(self.max_write_bytes_per_second, "rate_limits.max_write_bytes_per_second")


@dataclass(slots=True)
class WriterObservabilityConfig:
    """Optional metrics collector (an object with ``emit(event, payload)``)."""

    metrics_collector: MetricsCollector | None = None

    def validate(self) -> None:
        """The collector must have an ``emit`` method."""
        if self.metrics_collector is not None and not callable(getattr(self.metrics_collector, "emit", None)):
            raise ConfigValidationError(
                "observability.metrics_collector must have an emit(event, payload) method"
            )


@dataclass(slots=True)
class WriterLifecycleConfig:
    """Run records (``<root>/<run_registry_prefix>/.../run.yaml``).

    Args:
        run_registry: must be None (records go to the object store at the root).
        enabled: False turns run records off.
    """

    run_registry: Any = None
    enabled: bool = True

    def validate(self) -> None:
        """Only the built-in object-store registry is available."""
        if self.run_registry is not None:
            raise ConfigValidationError(
                "lifecycle.run_registry is not supported: run records go to <s3_prefix>/<run_registry_prefix>"
            )
