"""Readers: point lookups over a published snapshot (features R-01..R-22).

:class:`ConcurrentShardedReader` is thread-safe: lookups run in C++ with the GIL released,
so Python threads really run them in parallel.  ``refresh()`` loads the snapshot
``_CURRENT`` names now and swaps it in atomically; calls in flight and borrowed handles keep
the old snapshot until they finish.  :class:`ShardedReader` is the same engine without the
``multi_get`` fan-out pool.

``get`` and ``multi_get`` are the C++ methods themselves (no Python layer in between).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from . import _core
from .config import normalize_root
from .credentials import CredentialProvider, S3ConnectionOptions, s3_options_for_core
from .errors import ConfigValidationError
from .manifest import KeyValue, RequiredShardMeta, datetime_from_micros
from .manifest_store import ManifestStore
from .metrics import MetricsCollector
from .sharding_types import KeyEncoding, ShardHashAlgorithm, ShardingStrategy

__all__ = [
    "ConcurrentShardedReader",
    "ReaderHealth",
    "ShardDetail",
    "ShardReaderHandle",
    "ShardedReader",
    "SnapshotInfo",
    "TokenBucket",
]

ShardReaderHandle = _core.ShardReaderHandle
TokenBucket = _core.TokenBucket

SqliteMode = Literal["auto", "download", "range"]


@dataclass(slots=True, frozen=True)
class SnapshotInfo:
    """Metadata of the snapshot a reader serves."""

    run_id: str
    num_dbs: int
    sharding: ShardingStrategy
    created_at: datetime
    manifest_ref: str
    row_count: int = 0
    key_encoding: KeyEncoding = KeyEncoding.U64BE
    hash_algorithm: ShardHashAlgorithm = ShardHashAlgorithm.XXH3_64


@dataclass(slots=True, frozen=True)
class ShardDetail:
    """One shard of the served snapshot (empty shards included, with ``db_url`` None)."""

    db_id: int
    row_count: int
    min_key: KeyValue | None
    max_key: KeyValue | None
    db_url: str | None
    db_bytes: int = 0


@dataclass(slots=True, frozen=True)
class ReaderHealth:
    """Reader diagnostics; ``manifest_age`` counts from the snapshot's publish time."""

    status: Literal["healthy", "degraded", "unhealthy"]
    manifest_ref: str
    manifest_age: timedelta
    num_shards: int
    is_closed: bool


