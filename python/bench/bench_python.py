#!/usr/bin/env python3
"""Python-level benchmarks of the shardyfusion package, each against a baseline measured in
the same run (DESIGN.md §6: ratios, not absolute numbers).

1. write_hash_sharded rows/s from a list of dicts vs a plain Python loop inserting the same
   rows into one SQLite file with the stdlib sqlite3 module (same pragmas as our shards).
2. ShardedReader.get from Python vs sqlite3's cached prepared ``SELECT v FROM kv WHERE k=?``
   on the same shard file (the reader's local copy), for keys of that shard.
3. multi_get of 1000 keys: keys/s for ShardedReader and ConcurrentShardedReader.

Usage: python3 python/bench/bench_python.py [--rows 1000000] [--lookups 200000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
from pathlib import Path

import shardyfusion as sf
from shardyfusion.writer.python import write_hash_sharded


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_write(rows: list[dict], root: Path, num_dbs: int, parallel: bool) -> tuple[float, sf.BuildResult]:
    cfg = sf.HashShardedWriteConfig(
        s3_prefix=str(root / ("snap-par" if parallel else "snap")),
        num_dbs=num_dbs,
        output=sf.WriterOutputConfig(local_root=str(root / "build")),
    )
    rec = sf.PythonRecordInput(key_fn=lambda r: r["id"], value_fn=lambda r: r["value"])
    opts = sf.PythonWriteOptions(parallel=parallel)
    return timed(lambda: write_hash_sharded(rows, cfg, rec, opts))


def bench_sqlite_insert(rows: list[dict], path: Path) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
    pack = struct.Struct(">Q").pack

    def run() -> None:
        conn.execute("BEGIN")
        for r in rows:
            conn.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (pack(r["id"]), r["value"]))
        conn.execute("COMMIT")

    elapsed, _ = timed(run)
    conn.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to build (default 1M)")
    parser.add_argument("--lookups", type=int, default=200_000, help="point lookups per side (default 200k)")
    parser.add_argument("--num-dbs", type=int, default=16)
    parser.add_argument("--value-bytes", type=int, default=100)
    parser.add_argument("--dir", default=None, help="work directory (default: a temp dir)")
    args = parser.parse_args()

    work = Path(args.dir or tempfile.mkdtemp(prefix="shardy-pybench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, work)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> int:
    pad = b"x" * max(0, args.value_bytes - 8)
    rows = [{"id": i, "value": struct.pack(">Q", i) + pad} for i in range(args.rows)]
    print(f"rows={args.rows:,} num_dbs={args.num_dbs} value={args.value_bytes}B work={work}")

    # 1. Build throughput.
    t_ours, result = bench_write(rows, work, args.num_dbs, parallel=False)
    t_par, _ = bench_write(rows, work, args.num_dbs, parallel=True)
    t_sqlite = bench_sqlite_insert(rows, work / "baseline.db")
    n = args.rows
    print("\n[write] rows/s")
    print(f"  write_hash_sharded (1 writer thread) : {n / t_ours:12,.0f}  ({t_ours:.2f}s)")
    print(f"  write_hash_sharded (parallel=True)   : {n / t_par:12,.0f}  ({t_par:.2f}s)")
    print(f"  sqlite3 plain loop, one file         : {n / t_sqlite:12,.0f}  ({t_sqlite:.2f}s)")
    print(f"  ratio ours/sqlite3 = {t_sqlite / t_ours:.2f}x throughput (parallel: {t_sqlite / t_par:.2f}x)")
    assert result.stats.rows_written == n

    # 2. Point lookups on one warm shard.
    reader = sf.ShardedReader(str(work / "snap"), str(work / "cache"), sqlite_mode="download")
    shard = 0
    keys = [r["id"] for r in rows if sf.routing.hash_db_id(r["id"], args.num_dbs) == shard]
    rng = random.Random(42)
    sample = [rng.choice(keys) for _ in range(args.lookups)]
    shard_files = sorted((work / "cache").rglob("*.db"))
    shard_file = next((p for p in shard_files if _holds(p, struct.pack(">Q", keys[0]))), None)
    if shard_file is None:
        print("cannot find the cached shard file", file=sys.stderr)
        return 1
    conn = sqlite3.connect(f"file:{shard_file}?mode=ro", uri=True)
    # The same pragmas the C++ download reader uses, so only the call path differs.
    conn.execute("PRAGMA mmap_size = 268435456")
    conn.execute("PRAGMA cache_size = -8000")
    cur = conn.cursor()
    encoded = [struct.pack(">Q", k) for k in sample]
    sql = "SELECT v FROM kv WHERE k=?"

    def py_sqlite() -> int:
        hits = 0
        for kb in encoded:
            hits += cur.execute(sql, (kb,)).fetchone() is not None
        return hits

    def ours() -> int:
        get = reader.get
        hits = 0
        for k in sample:
            hits += get(k) is not None
        return hits

    for _ in range(2):  # warm both caches
        py_sqlite(), ours()
    t_py, hits_py = timed(py_sqlite)
    t_get, hits_get = timed(ours)
    assert hits_py == hits_get == len(sample)
    m = len(sample)
    print(f"\n[get] one warm shard ({shard_file.name}), {m:,} lookups")
    print(f"  ShardedReader.get(int)                : {t_get / m * 1e6:7.2f} us/op")
    print(f"  sqlite3 prepared SELECT (bytes key)   : {t_py / m * 1e6:7.2f} us/op")
    print(f"  ratio get/sqlite3 = {t_get / t_py:.2f}x time")

    # 3. multi_get(1000).
    batches = [[rng.randrange(args.rows) for _ in range(1000)] for _ in range(max(20, args.lookups // 5000))]
    print(f"\n[multi_get] {len(batches)} batches of 1000 random keys over {args.num_dbs} shards")
    for label, r in (
        ("ShardedReader", reader),
        (
            "ConcurrentShardedReader(max_workers=2)",
            sf.ConcurrentShardedReader(str(work / "snap"), str(work / "cache"), max_workers=2),
        ),
    ):
        r.multi_get(batches[0])
        t, _ = timed(lambda r=r: [r.multi_get(b) for b in batches])
        print(f"  {label:40s}: {len(batches) * 1000 / t:12,.0f} keys/s")
        r.close()
    py_keys = [struct.pack(">Q", k) for b in batches for k in b]
    shard_conns = {}
    for p in shard_files:
        shard_conns[p] = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        shard_conns[p].execute("PRAGMA mmap_size = 268435456")
    # Baseline: the same keys looked up one by one against their shard with sqlite3
    # (routing done in Python with the same hash), i.e. what a Python-only reader does.
    by_db = {}
    for c in shard_conns.values():
        row = c.execute("SELECT k FROM kv LIMIT 1").fetchone()
        by_db[sf.routing.hash_db_id(struct.unpack(">Q", row[0])[0], args.num_dbs)] = c.cursor()
    flat = [k for b in batches for k in b]

    def py_multi() -> None:
        for k, kb in zip(flat, py_keys, strict=True):
            by_db[sf.routing.hash_db_id(k, args.num_dbs)].execute(sql, (kb,)).fetchone()

    t, _ = timed(py_multi)
    print(f"  {'sqlite3 loop + Python routing':40s}: {len(flat) / t:12,.0f} keys/s")
    return 0


def _holds(path: Path, key: bytes) -> bool:
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return c.execute("SELECT 1 FROM kv WHERE k=?", (key,)).fetchone() is not None
    finally:
        c.close()


if __name__ == "__main__":
    sys.exit(main())
