#!/usr/bin/env bash
# Small corpora and a fast pipeline for the cluster test (slurm/test-array.sh) and the
# fault suite (faults.sh):
#   test-corpus.sh pipeline FILE.yaml [TEACHERS_YAML]
#       the default pipeline with 16-frame clips, 48 queries at 160 px, one clip per shard
#       (many seals, many manifest copies); TEACHERS_YAML replaces the teachers list
#   test-corpus.sh videos DIR FIRST LAST
#       videos vFIRST…vLAST.mp4 of 48 frames, 160x120: FFmpeg's moving test pattern under
#       seeded noise, so each has its own content
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case "$1" in
  pipeline)
    sed -e 's/^  length: 48 .*/  length: 16/' -e 's/^  min_length: 24 .*/  min_length: 12/' \
        -e 's/^  max_side: 512 .*/  max_side: 160/' -e 's/^  count: 2048 .*/  count: 48/' \
        -e 's/^  min_points: 32 .*/  min_points: 8/' \
        -e "s/^  min_tracks: 16 .*/  min_tracks: 2/" \
        -e 's/^  size_limit: 67108864 .*/  size_limit: 4096/' "$here/../Pipelines/default.yaml" > "$2"
    grep -q "size_limit: 4096" "$2" || { echo "test-corpus: could not derive the test pipeline" >&2; exit 1; }
    if [ -n "${3:-}" ]; then
      # Replace the block from "teachers:" to the next blank line.
      awk -v repl="$3" 'BEGIN { skip = 0 } /^teachers:/ { print repl; skip = 1; next } skip && /^$/ { skip = 0 } !skip' "$2" > "$2.tmp"
      mv "$2.tmp" "$2"
    fi
    ;;
  videos)
    mkdir -p "$2"
    for k in $(seq "$3" "$4"); do
      ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=s=160x120:r=16,noise=alls=3:allf=t:all_seed=$k" \
        -frames:v 48 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$2/v$k.mp4"
    done
    ;;
  *) echo "usage: $0 pipeline FILE.yaml [TEACHERS] | videos DIR FIRST LAST" >&2; exit 2 ;;
esac
