#!/usr/bin/env bash
# Shard writing throughput beside `zstd -3` on the same bytes (`make bench`).
# Usage: ops/bench/shards.sh PSEUDOTRACK_BINARY SHARD_DIR [RUNS]
# The engine's figure includes what sealing a shard costs beyond compression (encoding
# the columns, SHA-1 of both forms, fsync and rename); zstd's is compression alone,
# single-threaded, from a file in the page cache to /dev/null.
set -euo pipefail
bin=$1 shards=$2 runs=${3:-5}
raw=$(mktemp /tmp/pseudotrack-shards-raw.XXXXXX)
trap 'rm -f "$raw"' EXIT
engine=$("$bin" bench shards "$shards" --runs "$runs" --dump "$raw" --json)
bytes=$(stat -c %s "$raw")
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  zstd -3 -q -T1 -c "$raw" >/dev/null
  times+=($(( $(date +%s%N) - start )))
done
python3 - "$engine" "$bytes" "${times[@]}" <<'PY'
import json, statistics, sys
engine = json.loads(sys.argv[1]); size = int(sys.argv[2]); ns = sorted(int(t) for t in sys.argv[3:])
zstd = size / 1e6 / (ns[len(ns) // 2] / 1e9)
ours = engine["megabytes_per_second"]
print(f"shards: {engine['samples']} samples, {size / 1e6:.1f} MB uncompressed, ratio {engine['raw_bytes'] / engine['zip_bytes']:.2f}")
print(f"  engine writer {ours:.0f} MB/s, zstd -3 {zstd:.0f} MB/s (median of {len(ns)}): {ours / zstd:.2f}x zstd's throughput")
PY
