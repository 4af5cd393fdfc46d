"""Writer configuration (features W-01..W-19, W-23).

Every config object validates itself when built and again through ``validate()``; a bad
value raises :class:`~shardyfusion.errors.ConfigValidationError` naming the field.

``HashShardedWriteConfig`` takes either the nested groups
(``storage=WriterStorageConfig(...)``, ``output=...``, ``kv=...`` ...) or the flat keywords
(``s3_prefix=...``, ``num_dbs=...``, ``key_encoding=...`` ...), never both for one group.
The groups live in :mod:`shardyfusion.config_groups`, the Python writer's input and options
in :mod:`shardyfusion.write_options`; both are re-exported here.
"""

from __future__ import annotations

import json
from typing import Any

from . import _core
from ._validation import normalize_root, validate_configs
from .config_groups import (
    HashShardingConfig,
    KeyValueWriteConfig,
    KvWriteRateLimitConfig,
    RetryConfig,
    WriterLifecycleConfig,
    WriterManifestConfig,
    WriterObservabilityConfig,
    WriterOutputConfig,
    WriterRetryConfig,
    WriterStorageConfig,
)
from .credentials import CredentialProvider, S3ConnectionOptions, s3_options_for_core
from .errors import ConfigValidationError
from .metrics import MetricsCollector
from .sharding_types import KeyEncoding
from .write_options import BufferingOptions, PythonRecordInput, PythonWriteOptions, SharedMemoryOptions

__all__ = [
    "BaseShardedWriteConfig",
    "BufferingOptions",
    "HashShardedWriteConfig",
    "HashShardingConfig",
    "KeyValueWriteConfig",
    "KvWriteRateLimitConfig",
    "PythonRecordInput",
    "PythonWriteOptions",
    "RetryConfig",
    "SharedMemoryOptions",
    "SingleDbWriteConfig",
    "WriterLifecycleConfig",
    "WriterManifestConfig",
    "WriterObservabilityConfig",
    "WriterOutputConfig",
    "WriterRetryConfig",
    "WriterStorageConfig",
    "normalize_root",
    "validate_configs",
]

# ---------------------------------------------------------------------------------------
# Top-level configs
# ---------------------------------------------------------------------------------------

_FLAT_GROUPS = {
    "storage": ("s3_prefix", "credential_provider", "s3_connection_options"),
    "kv": ("key_encoding", "batch_size", "adapter_factory"),
    "retry": ("shard_retry",),
    "rate_limits": ("max_writes_per_second", "max_write_bytes_per_second"),
    "observability": ("metrics_collector",),
    "lifecycle": ("run_registry",),
}


