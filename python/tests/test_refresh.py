"""Refresh: a reader keeps serving its snapshot until refresh() swaps in the new one."""

from __future__ import annotations

from _util import rows, write

from shardyfusion import ConcurrentShardedReader, ShardedReader


def test_refresh_old_to_new(target):
    write(target, rows(32, "old-{}"), num_dbs=4)
    with ShardedReader(**target.reader_kwargs()) as reader:
        first_ref = reader.snapshot_info().manifest_ref
        assert reader.get(7) == b"old-7"

        second = write(target, rows(32, "new-{}"), num_dbs=4)
        assert reader.get(7) == b"old-7"  # still the old snapshot
        handle = reader.reader_for_key(7)  # borrows the old snapshot

        assert reader.refresh() is True
        assert reader.snapshot_info().manifest_ref == second.manifest_ref != first_ref
        assert all(reader.get(i) == f"new-{i}".encode() for i in range(32))
        assert handle.get(reader.encode_key(7)) == b"old-7"  # the borrow outlives the swap
        handle.close()

        assert reader.refresh() is False


def test_concurrent_reader_refresh(target):
    write(target, rows(32, "old-{}"), num_dbs=2)
    with ConcurrentShardedReader(**target.reader_kwargs()) as reader:
        write(target, rows(32, "new-{}"), num_dbs=3)
        assert reader.refresh() is True
        assert reader.snapshot_info().num_dbs == 3
        assert reader.multi_get(range(32)) == {i: f"new-{i}".encode() for i in range(32)}
        assert reader.refresh() is False
