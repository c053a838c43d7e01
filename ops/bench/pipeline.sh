#!/usr/bin/env bash
# Correct labels per CPU-second: PseudoTrack against the Python + OpenCV pipeline a user
# would write today (ops/bench/peer_pipeline.py, CoTracker3's pseudo-labelling recipe),
# on the same layered sequences with exact ground truth, each on one core.
#
# Usage: ops/bench/pipeline.sh PSEUDOTRACK_BIN
#
# The sequences: layered_sequences.py's SET (val by default: report on val, tune on dev),
# 6 clips of 48 frames at 512x384, generated once and cached in
# bench-results/sequences/SET-vVERSION-seedSEED (a new generator version or seed makes a
# new directory).
#
# Each of RUNS rounds runs, one after the other, pinned to core 0 (`taskset -c 0`):
#   engine  per pipeline of PIPELINES: `ingest SEQUENCES --manifest M [--pipeline P]` then
#           `run --manifest M --out DIR --workers 1 --progress none`, in a fresh manifest
#           and output directory (decode-check, points, teacher, full-tracker, quality,
#           shards: labels checked and written as training shards with the clips' H.264);
#   peer    peer_pipeline.py SEQUENCES --out DIR (decode, SIFT queries, Lucas-Kanade
#           forward and backward with a forward-backward check; one npz per clip);
# and then, for the first pipeline, the same `run` with `--workers 2` and no pinning, to
# compare its wall time with the pinned one-worker run's (SCALING=0 leaves it out).
# All rounds run one copy of the binary (with its resource folders), taken at the start.
# CPU seconds are user + system of the whole commands (bash's `time`; start-up, ingest,
# the peer's imports included); medians over the rounds. The last round's labels are
# scored with score_labels.py against the exact ground truth (the labels are the same in
# every round: the engine and the peer draw from fixed seeds), and pipeline_report.py
# prints the table (rows engine / peer / ratio: correct visible labels per CPU-s, visible
# precision within 2 px at 256, occluded precision, recall_4, tracks per clip, the share of
# correct labels on moving foreground objects, CPU-s per clip), CPU-s per clip by stage
# (the engine's from the manifest's tasks.seconds, the peer's from its own timers), the
# two-worker wall-time ratio (goal <= 0.55), and writes a JSON summary to
# RESULTS/pipeline-SET.json.
#
# Environment:
#   SET        dev | val (default val)
#   RUNS       rounds (default 3); about 50 s per round on this machine's 2 cores
#   PIPELINES  pipeline files, one engine row each; the word `default` (the default) is
#              the built-in default pipeline (no --pipeline); PIPELINE=FILE is one file
#   SCALING    1 (default) to measure two workers against one, 0 not to
#   PYTHON     a Python with numpy, cv2, skimage and streaming (default .venv-bench/bin/
#              python, created and filled when missing)
#   RESULTS    directory of the cached sequences and the summary (default bench-results)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SET=${SET:-val}
RUNS=${RUNS:-3}
PIPELINES=${PIPELINES:-${PIPELINE:-default}}
SCALING=${SCALING:-1}
RESULTS=${RESULTS:-$REPO/bench-results}

die() { echo "pipeline.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: ops/bench/pipeline.sh PSEUDOTRACK_BIN"
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a positive integer";; esac
case "$SET" in dev|val) ;; *) die "SET must be dev or val";; esac
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$BIN" ] || die "$1 is not an executable; build it with: swift build -c release"
command -v taskset >/dev/null || die "taskset (util-linux) is needed to pin the runs to one core"
read -r -a pipelines <<<"$PIPELINES"
for p in "${pipelines[@]}"; do
  [ "$p" = default ] || [ -f "$p" ] || die "no such pipeline file: $p"
done

# The bench's Python: $PYTHON as given, or the bench venv, made and filled when missing.
bench_python() {
  local modules="import cv2, numpy, skimage, streaming"
  if [ -n "${PYTHON:-}" ]; then
    "$PYTHON" -c "$modules" 2>/dev/null || die "PYTHON=$PYTHON cannot $modules"
    echo "$PYTHON"
    return
  fi
  local venv=$REPO/.venv-bench
  test -x "$venv/bin/python" || python3 -m venv "$venv" >&2 || die "cannot create $venv"
  "$venv/bin/python" -c "$modules" 2>/dev/null ||
    "$venv/bin/pip" install -q numpy opencv-python-headless scikit-image mosaicml-streaming >&2 ||
    die "cannot install the bench's packages into $venv"
  echo "$venv/bin/python"
}