class BaseShardedWriteConfig:
    """Groups shared by every KV writer config (see the module docstring)."""

    __slots__ = (
        "storage",
        "output",
        "manifest",
        "kv",
        "retry",
        "rate_limits",
        "observability",
        "lifecycle",
        "vector",
        "shard_id_col",
    )

    def __init__(
        self,
        *,
        storage: WriterStorageConfig | None = None,
        output: WriterOutputConfig | None = None,
        manifest: WriterManifestConfig | None = None,
        kv: KeyValueWriteConfig | None = None,
        retry: WriterRetryConfig | None = None,
        rate_limits: KvWriteRateLimitConfig | None = None,
        observability: WriterObservabilityConfig | None = None,
        lifecycle: WriterLifecycleConfig | None = None,
        vector: Any = None,
        shard_id_col: str = "_shard_id",
        s3_prefix: str | None = None,
        key_encoding: KeyEncoding | str | None = None,
        batch_size: int | None = None,
        adapter_factory: Any = None,
        metrics_collector: MetricsCollector | None = None,
        run_registry: Any = None,
        shard_retry: RetryConfig | None = None,
        credential_provider: CredentialProvider | None = None,
        s3_connection_options: S3ConnectionOptions | None = None,
        vector_spec: Any = None,
        max_writes_per_second: float | None = None,
        max_write_bytes_per_second: float | None = None,
    ) -> None:
        flat = {
            "s3_prefix": s3_prefix,
            "credential_provider": credential_provider,
            "s3_connection_options": s3_connection_options,
            "key_encoding": key_encoding,
            "batch_size": batch_size,
            "adapter_factory": adapter_factory,
            "shard_retry": shard_retry,
            "max_writes_per_second": max_writes_per_second,
            "max_write_bytes_per_second": max_write_bytes_per_second,
            "metrics_collector": metrics_collector,
            "run_registry": run_registry,
        }
        groups = {
            "storage": storage,
            "kv": kv,
            "retry": retry,
            "rate_limits": rate_limits,
            "observability": observability,
            "lifecycle": lifecycle,
        }
        for group, names in _FLAT_GROUPS.items():
            used = [n for n in names if flat[n] is not None]
            if groups[group] is not None and used:
                raise ConfigValidationError(f"{group} cannot be combined with {', '.join(used)}")
        if vector is not None and vector_spec is not None:
            raise ConfigValidationError("vector cannot be combined with vector_spec")

        self.storage = storage or WriterStorageConfig(
            s3_prefix=s3_prefix or "",
            credential_provider=credential_provider,
            s3_connection_options=s3_connection_options,
        )
        self.output = output or WriterOutputConfig()
        self.manifest = manifest or WriterManifestConfig()
        self.kv = kv or KeyValueWriteConfig(
            key_encoding=KeyEncoding.U64BE if key_encoding is None else KeyEncoding.from_value(key_encoding),
            batch_size=50_000 if batch_size is None else batch_size,
            adapter_factory=adapter_factory,
        )
        self.retry = retry or WriterRetryConfig(shard_retry=shard_retry)
        self.rate_limits = rate_limits or KvWriteRateLimitConfig(
            max_writes_per_second=max_writes_per_second,
            max_write_bytes_per_second=max_write_bytes_per_second,
        )
        self.observability = observability or WriterObservabilityConfig(metrics_collector=metrics_collector)
        self.lifecycle = lifecycle or WriterLifecycleConfig(run_registry=run_registry)
        self.vector = vector if vector is not None else vector_spec
        self.shard_id_col = shard_id_col

    def validate(self) -> None:
        """Check every group and the cross-group rules."""
        for name, cls in (
            ("storage", WriterStorageConfig),
            ("output", WriterOutputConfig),
            ("manifest", WriterManifestConfig),
            ("kv", KeyValueWriteConfig),
            ("retry", WriterRetryConfig),
            ("rate_limits", KvWriteRateLimitConfig),
            ("observability", WriterObservabilityConfig),
            ("lifecycle", WriterLifecycleConfig),
        ):
            if not isinstance(getattr(self, name), cls):
                raise ConfigValidationError(f"{name} must be {cls.__name__}")
        validate_configs(
            self.storage,
            self.output,
            self.manifest,
            self.kv,
            self.retry,
            self.rate_limits,
            self.observability,
            self.lifecycle,
        )
        if not self.storage.s3_prefix and self.manifest.store is None:
            raise ConfigValidationError(
                "storage.s3_prefix is required (s3://bucket/prefix, file:///dir or a local path)"
            )
        if not self.shard_id_col or not isinstance(self.shard_id_col, str):
            raise ConfigValidationError("shard_id_col must be a non-empty string")
        if self.vector is not None:
            raise ConfigValidationError("vector (unified KV + vector writes) is not supported by this build")

    # Flat accessors (read and write, re-validating the group).
    @property
    def s3_prefix(self) -> str:
        """``storage.s3_prefix``."""
        return self.storage.s3_prefix

    @s3_prefix.setter
    def s3_prefix(self, value: str) -> None:
        self.storage.s3_prefix = value
        self.storage.validate()

    @property
    def credential_provider(self) -> CredentialProvider | None:
        """``storage.credential_provider``."""
        return self.storage.credential_provider

    @credential_provider.setter
    def credential_provider(self, value: CredentialProvider | None) -> None:
        self.storage.credential_provider = value

    @property
    def s3_connection_options(self) -> S3ConnectionOptions | None:
        """``storage.s3_connection_options``."""
        return self.storage.s3_connection_options

    @s3_connection_options.setter
    def s3_connection_options(self, value: S3ConnectionOptions | None) -> None:
        self.storage.s3_connection_options = value
        self.storage.validate()

    @property
    def key_encoding(self) -> KeyEncoding:
        """``kv.key_encoding``."""
        return self.kv.key_encoding

    @key_encoding.setter
    def key_encoding(self, value: KeyEncoding | str) -> None:
        self.kv.key_encoding = value  # type: ignore[assignment]
        self.kv.validate()

    @property
    def batch_size(self) -> int:
        """``kv.batch_size``."""
        return self.kv.batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self.kv.batch_size = value
        self.kv.validate()

    @property
    def metrics_collector(self) -> MetricsCollector | None:
        """``observability.metrics_collector``."""
        return self.observability.metrics_collector

    @metrics_collector.setter
    def metrics_collector(self, value: MetricsCollector | None) -> None:
        self.observability.metrics_collector = value
        self.observability.validate()

    @property
    def shard_retry(self) -> RetryConfig | None:
        """``retry.shard_retry``."""
        return self.retry.shard_retry

    @shard_retry.setter
    def shard_retry(self, value: RetryConfig | None) -> None:
        self.retry.shard_retry = value
        self.retry.validate()

    def _core_dict(self) -> dict[str, Any]:
        """The settings dict the C++ writer binding takes."""
        root = normalize_root(self.storage.s3_prefix)
        s3 = s3_options_for_core(self.storage.s3_connection_options, self.storage.credential_provider)
        store = self.manifest.store._store if self.manifest.store is not None else None
        if store is None and (
            self.manifest.s3_connection_options is not None or self.manifest.credential_provider is not None
        ):
            manifest_s3 = s3_options_for_core(
                self.manifest.s3_connection_options or self.storage.s3_connection_options,
                self.manifest.credential_provider or self.storage.credential_provider,
            )
            store = _core.make_object_manifest_store(root, manifest_s3, "manifest", "_CURRENT")
        retry = self.retry.shard_retry
        return {
            "s3_prefix": root,
            "s3_options": s3,
            "run_id": self.output.run_id,
            "db_path_template": self.output.db_path_template,
            "shard_prefix": self.output.shard_prefix,
            "run_registry_prefix": self.output.run_registry_prefix,
            "local_root": self.output.local_root,
            "manifest_store": store,
            "custom_fields_json": json.dumps(self.manifest.custom_manifest_fields, sort_keys=True),
            "key_encoding": self.kv.key_encoding.value,
            "batch_size": self.kv.batch_size,
            "backend": self.kv.backend,
            "shard_retry": None
            if retry is None
            else {
                "max_retries": retry.max_retries,
                "initial_backoff_s": retry.initial_backoff_s,
                "backoff_multiplier": retry.backoff_multiplier,
            },
            "max_writes_per_second": self.rate_limits.max_writes_per_second,
            "max_write_bytes_per_second": self.rate_limits.max_write_bytes_per_second,
            "metrics_collector": self.observability.metrics_collector,
            "enable_run_registry": self.lifecycle.enabled,
            "writer_type": "python",
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__ if name != "vector")
        return f"{type(self).__name__}({fields})"


