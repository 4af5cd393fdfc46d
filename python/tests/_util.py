"""Helpers shared by the tests."""

from __future__ import annotations

from typing import Any

from shardyfusion import BuildResult, HashShardedWriteConfig, PythonRecordInput
from shardyfusion.writer.python import write_hash_sharded

KV_INPUT = PythonRecordInput(key_fn=lambda r: r[0], value_fn=lambda r: r[1])


def rows(n: int, fmt: str = "v-{}") -> list[tuple[int, bytes]]:
    """``n`` (int key, bytes value) rows."""
    return [(i, fmt.format(i).encode()) for i in range(n)]


def write(target: Any, records: list[Any], **config: Any) -> BuildResult:
    """write_hash_sharded of (key, value) tuples into ``target``."""
    cfg = HashShardedWriteConfig(output=target.output(), **target.writer_kwargs(), **config)
    return write_hash_sharded(records, cfg, KV_INPUT)
