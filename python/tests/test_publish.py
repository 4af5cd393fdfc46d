"""Publish: 24 rows into 4 shards land where routing says, with a readable manifest."""

from __future__ import annotations

from _util import rows, write

from shardyfusion import S3ManifestStore, ShardedReader
from shardyfusion.routing import hash_db_id


def test_publish_24_rows_into_4_shards(target):
    data = rows(24)
    result = write(target, data, num_dbs=4)
    assert result.stats.num_winners == len(result.winners) <= 4
    assert [w.db_id for w in result.winners] == sorted(w.db_id for w in result.winners)
    assert sum(w.row_count for w in result.winners) == 24

    store = S3ManifestStore(target.s3_prefix, s3_connection_options=target.s3_connection_options)
    current = store.load_current()
    assert current is not None and current.ref == result.manifest_ref and current.run_id == result.run_id
    assert [m.ref for m in store.list_manifests()] == [result.manifest_ref]
    manifest = store.load_manifest(result.manifest_ref)
    assert manifest.required_build.num_dbs == 4
    assert manifest.required_build.format_version == 4
    assert manifest.shards == result.winners

    expected_counts = [0] * 4
    for key, _ in data:
        expected_counts[hash_db_id(key, 4)] += 1
    with ShardedReader(**target.reader_kwargs()) as reader:
        details = reader.shard_details()
        assert [d.db_id for d in details] == [0, 1, 2, 3]
        assert [d.row_count for d in details] == expected_counts
        for key, value in data:
            db = reader.route_key(key)
            assert db == hash_db_id(key, 4)
            assert reader.shard_for_key(key).db_id == db
            with reader.reader_for_key(key) as handle:
                assert handle.db_id == db
                assert handle.get(reader.encode_key(key)) == value
            assert reader.get(key) == value
