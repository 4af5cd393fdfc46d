"""Metrics: the event names the C++ core emits and the collector protocol."""

from __future__ import annotations

import threading
from enum import Enum
from typing import Any, Protocol, runtime_checkable

__all__ = ["ListMetricsCollector", "MetricEvent", "MetricsCollector"]


class MetricEvent(str, Enum):
    """Names of metric events (``MetricEvent.WRITE_STARTED == "write.started"``)."""

    WRITE_STARTED = "write.started"
    WRITE_SHARDING_COMPLETED = "write.sharding_completed"
    WRITE_SHARD_STARTED = "write.shard.started"
    WRITE_SHARD_COMPLETED = "write.shard.completed"
    WRITE_SHARDS_COMPLETED = "write.shards_completed"
    WRITE_MANIFEST_PUBLISHED = "write.manifest_published"
    WRITE_CURRENT_PUBLISHED = "write.current_published"
    WRITE_COMPLETED = "write.completed"
    WRITE_BATCH_WRITTEN = "write.batch_written"
    WRITE_SHARD_RETRIED = "write.shard.retried"
    WRITE_SHARD_RETRY_EXHAUSTED = "write.shard.retry_exhausted"
    READER_INITIALIZED = "reader.initialized"
    READER_GET = "reader.get"
    READER_MULTI_GET = "reader.multi_get"
    READER_REFRESHED = "reader.refreshed"
    READER_CLOSED = "reader.closed"
    S3_RETRY = "s3.retry"
    S3_RETRY_EXHAUSTED = "s3.retry_exhausted"
    RATE_LIMITER_THROTTLED = "rate_limiter.throttled"
    RATE_LIMITER_DENIED = "rate_limiter.denied"

    def __str__(self) -> str:
        return str(self.value)


@runtime_checkable
class MetricsCollector(Protocol):
    """Receives metric events.

    ``emit`` is called from writer and reader threads (the C++ core takes the GIL for each
    call), so implementations must be thread-safe and quick.  Exceptions raised by
    ``emit`` are reported through ``sys.unraisablehook`` and never fail the operation.
    ``event`` is a plain ``str`` equal to a :class:`MetricEvent` value; unknown events
    should be ignored.
    """

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        """Handle one event (thread-safe, quick, never raising)."""
        ...


class ListMetricsCollector:
    """Keeps every event in memory (tests, debugging). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[tuple[str, dict[str, Any]]] = []

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        """Record one event."""
        with self._lock:
            self.events.append((str(event), dict(payload)))

    def event_names(self) -> list[str]:
        """Event names in arrival order."""
        with self._lock:
            return [name for name, _ in self.events]

    def clear(self) -> None:
        """Forget every recorded event."""
        with self._lock:
            self.events.clear()
