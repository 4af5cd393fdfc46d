"""Every C++ error arrives as the Python class of the same name, with `retryable`."""

from __future__ import annotations

import pytest
from _util import KV_INPUT, rows, write

import shardyfusion as sf
from shardyfusion import _core, errors
from shardyfusion.writer.python import write_hash_sharded

CPP_ERRORS = {
    "ShardyfusionError": False,
    "ConfigValidationError": False,
    "KeyEncodingError": False,
    "ShardAssignmentError": False,
    "ShardCoverageError": False,
    "DbAdapterError": False,
    "BridgeTimeoutError": True,
    "ManifestBuildError": False,
    "PublishManifestError": True,
    "PublishCurrentError": True,
    "ManifestParseError": False,
    "ReaderStateError": False,
    "PoolExhaustedError": True,
    "ManifestStoreError": True,
    "ShardWriteError": True,
    "S3TransientError": True,
    "UnknownRoutingTokenError": False,
    "SqliteAdapterError": False,
    "ObjectStoreError": False,
    "ObjectNotFoundError": False,
    "PreconditionFailedError": False,
}


@pytest.mark.parametrize("name", sorted(CPP_ERRORS))
def test_each_cpp_error_maps_to_its_python_class(name):
    cls = getattr(errors, name)
    with pytest.raises(cls) as info:
        _core._raise_cpp_error(name, "boom")
    assert type(info.value) is cls
    assert isinstance(info.value, sf.ShardyfusionError)
    assert info.value.retryable is CPP_ERRORS[name]
    assert "boom" in str(info.value)
    if name == "PublishCurrentError":
        assert info.value.manifest_ref == "mem://manifests/x"


def test_value_error_subclasses():
    assert issubclass(sf.KeyEncodingError, ValueError)
    assert issubclass(sf.UnknownRoutingTokenError, ValueError)
    assert issubclass(sf.SqliteAdapterError, sf.DbAdapterError)


def test_bad_config_is_config_validation_error(tmp_path):
    with pytest.raises(sf.ConfigValidationError) as info:
        sf.HashShardedWriteConfig(s3_prefix=str(tmp_path), num_dbs=0)
    assert info.value.retryable is False
    assert "num_dbs" in str(info.value)
    with pytest.raises(sf.ConfigValidationError, match="s3_prefix"):
        sf.HashShardedWriteConfig(s3_prefix="s3://bucket-only", num_dbs=2)
    with pytest.raises(sf.ConfigValidationError, match="shard_prefix"):
        sf.HashShardedWriteConfig(
            s3_prefix=str(tmp_path), num_dbs=2, output=sf.WriterOutputConfig(shard_prefix="a/b")
        )
    with pytest.raises(sf.ConfigValidationError, match="key_encoding|KeyEncoding"):
        sf.HashShardedWriteConfig(s3_prefix=str(tmp_path), num_dbs=2, key_encoding="u128")
    with pytest.raises(sf.ConfigValidationError, match="sqlite_mode"):
        sf.ShardedReader(str(tmp_path), sqlite_mode="mmap")


def test_missing_current_is_reader_state_error(tmp_path):
    with pytest.raises(sf.ReaderStateError) as info:
        sf.ShardedReader(str(tmp_path / "empty"), str(tmp_path / "cache"))
    assert info.value.retryable is False
    assert "_CURRENT" in str(info.value)


def test_bad_key_is_key_encoding_error(local_target):
    with pytest.raises(sf.KeyEncodingError) as info:
        write(local_target, [("not-an-int", b"v")], num_dbs=2)  # str key under u64be
    assert isinstance(info.value, ValueError)
    assert info.value.retryable is False
    with pytest.raises(sf.KeyEncodingError):
        write(local_target, [(-1, b"v")], num_dbs=2)  # negative under u64be
    with pytest.raises(ValueError):
        write(local_target, [(1.5, b"v")], num_dbs=2)  # float keys are not keys

    write(local_target, rows(4), num_dbs=2)
    with sf.ShardedReader(**local_target.reader_kwargs()) as reader:
        with pytest.raises(sf.KeyEncodingError):
            reader.get("abc")
        with pytest.raises(ValueError):
            reader.multi_get([1, "abc"])


def test_closed_reader_is_reader_state_error(local_target):
    write(local_target, rows(4), num_dbs=2)
    reader = sf.ShardedReader(**local_target.reader_kwargs())
    reader.close()
    reader.close()  # idempotent
    with pytest.raises(sf.ReaderStateError):
        reader.get(1)
    assert reader.health().is_closed


def test_callback_errors_propagate_unchanged(local_target):
    cfg = sf.HashShardedWriteConfig(output=local_target.output(), num_dbs=2, **local_target.writer_kwargs())

    def bad_key(record):
        if record[0] == 5000:
            raise LookupError("no key for 5000")
        return record[0]

    with pytest.raises(LookupError, match="no key for 5000"):
        write_hash_sharded(rows(10_000), cfg, sf.PythonRecordInput(key_fn=bad_key, value_fn=lambda r: r[1]))
    with pytest.raises(TypeError, match="value_fn must return bytes or str"):
        write_hash_sharded(rows(3), cfg, sf.PythonRecordInput(key_fn=lambda r: r[0], value_fn=lambda r: 42))

    def gen():
        yield (1, b"a")
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        write_hash_sharded(gen(), cfg, KV_INPUT)
    # Nothing was published by the failed runs.
    with pytest.raises(sf.ReaderStateError):
        sf.ShardedReader(**local_target.reader_kwargs())


def test_manifest_parse_error():
    with pytest.raises(sf.ManifestParseError) as info:
        sf.parse_manifest(b"not a sqlite database")
    assert info.value.retryable is False