# timed NAME COMMAND... : runs it, its output in $TMP/NAME.out and .err, and appends
# "NAME WALL_NANOSECONDS USER_SECONDS SYSTEM_SECONDS" to $TMP/times; on failure shows
# the end of its output.
timed() {
  local name=$1 start end cpu
  shift
  start=$(date +%s%N)
  if ! cpu=$( { TIMEFORMAT='%3U %3S'; time "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"; } 2>&1 ); then
    tail -n 20 "$TMP/$name.out" "$TMP/$name.err" >&2
    die "$name failed: $*"
  fi
  end=$(date +%s%N)
  echo "$name $((end - start)) $cpu" >>"$TMP/times"
}

pipeline_option() { [ "$1" = default ] || printf -- '--pipeline\n%s\n' "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

# engine_round INDEX PIPELINE [WORKERS]: a fresh manifest and output directory in
# $TMP/engine-INDEX (or engine-INDEX-wWORKERS); one worker pinned to core 0, more unpinned.
engine_round() {
  local index=$1 pipeline=$2 workers=${3:-1} dir name pin=(taskset -c 0) option
  mapfile -t option < <(pipeline_option "$pipeline")
  name=engine-$index
  [ "$workers" = 1 ] || { name=$name-w$workers; pin=(); }
  dir=$TMP/$name
  rm -rf "$dir" && mkdir -p "$dir"
  timed "$name-ingest" "${pin[@]}" "$BIN" ingest "${videos[@]}" --manifest "$dir/manifest.sqlite" "${option[@]}"
  timed "$name-run" "${pin[@]}" "$BIN" run --manifest "$dir/manifest.sqlite" --out "$dir/out" \
    --workers "$workers" --progress none
}

peer_round() {
  rm -rf "$TMP/peer-labels"
  timed peer taskset -c 0 "$PY" "$HERE/peer_pipeline.py" "${videos[@]}" --out "$TMP/peer-labels"
}

PY=$(bench_python)
key=$("$PY" "$HERE/layered_sequences.py" --set "$SET" --cache-key)
SEQUENCES=$RESULTS/sequences/$key
if [ ! -f "$SEQUENCES/sequences.json" ]; then
  echo "generating the $SET sequences into $SEQUENCES" >&2
  "$PY" "$HERE/layered_sequences.py" --set "$SET" --out "$SEQUENCES"
fi
mapfile -t videos < <(find "$SEQUENCES" -maxdepth 1 -name '*.mp4' | sort)
[ ${#videos[@]} -gt 0 ] || die "no sequences in $SEQUENCES"

TMP=$(mktemp -d /tmp/pseudotrack-pipeline-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# Every round runs one build: a copy of the binary with the resource folders it reads
# beside it, so that a rebuild during the bench does not mix two builds.
mkdir "$TMP/bin"
cp "$BIN" "$TMP/bin/"
cp -R "$(dirname "$BIN")"/*.resources "$TMP/bin/" 2>/dev/null || true
SOURCE_BIN=$BIN
BIN=$TMP/bin/$(basename "$BIN")
"$BIN" --help >/dev/null 2>&1 || die "the copy of $SOURCE_BIN does not run (was it being relinked?)"
load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)

for round in $(seq "$RUNS"); do
  for index in "${!pipelines[@]}"; do
    echo "[$round/$RUNS] engine ${pipelines[$index]}" >&2
    engine_round "$index" "${pipelines[$index]}"
  done
  echo "[$round/$RUNS] peer" >&2
  peer_round
  if [ "$SCALING" = 1 ]; then
    echo "[$round/$RUNS] engine ${pipelines[0]}, two workers" >&2
    engine_round 0 "${pipelines[0]}" 2
  fi
done
echo "scoring" >&2
for index in "${!pipelines[@]}"; do
  "$PY" "$HERE/score_labels.py" shards "$TMP/engine-$index/out" "$SEQUENCES" --json >"$TMP/score-engine-$index.json"
done
"$PY" "$HERE/score_labels.py" peer "$TMP/peer-labels" "$SEQUENCES" --json >"$TMP/score-peer.json"

mkdir -p "$RESULTS"
"$PY" "$HERE/pipeline_report.py" "$TMP" --sequences "$SEQUENCES" --pipelines "${pipelines[@]}" \
  --binary "$SOURCE_BIN" --load "$load" --bench-seconds $(( $(date +%s) - start )) \
  --json "$RESULTS/pipeline-$SET.json"
