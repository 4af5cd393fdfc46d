"""Manifest and build-result model types (frozen dataclasses).

The C++ core returns plain dicts; these types give them names, docstrings and equality.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .sharding_types import KeyEncoding, ShardingStrategy

__all__ = [
    "BuildDurations",
    "BuildResult",
    "BuildStats",
    "CurrentPointer",
    "ManifestRef",
    "ManifestShardingSpec",
    "ParsedManifest",
    "RequiredBuildMeta",
    "RequiredShardMeta",
    "WriterInfo",
]

KeyValue = int | str | bytes

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def datetime_from_micros(micros: int) -> datetime:
    """Aware UTC datetime from microseconds since the Unix epoch."""
    return _EPOCH + timedelta(microseconds=int(micros))


@dataclass(slots=True, frozen=True)
class ManifestRef:
    """A published manifest: its ``ref`` (full URL), run id and publish time."""

    ref: str
    run_id: str
    published_at: datetime

    @classmethod
    def _from_core(cls, raw: tuple[str, str, int]) -> ManifestRef:
        return cls(raw[0], raw[1], datetime_from_micros(raw[2]))


@dataclass(slots=True, frozen=True)
class WriterInfo:
    """Who wrote a shard attempt (used for winner selection)."""

    stage_id: int | None = None
    task_attempt_id: int | None = None
    attempt: int = 0
    duration_ms: int = 0


@dataclass(slots=True, frozen=True)
class RequiredShardMeta:
    """One shard of a snapshot (``db_url`` None: an empty shard)."""

    db_id: int
    db_url: str | None
    attempt: int = 0
    row_count: int = 0
    min_key: KeyValue | None = None
    max_key: KeyValue | None = None
    checkpoint_id: str | None = None
    writer_info: WriterInfo = field(default_factory=WriterInfo)
    db_bytes: int = 0

    @classmethod
    def _from_core(cls, d: dict[str, Any]) -> RequiredShardMeta:
        w = d["writer_info"]
        return cls(
            db_id=d["db_id"],
            db_url=d["db_url"],
            attempt=d["attempt"],
            row_count=d["row_count"],
            min_key=d["min_key"],
            max_key=d["max_key"],
            checkpoint_id=d["checkpoint_id"],
            writer_info=WriterInfo(
                stage_id=w["stage_id"],
                task_attempt_id=w["task_attempt_id"],
                attempt=w["attempt"],
                duration_ms=w["duration_ms"],
            ),
            db_bytes=d["db_bytes"],
        )


@dataclass(slots=True, frozen=True)
class ManifestShardingSpec:
    """How a snapshot routes keys."""

    strategy: ShardingStrategy = ShardingStrategy.HASH
    hash_algorithm: str = "xxh3_64"
    cel_expr: str | None = None
    cel_columns: dict[str, str] | None = None
    routing_values: list[KeyValue] | None = None

    @classmethod
    def _from_core(cls, d: dict[str, Any]) -> ManifestShardingSpec:
        return cls(
            strategy=ShardingStrategy.from_value(d["strategy"]),
            hash_algorithm=d["hash_algorithm"],
            cel_expr=d.get("cel_expr"),
            cel_columns=d.get("cel_columns"),
            routing_values=d.get("routing_values"),
        )


@dataclass(slots=True, frozen=True)
class RequiredBuildMeta:
    """The ``build_meta`` row of a manifest."""

    run_id: str
    created_at: datetime
    num_dbs: int
    s3_prefix: str
    key_col: str = "_key"
    sharding: ManifestShardingSpec = field(default_factory=ManifestShardingSpec)
    db_path_template: str = "db={db_id:05d}"
    shard_prefix: str = "shards"
    format_version: int = 4
    key_encoding: KeyEncoding = KeyEncoding.U64BE

    @classmethod
    def _from_core(cls, d: dict[str, Any]) -> RequiredBuildMeta:
        return cls(
            run_id=d["run_id"],
            created_at=datetime_from_micros(d["created_at"]),
            num_dbs=d["num_dbs"],
            s3_prefix=d["s3_prefix"],
            key_col=d["key_col"],
            sharding=ManifestShardingSpec._from_core(d["sharding"]),
            db_path_template=d["db_path_template"],
            shard_prefix=d["shard_prefix"],
            format_version=d["format_version"],
            key_encoding=KeyEncoding.from_value(d["key_encoding"]),
        )


@dataclass(slots=True, frozen=True)
class ParsedManifest:
    """A parsed, validated manifest: build metadata, listed shards, custom fields."""

    required_build: RequiredBuildMeta
    shards: list[RequiredShardMeta]
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _from_core(cls, d: dict[str, Any]) -> ParsedManifest:
        return cls(
            required_build=RequiredBuildMeta._from_core(d["required_build"]),
            shards=[RequiredShardMeta._from_core(s) for s in d["shards"]],
            custom=json.loads(d["custom_json"] or "{}"),
        )


@dataclass(slots=True, frozen=True)
class CurrentPointer:
    """The parsed ``_CURRENT`` object."""

    manifest_ref: str
    run_id: str
    updated_at: datetime
    manifest_content_type: str = "application/x-sqlite3"
    format_version: int = 1


@dataclass(slots=True, frozen=True)
class BuildDurations:
    """Phase timings of a build in milliseconds (the in-process writer has no sharding phase)."""

    sharding_ms: int = 0
    write_ms: int = 0
    manifest_ms: int = 0
    total_ms: int = 0


@dataclass(slots=True, frozen=True)
class BuildStats:
    """Counters of a build."""

    durations: BuildDurations = field(default_factory=BuildDurations)
    num_attempt_results: int = 0
    num_winners: int = 0
    rows_written: int = 0


@dataclass(slots=True, frozen=True)
class BuildResult:
    """What a write published: run id, winning shards, manifest ref, stats."""

    run_id: str
    winners: list[RequiredShardMeta]
    manifest_ref: str
    stats: BuildStats
    run_record_ref: str | None = None

    @classmethod
    def _from_core(cls, d: dict[str, Any]) -> BuildResult:
        s = d["stats"]
        return cls(
            run_id=d["run_id"],
            winners=[RequiredShardMeta._from_core(w) for w in d["winners"]],
            manifest_ref=d["manifest_ref"],
            stats=BuildStats(
                durations=BuildDurations(**s["durations"]),
                num_attempt_results=s["num_attempt_results"],
                num_winners=s["num_winners"],
                rows_written=s["rows_written"],
            ),
            run_record_ref=d["run_record_ref"],
        )
