"""SlateDB shards through the Python package (skipped when the build has no SlateDB bridge)."""

from __future__ import annotations

import asyncio
import struct

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
        # scan_iter (features R-41): the whole shard of key 5, in key order, in small chunks.
        with reader.reader_for_key(5) as handle:
            scanned = list(handle.scan_iter(chunk_size=2))
            assert [k for k, _ in scanned] == sorted(k for k, _ in scanned)
            assert (struct.pack(">Q", 5), b"v-5") in scanned
            routed_here = [i for i in range(30) if reader.route_key(i) == handle.db_id]
            assert len(scanned) == len(routed_here)
            lo, hi = struct.pack(">Q", 0), struct.pack(">Q", 6)
            assert [k for k, _ in handle.scan_iter(lo, hi)] == [
                struct.pack(">Q", i) for i in routed_here if i < 6
            ]
            with pytest.raises(sf.ConfigValidationError):
                handle.scan_iter(start="not bytes")
    finally:
        reader.close()


def test_scan_of_a_sqlite_shard_is_a_clear_error(tmp_path):
    cfg = sf.HashShardedWriteConfig(s3_prefix=str(tmp_path / "snap"), num_dbs=2)
    write_hash_sharded(rows(10), cfg, KV_INPUT)
    with sf.ShardedReader(str(tmp_path / "snap"), str(tmp_path / "cache")) as reader:
        with reader.reader_for_key(3) as handle:
            with pytest.raises(sf.DbAdapterError, match="SlateDB shards only"):
                list(handle.scan_iter())


def test_unknown_backend_is_rejected(tmp_path):
    with pytest.raises(sf.ConfigValidationError, match="backend"):
        sf.KeyValueWriteConfig(backend="rocksdb")
    with pytest.raises(sf.ConfigValidationError, match="backend"):
        sf.ShardedReader(str(tmp_path), backend="nope")


def test_async_handle_scans_in_chunks(tmp_path):
    cfg = sf.HashShardedWriteConfig(
        s3_prefix=str(tmp_path / "snap"), num_dbs=2, kv=sf.KeyValueWriteConfig(backend="slatedb")
    )
    try:
        write_hash_sharded(rows(20), cfg, KV_INPUT)
    except sf.ConfigValidationError as e:
        if "not available" in str(e):
            pytest.skip("SlateDB backend not built (no cargo)")
        raise

    async def main() -> list[tuple[bytes, bytes]]:
        reader = await sf.AsyncShardedReader.open(
            str(tmp_path / "snap"), str(tmp_path / "cache"), backend="slatedb"
        )
        async with reader:
            async with reader.reader_for_key(4) as handle:
                scanned = [row async for row in handle.scan_iter(chunk_size=3)]
                expected = sorted(
                    (struct.pack(">Q", i), f"v-{i}".encode())
                    for i in range(20)
                    if reader.route_key(i) == handle.db_id
                )
                assert scanned == expected
                return scanned

    assert (struct.pack(">Q", 4), b"v-4") in asyncio.run(main())