def _seconds(value: float | timedelta | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigValidationError(f"{name} must be seconds or a timedelta, got {value!r}")
    return float(value)


def reader_options(
    *,
    s3_prefix: str,
    local_root: str | None,
    manifest_store: ManifestStore | None,
    current_pointer_key: str,
    reader_factory: Any,
    credential_provider: CredentialProvider | None,
    s3_connection_options: S3ConnectionOptions | None,
    max_workers: int | None,
    max_fallback_attempts: int,
    metrics_collector: MetricsCollector | None,
    rate_limiter: Any,
    sqlite_mode: SqliteMode,
    sqlite_auto_per_shard_bytes: int,
    sqlite_auto_total_bytes: int,
    pinned_ref: str | None,
    pinned_offset: int | None,
    thread_safety: str = "lock",
    pool_checkout_timeout: float | timedelta = 30.0,
    pool_size: int | None = None,
    backend: str = "sqlite",
) -> dict[str, Any]:
    """Validate reader keywords and build the dict the C++ reader takes."""
    if reader_factory is not None:
        raise ConfigValidationError(
            "reader_factory is not supported: shards are read by the C++ SQLite readers (see sqlite_mode)"
        )
    if not s3_prefix and manifest_store is None:
        raise ConfigValidationError("s3_prefix is required (s3://bucket/prefix, file:///dir or a local path)")
    if manifest_store is not None and not isinstance(manifest_store, ManifestStore):
        raise ConfigValidationError("manifest_store must be a shardyfusion ManifestStore")
    if max_workers is not None and (
        isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1
    ):
        raise ConfigValidationError(f"max_workers must be an int >= 1, got {max_workers!r}")
    if not isinstance(max_fallback_attempts, int) or max_fallback_attempts < 0:
        raise ConfigValidationError(
            f"max_fallback_attempts must be an int >= 0, got {max_fallback_attempts!r}"
        )
    if sqlite_mode not in ("auto", "download", "range"):
        raise ConfigValidationError(f"sqlite_mode={sqlite_mode!r}: allowed values are auto, download, range")
    if backend not in ("sqlite", "slatedb"):
        raise ConfigValidationError(f"backend={backend!r}: allowed values are sqlite, slatedb")
    if thread_safety not in ("lock", "pool"):
        raise ConfigValidationError(f"thread_safety={thread_safety!r}: allowed values are lock, pool")
    if metrics_collector is not None and not callable(getattr(metrics_collector, "emit", None)):
        raise ConfigValidationError("metrics_collector must have an emit(event, payload) method")
    if rate_limiter is not None and not isinstance(rate_limiter, _core.TokenBucket):
        if isinstance(rate_limiter, (int, float)) and not isinstance(rate_limiter, bool):
            rate_limiter = _core.TokenBucket(float(rate_limiter), "ops", metrics_collector)
        else:
            raise ConfigValidationError("rate_limiter must be a TokenBucket or a rate (lookups per second)")
    timeout = _seconds(pool_checkout_timeout, "pool_checkout_timeout")
    if timeout is not None and timeout <= 0:
        raise ConfigValidationError(f"pool_checkout_timeout must be > 0, got {pool_checkout_timeout!r}")
    return {
        "s3_prefix": normalize_root(s3_prefix),
        "local_root": local_root,
        "s3_options": s3_options_for_core(s3_connection_options, credential_provider),
        "manifest_store": manifest_store._store if manifest_store is not None else None,
        "current_pointer_key": current_pointer_key,
        "sqlite_mode": sqlite_mode,
        "backend": backend,
        "sqlite_auto_per_shard_bytes": sqlite_auto_per_shard_bytes,
        "sqlite_auto_total_bytes": sqlite_auto_total_bytes,
        "max_workers": max_workers,
        "max_fallback_attempts": max_fallback_attempts,
        "thread_safety": thread_safety,
        "pool_size": pool_size,
        "pool_checkout_timeout_s": timeout,
        "metrics_collector": metrics_collector,
        "rate_limiter": rate_limiter,
        "pinned_ref": pinned_ref,
        "pinned_offset": pinned_offset,
    }


class _ReaderApi:
    """Python-side conveniences shared by both readers (mixed in before the C++ base)."""

    __slots__ = ()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # type: ignore[attr-defined]

    @property
    def key_encoding(self) -> KeyEncoding:
        """The snapshot's key encoding."""
        return KeyEncoding.from_value(super().key_encoding)  # type: ignore[misc]

    def snapshot_info(self) -> SnapshotInfo:
        """Metadata of the served snapshot."""
        d = super().snapshot_info()  # type: ignore[misc]
        return SnapshotInfo(
            run_id=d["run_id"],
            num_dbs=d["num_dbs"],
            sharding=ShardingStrategy.from_value(d["sharding"]["strategy"]),
            created_at=datetime_from_micros(d["created_at"]),
            manifest_ref=d["manifest_ref"],
            row_count=d["row_count"],
            key_encoding=KeyEncoding.from_value(d["key_encoding"]),
            hash_algorithm=ShardHashAlgorithm.from_value(d["hash_algorithm"]),
        )

    def shard_details(self) -> list[ShardDetail]:
        """Every shard of the served snapshot, ascending db_id."""
        return [ShardDetail(**d) for d in super().shard_details()]  # type: ignore[misc]

    def health(self, staleness_threshold: float | timedelta | None = None) -> ReaderHealth:
        """Diagnostics; ``degraded`` when the snapshot is older than ``staleness_threshold``."""
        d = super().health(_seconds(staleness_threshold, "staleness_threshold"))  # type: ignore[misc]
        return ReaderHealth(
            status=d["status"],
            manifest_ref=d["manifest_ref"],
            manifest_age=timedelta(milliseconds=d["manifest_age_ms"]),
            num_shards=d["num_shards"],
            is_closed=d["is_closed"],
        )

    def shard_for_key(
        self, key: KeyValue, *, routing_context: dict[str, Any] | None = None
    ) -> RequiredShardMeta:
        """Metadata of the shard ``key`` routes to."""
        return RequiredShardMeta._from_core(
            super().shard_for_key(key, routing_context=routing_context)  # type: ignore[misc]
        )

    def shards_for_keys(self, keys: Iterable[KeyValue]) -> dict[KeyValue, RequiredShardMeta]:
        """``{key: shard metadata}`` for each distinct key."""
        return {key: self.shard_for_key(key) for key in dict.fromkeys(keys)}

    def readers_for_keys(self, keys: Sequence[KeyValue]) -> dict[KeyValue, ShardReaderHandle]:
        """``{key: borrowed handle}`` for each distinct key; close every handle when done."""
        return {key: self.reader_for_key(key) for key in dict.fromkeys(keys)}  # type: ignore[attr-defined]


class ConcurrentShardedReader(_ReaderApi, _core.ReaderCore):
    """Thread-safe sharded reader.

    Args:
        s3_prefix: snapshot root (``s3://bucket/prefix``, ``file:///dir`` or a local path).
        local_root: shard cache directory (default ``<tmp>/shardyfusion-reader-<pid>``).
        manifest_store: where ``_CURRENT`` and manifests live (default: at ``s3_prefix``).
        current_pointer_key: name of the pointer object.
        reader_factory: must be None (SQLite shards, see ``sqlite_mode``).
        credential_provider / s3_connection_options: S3 access (default: environment).
        max_workers: ``multi_get`` fan-out threads (default 4); also the pool size.
        max_fallback_attempts: older manifests tried when the current one is malformed.
        metrics_collector: receives ``reader.*`` events.
        rate_limiter: a :class:`TokenBucket` (or a rate): 1 token per get, n per multi_get.
        sqlite_mode: ``"download"`` (cache whole shards), ``"range"`` (S3 range reads) or
            ``"auto"`` (range when a shard or the total exceeds the byte thresholds).
        thread_safety: ``"lock"`` (one connection per shard) or ``"pool"``
            (``pool_size or max_workers`` connections per shard).
        pool_checkout_timeout: seconds (or timedelta) before PoolExhaustedError.
        pinned_ref / pinned_offset: serve that manifest (or the N-th newest) and never
            follow ``_CURRENT``.
        backend: ``"sqlite"`` or ``"slatedb"`` shards (the manifest does not say which).

    Raises:
        ReaderStateError: there is no ``_CURRENT``, or no manifest parses.
        ConfigValidationError: a bad argument.
    """

    __slots__ = ()

    def __init__(
        self,
        s3_prefix: str = "",
        local_root: str | None = None,
        *,
        manifest_store: ManifestStore | None = None,
        current_pointer_key: str = "_CURRENT",
        reader_factory: Any = None,
        credential_provider: CredentialProvider | None = None,
        s3_connection_options: S3ConnectionOptions | None = None,
        max_workers: int | None = None,
        max_fallback_attempts: int = 3,
        metrics_collector: MetricsCollector | None = None,
        rate_limiter: Any = None,
        sqlite_mode: SqliteMode = "auto",
        sqlite_auto_per_shard_bytes: int = 16 << 20,
        sqlite_auto_total_bytes: int = 2 << 30,
        thread_safety: Literal["lock", "pool"] = "lock",
        pool_checkout_timeout: float | timedelta = 30.0,
        pool_size: int | None = None,
        pinned_ref: str | None = None,
        pinned_offset: int | None = None,
        backend: Literal["sqlite", "slatedb"] = "sqlite",
    ) -> None:
        options = reader_options(
            s3_prefix=s3_prefix,
            local_root=local_root,
            manifest_store=manifest_store,
            current_pointer_key=current_pointer_key,
            reader_factory=reader_factory,
            credential_provider=credential_provider,
            s3_connection_options=s3_connection_options,
            max_workers=max_workers,
            max_fallback_attempts=max_fallback_attempts,
            metrics_collector=metrics_collector,
            rate_limiter=rate_limiter,
            sqlite_mode=sqlite_mode,
            sqlite_auto_per_shard_bytes=sqlite_auto_per_shard_bytes,
            sqlite_auto_total_bytes=sqlite_auto_total_bytes,
            pinned_ref=pinned_ref,
            pinned_offset=pinned_offset,
            backend=backend,
            thread_safety=thread_safety,
            pool_checkout_timeout=pool_checkout_timeout,
            pool_size=pool_size,
        )
        super().__init__(options, False)


class ShardedReader(_ReaderApi, _core.ReaderCore):
    """Sharded reader for one caller at a time (no fan-out pool; still safe to share).

    Takes the same arguments as :class:`ConcurrentShardedReader` except the pool settings.
    """

    __slots__ = ()

    def __init__(
        self,
        s3_prefix: str = "",
        local_root: str | None = None,
        *,
        manifest_store: ManifestStore | None = None,
        current_pointer_key: str = "_CURRENT",
        reader_factory: Any = None,
        credential_provider: CredentialProvider | None = None,
        s3_connection_options: S3ConnectionOptions | None = None,
        max_workers: int | None = None,
        max_fallback_attempts: int = 3,
        metrics_collector: MetricsCollector | None = None,
        rate_limiter: Any = None,
        sqlite_mode: SqliteMode = "auto",
        sqlite_auto_per_shard_bytes: int = 16 << 20,
        sqlite_auto_total_bytes: int = 2 << 30,
        pinned_ref: str | None = None,
        pinned_offset: int | None = None,
        backend: Literal["sqlite", "slatedb"] = "sqlite",
    ) -> None:
        options = reader_options(
            s3_prefix=s3_prefix,
            local_root=local_root,
            manifest_store=manifest_store,
            current_pointer_key=current_pointer_key,
            reader_factory=reader_factory,
            credential_provider=credential_provider,
            s3_connection_options=s3_connection_options,
            max_workers=max_workers,
            max_fallback_attempts=max_fallback_attempts,
            metrics_collector=metrics_collector,
            rate_limiter=rate_limiter,
            sqlite_mode=sqlite_mode,
            sqlite_auto_per_shard_bytes=sqlite_auto_per_shard_bytes,
            sqlite_auto_total_bytes=sqlite_auto_total_bytes,
            pinned_ref=pinned_ref,
            pinned_offset=pinned_offset,
            backend=backend,
        )
        super().__init__(options, True)
