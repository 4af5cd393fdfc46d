#!/usr/bin/env bash
# The main job on the embedded default: a local directory as the object store and SQLite
# shards.  Builds a sample snapshot of 100,000 records with `shardy build`, then reads it
# back with `shardy get`, `multiget`, `info` and `health`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
SHARDY=build/shardy
OUT=${DEMO_DIR:-demo-snapshot}
rm -rf "$OUT" && mkdir -p "$OUT"

python3 - "$OUT/records.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(100_000):
        f.write(json.dumps({"id": i, "name": f"user-{i}", "score": i % 97}) + "\n")
PY

echo "== build: 100,000 records into 8 shards under $OUT/store"
$SHARDY --output-format text build --input "$OUT/records.jsonl" --format jsonl --key-field id \
  --num-dbs 8 --prefix "$OUT/store"
echo "== get 42"
$SHARDY --current-url "$OUT/store/_CURRENT" --output-format json --value-encoding utf8 get 42
echo "== multiget 1 2 999999 (the last one is missing)"
$SHARDY --current-url "$OUT/store/_CURRENT" --output-format jsonl --value-encoding utf8 multiget 1 2 999999
echo "== info"
$SHARDY --current-url "$OUT/store/_CURRENT" --output-format json info
echo "== health"
$SHARDY --current-url "$OUT/store/_CURRENT" --output-format json health
