#!/usr/bin/env bash
# Decoding benchmark (what `make bench` runs): PseudoTrack's decoder against
# the ffmpeg command line, single-threaded and with automatic threads.
#
# Usage: ops/bench/decode.sh [VIDEO...]
#
# Videos: the arguments; else every .mp4 in ../shared/data/videos (relative to
# the repository root) if that folder exists; else every .mp4 in samples/
# (ops/fetch-samples.sh samples puts some there).
#
# For each video and each thread setting (1, then auto):
#   pseudotrack: `pseudotrack bench decode VIDEO --threads T --runs $RUNS --json`
#                (frames/s = the median of its own timed runs; the file is
#                opened before its clock starts);
#   ffmpeg:      `ffmpeg -hide_banner -nostats -benchmark [-threads 1] -i VIDEO -f null -`
#                run $RUNS times; seconds = its `rtime=` (also measured after the
#                input is opened); frames/s = pseudotrack's frame count / the
#                median seconds.
# Note the two do not do the same work: pseudotrack converts every frame to grey
# Float, ffmpeg's null muxer takes the decoded frames as they are.
#
# Prints a table and the geometric mean of pseudotrack/ffmpeg per thread
# setting, and writes bench-results/decode.json.
#
# Environment: RUNS (default 5), PSEUDOTRACK (default .build/release/pseudotrack),
# FFMPEG (default ffmpeg), OUT (default bench-results/decode.json).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-5}
PSEUDOTRACK=${PSEUDOTRACK:-$REPO/.build/release/pseudotrack}
FFMPEG=${FFMPEG:-ffmpeg}
OUT=${OUT:-$REPO/bench-results/decode.json}

case "$RUNS" in ''|*[!0-9]*|0) echo "decode.sh: RUNS must be a positive integer" >&2; exit 2;; esac
if [ ! -x "$PSEUDOTRACK" ]; then
  echo "decode.sh: $PSEUDOTRACK not found; build it first: swift build -c release" >&2
  exit 1
fi
command -v "$FFMPEG" >/dev/null 2>&1 || { echo "decode.sh: $FFMPEG not found (ops/install-deps.sh installs it)" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "decode.sh: python3 not found" >&2; exit 1; }

videos=()
if [ $# -gt 0 ]; then
  videos=("$@")
else
  shopt -s nullglob
  shared=$(cd "$REPO/.." && pwd)/shared/data/videos
  if [ -d "$shared" ]; then
    videos=("$shared"/*.mp4)
  else
    videos=("$REPO/samples"/*.mp4)
  fi
  shopt -u nullglob
  if [ ${#videos[@]} -eq 0 ]; then
    echo "decode.sh: no videos given and none found; run ops/fetch-samples.sh samples" >&2
    exit 1
  fi
fi
for v in "${videos[@]}"; do
  [ -f "$v" ] || { echo "decode.sh: no such video: $v" >&2; exit 1; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
RECORDS=$TMP/records.tsv
: >"$RECORDS"

# ffmpeg_run VIDEO THREADS -> prints "SECONDS FRAMES" (rtime and the decoded frame count)
ffmpeg_run() {
  local video=$1 threads=$2 log=$TMP/ffmpeg.log
  local args=(-hide_banner -nostats -benchmark)
  [ "$threads" = 0 ] || args+=(-threads "$threads")
  if ! "$FFMPEG" "${args[@]}" -i "$video" -f null - >"$log" 2>&1; then
    echo "decode.sh: ffmpeg failed on $video:" >&2
    tail -n 5 "$log" >&2
    return 1
  fi
  python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
rtime = re.findall(r"rtime=([0-9.]+)s", text)
frames = re.findall(r"frame=\s*([0-9]+)", text)
if not rtime:
    sys.exit("decode.sh: no rtime= in ffmpeg's -benchmark output")
print(rtime[-1], frames[-1] if frames else -1)
PY
}

total=$(( ${#videos[@]} * 2 ))
n=0
for v in "${videos[@]}"; do
  for t in 1 0; do
    n=$((n + 1))
    label=$([ "$t" = 0 ] && echo auto || echo "$t")
    echo "[$n/$total] $(basename "$v"), threads $label" >&2
    pt_json=$TMP/pt_$n.json
    if ! "$PSEUDOTRACK" bench decode "$v" --threads "$t" --runs "$RUNS" --json >"$pt_json" 2>"$TMP/pt.err"; then
      echo "decode.sh: pseudotrack bench decode failed on $v:" >&2
      tail -n 5 "$TMP/pt.err" >&2
      exit 1
    fi
    secs=()
    ff_frames=-1
    for _ in $(seq "$RUNS"); do
      read -r s ff_frames < <(ffmpeg_run "$v" "$t")
      [ -n "$s" ] || exit 1
      secs+=("$s")
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$v" "$label" "$pt_json" "$ff_frames" "${secs[*]}" >>"$RECORDS"
  done
done

mkdir -p "$(dirname "$OUT")"
python3 "$HERE/decode_report.py" "$RECORDS" "$OUT" "$RUNS" "$PSEUDOTRACK" "$FFMPEG"
