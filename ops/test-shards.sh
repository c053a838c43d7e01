#!/usr/bin/env bash
# Writes shards with the engine for the shard reader's tests (`make test`): the synthetic
# sample videos labelled by the default pipeline into DIR/out, then `pseudotrack verify`.
# Usage: ops/test-shards.sh PSEUDOTRACK_BINARY DIR
set -euo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
"$bin" synthesize "$dir/videos" >/dev/null
"$bin" ingest "$dir/videos" --manifest "$dir/manifest.sqlite" >/dev/null
"$bin" run --manifest "$dir/manifest.sqlite" --out "$dir/out" --workers 2 --progress none 2>/dev/null
"$bin" verify --manifest "$dir/manifest.sqlite" --out "$dir/out"
