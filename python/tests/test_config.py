"""Config objects: flat and grouped forms, validation, conversions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _util import KV_INPUT, rows, write

import shardyfusion as sf
from shardyfusion.writer.python import write_hash_sharded, write_single_db


def test_flat_and_grouped_forms_are_equivalent(tmp_path):
    flat = sf.HashShardedWriteConfig(
        s3_prefix=str(tmp_path),
        num_dbs=3,
        key_encoding="utf8",
        batch_size=10,
        shard_retry=sf.RetryConfig(max_retries=1, initial_backoff=timedelta(milliseconds=5)),
        max_writes_per_second=1e6,
    )
    grouped = sf.HashShardedWriteConfig(
        storage=sf.WriterStorageConfig(s3_prefix=str(tmp_path)),
        sharding=sf.HashShardingConfig(num_dbs=3),
        kv=sf.KeyValueWriteConfig(key_encoding=sf.KeyEncoding.UTF8, batch_size=10),
        retry=sf.WriterRetryConfig(shard_retry=sf.RetryConfig(1, 0.005)),
        rate_limits=sf.KvWriteRateLimitConfig(max_writes_per_second=1e6),
    )
    for cfg in (flat, grouped):
        assert cfg.num_dbs == 3 and cfg.max_keys_per_shard is None
        assert cfg.key_encoding is sf.KeyEncoding.UTF8
        assert cfg.batch_size == 10
        assert cfg.shard_retry == sf.RetryConfig(max_retries=1, initial_backoff_s=0.005)
    assert flat._core_dict() == grouped._core_dict()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"storage": sf.WriterStorageConfig(s3_prefix="/tmp/x"), "s3_prefix": "/tmp/y", "num_dbs": 1},
        {"s3_prefix": "/tmp/x", "kv": sf.KeyValueWriteConfig(), "batch_size": 5, "num_dbs": 1},
        {"s3_prefix": "/tmp/x", "sharding": sf.HashShardingConfig(num_dbs=2), "num_dbs": 2},
        {"s3_prefix": "/tmp/x", "num_dbs": 2, "max_keys_per_shard": 5},
        {"s3_prefix": "/tmp/x"},
        {"s3_prefix": "/tmp/x", "num_dbs": 2, "batch_size": 0},
        {"s3_prefix": "/tmp/x", "num_dbs": 2, "max_writes_per_second": -1},
        {"s3_prefix": "/tmp/x", "num_dbs": 2, "adapter_factory": object()},
        {"s3_prefix": "/tmp/x", "num_dbs": 2, "s3_connection_options": {"endpoint": "x"}},
        {"s3_prefix": "ftp://host/x", "num_dbs": 2},
    ],
)
def test_invalid_configs(kwargs):
    with pytest.raises(sf.ConfigValidationError):
        sf.HashShardedWriteConfig(**kwargs)


def test_invalid_output_template():
    with pytest.raises(sf.ConfigValidationError, match="db_path_template"):
        sf.WriterOutputConfig(db_path_template="{nope}")
    with pytest.raises(sf.ConfigValidationError, match="run_id"):
        sf.WriterOutputConfig(run_id="a/b")


def test_setters_revalidate(tmp_path):
    cfg = sf.HashShardedWriteConfig(s3_prefix=str(tmp_path), num_dbs=2)
    with pytest.raises(sf.ConfigValidationError):
        cfg.batch_size = -5
    with pytest.raises(sf.ConfigValidationError):
        cfg.key_encoding = "nope"


def test_utf8_keys_and_custom_fields_round_trip(local_target):
    data = [("alpha", b"1"), ("beta", "two"), ("gamma", bytearray(b"3"))]
    result = write(local_target, data, num_dbs=2, key_encoding="utf8")
    store = sf.S3ManifestStore(local_target.s3_prefix)
    assert store.load_manifest(result.manifest_ref).required_build.key_encoding is sf.KeyEncoding.UTF8
    with sf.ShardedReader(**local_target.reader_kwargs()) as reader:
        assert reader.multi_get(["alpha", "beta", "gamma", "delta"]) == {
            "alpha": b"1",
            "beta": b"two",
            "gamma": b"3",
            "delta": None,
        }
        assert reader.key_encoding is sf.KeyEncoding.UTF8


def test_custom_manifest_fields_and_single_db(local_target):
    cfg = sf.SingleDbWriteConfig(
        s3_prefix=local_target.s3_prefix,
        output=local_target.output(run_id="single-run"),
        manifest=sf.WriterManifestConfig(custom_manifest_fields={"team": "search", "n": 1}),
    )
    result = write_single_db(iter(rows(20)), cfg, KV_INPUT)  # a one-shot generator works
    assert result.run_id == "single-run"
    assert [w.db_id for w in result.winners] == [0]
    manifest = sf.S3ManifestStore(local_target.s3_prefix).load_manifest(result.manifest_ref)
    assert manifest.custom["team"] == "search" and manifest.custom["n"] == 1
    assert manifest.required_build.num_dbs == 1


def test_max_keys_per_shard_needs_a_length(local_target):
    cfg = sf.HashShardedWriteConfig(
        output=local_target.output(), max_keys_per_shard=3, **local_target.writer_kwargs()
    )
    with pytest.raises(sf.ConfigValidationError, match="known length"):
        write_hash_sharded(iter(rows(10)), cfg, KV_INPUT)
    result = write_hash_sharded(rows(10), cfg, KV_INPUT)
    with sf.ShardedReader(**local_target.reader_kwargs()) as reader:
        assert reader.snapshot_info().num_dbs == 4
    assert result.stats.rows_written == 10


def test_parallel_options_and_small_chunks(local_target):
    cfg = sf.HashShardedWriteConfig(
        output=local_target.output(), num_dbs=5, batch_size=7, **local_target.writer_kwargs()
    )
    opts = sf.PythonWriteOptions(
        parallel=True, chunk_size=3, buffering=sf.BufferingOptions(max_total_batched_bytes=4096)
    )
    result = write_hash_sharded(rows(500), cfg, KV_INPUT, opts)
    assert result.stats.rows_written == 500
    with sf.ShardedReader(**local_target.reader_kwargs()) as reader:
        assert reader.multi_get(range(500)) == dict(rows(500))
    with pytest.raises(sf.ConfigValidationError):
        sf.PythonWriteOptions(chunk_size=0).validate()


def test_history_rollback_and_pinning(local_target):
    first = write(local_target, rows(8, "a-{}"), num_dbs=2)
    second = write(local_target, rows(8, "b-{}"), num_dbs=2)
    store = sf.S3ManifestStore(local_target.s3_prefix)
    history = store.list_manifests()
    assert [m.ref for m in history] == [second.manifest_ref, first.manifest_ref]
    assert history[0].published_at >= history[1].published_at

    with sf.ShardedReader(**local_target.reader_kwargs(), pinned_offset=1) as pinned:
        assert pinned.get(1) == b"a-1"
        assert pinned.refresh() is False

    store.set_current(first.manifest_ref)  # rollback
    with sf.ShardedReader(**local_target.reader_kwargs()) as reader:
        assert reader.get(1) == b"a-1"
        store.set_current(second.manifest_ref)
        assert reader.refresh() is True
        assert reader.get(1) == b"b-1"


def test_in_memory_manifest_store(local_target):
    store = sf.InMemoryManifestStore()
    cfg = sf.HashShardedWriteConfig(
        output=local_target.output(),
        num_dbs=2,
        manifest=sf.WriterManifestConfig(store=store),
        **local_target.writer_kwargs(),
    )
    result = write_hash_sharded(rows(6), cfg, KV_INPUT)
    assert result.manifest_ref.startswith("mem://")
    assert store.load_current().ref == result.manifest_ref
    with sf.ShardedReader(local_target.s3_prefix, manifest_store=store) as reader:
        assert reader.get(5) == b"v-5"


def test_reader_rate_limiter_and_health(local_target):
    write(local_target, rows(4), num_dbs=2)
    bucket = sf.TokenBucket(1000.0)
    with sf.ConcurrentShardedReader(**local_target.reader_kwargs(), rate_limiter=bucket) as reader:
        assert reader.get(1) == b"v-1"
        health = reader.health(staleness_threshold=timedelta(days=1))
        assert health.status == "healthy" and health.num_shards == 2 and not health.is_closed
        assert reader.health(staleness_threshold=0.000001).status == "degraded"
    acquired, deficit = bucket.try_acquire(1)
    assert isinstance(acquired, bool) and deficit >= 0
