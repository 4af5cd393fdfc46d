"""A MetricsCollector written in Python receives the C++ events."""

from __future__ import annotations

from _util import rows, write

import shardyfusion as sf
from shardyfusion import MetricEvent


def test_writer_events_in_order(local_target):
    collector = sf.ListMetricsCollector()
    write(local_target, rows(100), num_dbs=3, metrics_collector=collector)
    names = collector.event_names()
    assert names[0] == MetricEvent.WRITE_STARTED == "write.started"
    assert names[-1] == "write.completed"
    for event in (
        "write.shard.started",
        "write.shard.completed",
        "write.batch_written",
        "write.shards_completed",
        "write.manifest_published",
    ):
        assert event in names
    assert (
        names.index("write.shards_completed")
        < names.index("write.manifest_published")
        < names.index("write.completed")
    )
    assert names.count("write.shard.completed") == 3
    completed = dict(collector.events)["write.completed"]
    assert completed["rows_written"] == 100
    assert isinstance(completed["elapsed_ms"], int)


def test_reader_events(local_target):
    write(local_target, rows(10), num_dbs=2)
    collector = sf.ListMetricsCollector()
    with sf.ConcurrentShardedReader(**local_target.reader_kwargs(), metrics_collector=collector) as reader:
        reader.get(1)
        reader.multi_get([1, 2, 3])
        reader.refresh()
    names = collector.event_names()
    assert names == [
        "reader.initialized",
        "reader.get",
        "reader.multi_get",
        "reader.refreshed",
        "reader.closed",
    ]
    events = collector.events
    assert events[1][1]["found"] is True
    assert events[2][1]["num_keys"] == 3
    assert events[3][1]["changed"] is False


class Exploding:
    def __init__(self) -> None:
        self.calls = 0

    def emit(self, event, payload):
        self.calls += 1
        raise RuntimeError("collector bug")


def test_collector_errors_never_fail_the_write(local_target, recwarn):
    collector = Exploding()
    result = write(local_target, rows(10), num_dbs=2, metrics_collector=collector)
    assert result.stats.rows_written == 10
    assert collector.calls >= 2
