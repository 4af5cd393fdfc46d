"""AsyncShardedReader: awaitable lookups that run off the event loop."""

from __future__ import annotations

import asyncio

from _util import rows, write

from shardyfusion import AsyncShardedReader, ReaderStateError


def test_gather_200_lookups(target):
    data = dict(rows(50))
    write(target, list(data.items()), num_dbs=4)

    async def main() -> None:
        reader = await AsyncShardedReader.open(**target.reader_kwargs(), max_concurrency=16)
        async with reader:
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0)

            tick_task = asyncio.create_task(ticker())
            keys = [i % 60 for i in range(200)]  # 50 hits, 10 misses, repeated
            values = await asyncio.gather(*(reader.get(k) for k in keys))
            tick_task.cancel()
            assert values == [data.get(k) for k in keys]
            assert ticks > 0  # the loop kept running while lookups were in flight

            assert await reader.multi_get([3, 99, 1]) == {3: data[3], 99: None, 1: data[1]}
            assert reader.snapshot_info().row_count == 50
            assert reader.route_key(3) == reader.shard_for_key(3).db_id

            handle = reader.reader_for_key(3)
            async with handle:
                assert await handle.get(reader._reader.encode_key(3)) == data[3]

            write(target, [(k, b"x" + v) for k, v in data.items()], num_dbs=2)
            assert await reader.refresh() is True
            assert await reader.get(3) == b"x" + data[3]
        try:
            await reader.get(3)
        except ReaderStateError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a closed reader must raise ReaderStateError")

    asyncio.run(main())
