"""Python threads, a Python metrics collector and refreshes all at once (bounded)."""

from __future__ import annotations

import threading

from _util import rows, write

import shardyfusion as sf


def test_threads_with_collector_and_refresh(local_target):
    write(local_target, rows(64, "gen0-{}"), num_dbs=4)
    collector = sf.ListMetricsCollector()
    errors: list[BaseException] = []
    stop = threading.Event()

    with sf.ConcurrentShardedReader(
        **local_target.reader_kwargs(), max_workers=2, thread_safety="pool", metrics_collector=collector
    ) as reader:

        def worker() -> None:
            try:
                for i in range(300):
                    value = reader.get(i % 64)
                    assert (
                        value is not None and value.startswith(b"gen") and value.endswith(b"-%d" % (i % 64))
                    )
                    batch = reader.multi_get([(i + j) % 64 for j in range(8)])
                    assert all(v is not None for v in batch.values())
                    if stop.is_set():
                        return
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for gen in range(1, 4):
            write(local_target, rows(64, f"gen{gen}-{{}}"), num_dbs=gen + 1)
            assert reader.refresh() is True
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        assert reader.get(5) == b"gen3-5"
    assert errors == []
    names = collector.event_names()
    assert names.count("reader.refreshed") == 3
    assert names[-1] == "reader.closed"
