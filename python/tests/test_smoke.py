"""Smoke: a small build and read back, over a local directory and S3."""

from __future__ import annotations

import pytest
from _util import rows, write

from shardyfusion import ConcurrentShardedReader, KeyEncoding, ShardedReader


@pytest.mark.parametrize(
    ("sharding", "expected_dbs"),
    [({"num_dbs": 3}, 3), ({"num_dbs": 2}, 2), ({"max_keys_per_shard": 5}, 2)],
    ids=["num_dbs=3", "num_dbs=2", "max_keys_per_shard=5"],
)
def test_ten_rows_round_trip(target, sharding, expected_dbs):
    data = rows(10)
    result = write(target, data, **sharding)
    assert result.stats.rows_written == 10
    assert sum(w.row_count for w in result.winners) == 10
    assert result.manifest_ref.endswith("/manifest")

    with ShardedReader(**target.reader_kwargs()) as reader:
        info = reader.snapshot_info()
        assert info.num_dbs == expected_dbs
        assert info.row_count == 10
        assert info.run_id == result.run_id
        assert info.key_encoding is KeyEncoding.U64BE
        for key, value in data:
            assert reader.get(key) == value
        assert reader.get(10) is None
        assert reader.multi_get([k for k, _ in data]) == dict(data)


def test_concurrent_reader_threads(target):
    data = rows(10)
    write(target, data, num_dbs=3)
    from concurrent.futures import ThreadPoolExecutor

    with ConcurrentShardedReader(**target.reader_kwargs(), max_workers=2, thread_safety="pool") as reader:
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(reader.get, [k for k, _ in data] * 20))
        assert got == [v for _, v in data] * 20
        assert reader.multi_get([9, 0, 5, 9]) == {9: b"v-9", 0: b"v-0", 5: b"v-5"}


@pytest.mark.parametrize("mode", ["download", "range"])
def test_sqlite_modes(target, mode):
    data = rows(10)
    write(target, data, num_dbs=3)
    with ShardedReader(**target.reader_kwargs(), sqlite_mode=mode) as reader:
        assert reader.multi_get([k for k, _ in data]) == dict(data)
        assert reader.get(3) == b"v-3"
