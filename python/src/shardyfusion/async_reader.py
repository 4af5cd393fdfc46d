"""asyncio reader (features R-30..R-33).

``await AsyncShardedReader.open(...)`` builds a thread-safe C++ reader on an executor
thread; every lookup then runs on the reader's executor threads, where the C++ core
releases the GIL, so the event loop never blocks on I/O or SQLite.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from .errors import ConfigValidationError, ReaderStateError
from .manifest import KeyValue, RequiredShardMeta
from .reader import ConcurrentShardedReader, ReaderHealth, ShardDetail, SnapshotInfo
from .sharding_types import KeyEncoding

__all__ = ["AsyncShardReaderHandle", "AsyncShardedReader"]

R = TypeVar("R")


class AsyncShardReaderHandle:
    """Async view of a borrowed shard handle (raw storage-key lookups)."""

    __slots__ = ("_handle", "_run")

    def __init__(self, handle: Any, run: Callable[..., Any]) -> None:
        self._handle = handle
        self._run = run

    @property
    def db_id(self) -> int:
        """The shard id."""
        return self._handle.db_id

    async def get(self, key: bytes) -> bytes | None:
        """Value for raw storage key bytes, or None."""
        return await self._run(self._handle.get, key)

    async def multi_get(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Values for raw storage keys, in order."""
        return await self._run(self._handle.multi_get, list(keys))

    async def scan_iter(
        self, start: bytes | None = None, end: bytes | None = None, chunk_size: int = 1024
    ) -> AsyncIterator[tuple[bytes, bytes]]:
        """(key, value) pairs of [start, end) in key order, one chunk per executor call.

        SlateDB shards only; SQLite shards raise DbAdapterError.
        """
        rows = self._handle.scan_iter(start, end, chunk_size)
        while True:
            # islice stops at chunk_size rows without pulling another: one fetch per call.
            chunk = await self._run(lambda: list(itertools.islice(rows, chunk_size)))
            for row in chunk:
                yield row
            if len(chunk) < chunk_size:
                return

    def close(self) -> None:
        """Release the borrow (idempotent)."""
        self._handle.close()

    async def __aenter__(self) -> AsyncShardReaderHandle:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class AsyncShardedReader:
    """Sharded reader for asyncio code.

    Build it with ``await AsyncShardedReader.open(s3_prefix, ...)`` (same keywords as
    :class:`~shardyfusion.reader.ConcurrentShardedReader`, plus ``max_concurrency`` and
    ``executor``).  Lookups and refresh are awaitable; metadata methods are synchronous.
    """

    __slots__ = ("_reader", "_executor", "_own_executor", "_semaphore", "_refresh_lock", "_closed")

    def __init__(
        self,
        reader: ConcurrentShardedReader,
        executor: Executor,
        own_executor: bool,
        max_concurrency: int | None,
    ) -> None:
        """Private: use :meth:`open`."""
        self._reader = reader
        self._executor = executor
        self._own_executor = own_executor
        self._semaphore = asyncio.Semaphore(max_concurrency) if max_concurrency else None
        self._refresh_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(
        cls,
        s3_prefix: str = "",
        local_root: str | None = None,
        *,
        max_concurrency: int | None = None,
        executor: Executor | None = None,
        **kwargs: Any,
    ) -> AsyncShardedReader:
        """Open the current snapshot without blocking the event loop.

        Args:
            max_concurrency: bound on lookups in flight (default: unbounded; the executor
                still limits how many run at once).
            executor: where lookups run (default: a private pool of
                ``max(4, max_concurrency or 8)`` threads, shut down by :meth:`close`).
            **kwargs: passed to :class:`ConcurrentShardedReader`.
        """
        if max_concurrency is not None and (not isinstance(max_concurrency, int) or max_concurrency < 1):
            raise ConfigValidationError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
        own = executor is None
        if executor is None:
            executor = ThreadPoolExecutor(
                max_workers=max(4, min(max_concurrency or 8, 32)), thread_name_prefix="shardyfusion-async"
            )
        loop = asyncio.get_running_loop()
        try:
            reader = await loop.run_in_executor(
                executor, functools.partial(ConcurrentShardedReader, s3_prefix, local_root, **kwargs)
            )
        except BaseException:
            if own:
                executor.shutdown(wait=False)
            raise
        return cls(reader, executor, own, max_concurrency)

    async def _run(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        if self._closed:
            raise ReaderStateError("reader is closed")
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs) if kwargs else functools.partial(fn, *args)
        if self._semaphore is None:
            return await loop.run_in_executor(self._executor, call)
        async with self._semaphore:
            return await loop.run_in_executor(self._executor, call)

    async def get(self, key: KeyValue, *, routing_context: dict[str, Any] | None = None) -> bytes | None:
        """Value bytes for ``key``, or None when absent."""
        if routing_context is None:
            return await self._run(self._reader.get, key)
        return await self._run(self._reader.get, key, routing_context=routing_context)

    async def multi_get(
        self, keys: Iterable[KeyValue], *, routing_context: dict[str, Any] | None = None
    ) -> dict[KeyValue, bytes | None]:
        """``{key: value or None}`` in input order (one crossing into C++)."""
        return await self._run(self._reader.multi_get, list(keys), routing_context=routing_context)

    async def refresh(self) -> bool:
        """Load the snapshot ``_CURRENT`` names now; True when it changed."""
        async with self._refresh_lock:
            return await self._run(self._reader.refresh)

    async def close(self) -> None:
        """Close the reader (idempotent) and the private executor."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._reader.close)
        if self._own_executor:
            self._executor.shutdown(wait=False)

    async def __aenter__(self) -> AsyncShardedReader:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # Metadata: synchronous, no I/O.
    @property
    def key_encoding(self) -> KeyEncoding:
        """The snapshot's key encoding."""
        return self._reader.key_encoding

    def snapshot_info(self) -> SnapshotInfo:
        """Metadata of the served snapshot."""
        return self._reader.snapshot_info()

    def shard_details(self) -> list[ShardDetail]:
        """Every shard of the served snapshot."""
        return self._reader.shard_details()

    def health(self, staleness_threshold: float | timedelta | None = None) -> ReaderHealth:
        """Diagnostics (see :meth:`ConcurrentShardedReader.health`)."""
        return self._reader.health(staleness_threshold)

    def route_key(self, key: KeyValue, *, routing_context: dict[str, Any] | None = None) -> int:
        """Shard id of ``key``."""
        return self._reader.route_key(key, routing_context=routing_context)

    def shard_for_key(
        self, key: KeyValue, *, routing_context: dict[str, Any] | None = None
    ) -> RequiredShardMeta:
        """Metadata of the shard ``key`` routes to."""
        return self._reader.shard_for_key(key, routing_context=routing_context)

    def shards_for_keys(self, keys: Iterable[KeyValue]) -> dict[KeyValue, RequiredShardMeta]:
        """``{key: shard metadata}`` for each distinct key."""
        return self._reader.shards_for_keys(keys)

    def reader_for_key(
        self, key: KeyValue, *, routing_context: dict[str, Any] | None = None
    ) -> AsyncShardReaderHandle:
        """A borrowed async handle for the shard ``key`` routes to (close it when done)."""
        return AsyncShardReaderHandle(
            self._reader.reader_for_key(key, routing_context=routing_context), self._run
        )

    def readers_for_keys(self, keys: Sequence[KeyValue]) -> dict[KeyValue, AsyncShardReaderHandle]:
        """``{key: borrowed async handle}`` for each distinct key."""
        return {key: self.reader_for_key(key) for key in dict.fromkeys(keys)}
