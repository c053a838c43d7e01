#!/usr/bin/env bash
# Writes shards with the engine for the shard reader's tests (`make test`): the synthetic
# sample videos and a synthetic RGB-D rig labelled by the default pipeline into DIR/out
# (video and rig shards side by side), then `pseudotrack verify`.
# Usage: ops/test-shards.sh PSEUDOTRACK_BINARY DIR
set -euo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
"$bin" synthesize "$dir/videos" --kind all >/dev/null
"$bin" ingest "$dir/videos" --manifest "$dir/manifest.sqlite" >/dev/null
"$bin" run --manifest "$dir/manifest.sqlite" --out "$dir/out" --workers 2 --progress none 2>/dev/null
"$bin" verify --manifest "$dir/manifest.sqlite" --out "$dir/out"