class HashShardedWriteConfig(BaseShardedWriteConfig):
    """Configuration of a HASH-sharded KV write.

    Either ``sharding=HashShardingConfig(...)`` or the flat ``num_dbs=`` /
    ``max_keys_per_shard=``; every other keyword is a :class:`BaseShardedWriteConfig` group
    or flat option.

    Example::

        HashShardedWriteConfig(s3_prefix="s3://bucket/snap", num_dbs=8)
    """

    __slots__ = ("sharding",)

    def __init__(
        self,
        *,
        sharding: HashShardingConfig | None = None,
        num_dbs: int | None = None,
        max_keys_per_shard: int | None = None,
        **base_kwargs: Any,
    ) -> None:
        if sharding is not None and (num_dbs is not None or max_keys_per_shard is not None):
            raise ConfigValidationError("sharding cannot be combined with num_dbs or max_keys_per_shard")
        self.sharding = sharding or HashShardingConfig(num_dbs=num_dbs, max_keys_per_shard=max_keys_per_shard)
        BaseShardedWriteConfig.__init__(self, **base_kwargs)
        self.validate()

    def validate(self) -> None:
        """Check the base groups and the sharding."""
        BaseShardedWriteConfig.validate(self)
        if not isinstance(self.sharding, HashShardingConfig):
            raise ConfigValidationError("sharding must be HashShardingConfig")
        self.sharding.validate()

    @property
    def num_dbs(self) -> int | None:
        """``sharding.num_dbs`` (None with max_keys_per_shard)."""
        return self.sharding.num_dbs

    @property
    def max_keys_per_shard(self) -> int | None:
        """``sharding.max_keys_per_shard``."""
        return self.sharding.max_keys_per_shard

    def _core_dict(self) -> dict[str, Any]:
        d = BaseShardedWriteConfig._core_dict(self)
        d["num_dbs"] = self.sharding.num_dbs
        d["max_keys_per_shard"] = self.sharding.max_keys_per_shard
        return d


class SingleDbWriteConfig(BaseShardedWriteConfig):
    """Configuration of a single-database write (``num_dbs`` is always 1)."""

    __slots__ = ()

    def __init__(self, **base_kwargs: Any) -> None:
        BaseShardedWriteConfig.__init__(self, **base_kwargs)
        self.validate()

    @property
    def num_dbs(self) -> int:
        """Always 1."""
        return 1

    def _core_dict(self) -> dict[str, Any]:
        d = BaseShardedWriteConfig._core_dict(self)
        d["num_dbs"] = 1
        return d
