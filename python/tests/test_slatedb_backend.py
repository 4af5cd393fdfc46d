"""SlateDB shards through the Python package (skipped when the build has no SlateDB bridge)."""

from __future__ import annotations

import pytest
from _util import KV_INPUT, rows

import shardyfusion as sf
from shardyfusion.writer.python import write_hash_sharded


def test_write_and_read_slatedb_shards(tmp_path):
    cfg = sf.HashShardedWriteConfig(
        s3_prefix=str(tmp_path / "snap"), num_dbs=3, kv=sf.KeyValueWriteConfig(backend="slatedb")
    )
    try:
        result = write_hash_sharded(rows(30), cfg, KV_INPUT)
    except sf.ConfigValidationError as e:
        if "not available" in str(e):
            pytest.skip("SlateDB backend not built (no cargo)")
        raise
    assert all(w.db_bytes == 0 for w in result.winners)
    reader = sf.ShardedReader(str(tmp_path / "snap"), str(tmp_path / "cache"), backend="slatedb")
    try:
        assert reader.get(5) == b"v-5"
        assert reader.multi_get([1, 100]) == {1: b"v-1", 100: None}
    finally:
        reader.close()


def test_unknown_backend_is_rejected(tmp_path):
    with pytest.raises(sf.ConfigValidationError, match="backend"):
        sf.KeyValueWriteConfig(backend="rocksdb")
    with pytest.raises(sf.ConfigValidationError, match="backend"):
        sf.ShardedReader(str(tmp_path), backend="nope")
