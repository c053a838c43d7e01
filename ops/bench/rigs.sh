#!/usr/bin/env bash
# 3D labels of calibrated rigs against exact ground truth, in three cases side by side:
# `depth` (every camera with depth), `none` (depth removed from every camera in rig.json)
# and `mixed` (depth kept on even-numbered cameras only). Renders ../shared/bench's rigs
# (rig.py: 3 rigs, 4 cameras, 24 frames, 384x288) when RIGS does not hold them yet,
# derives the two other cases from them (hard links, rig.json rewritten), labels each
# case with the default pipeline on one worker, scores the shards with score_rig.py (MTE,
# within 2/5 cm, recall within 5 cm, per-view 2D accuracy and visibility precision, per
# rig; a rig that yields no sample is listed as such: without depth the engine writes
# fewer tracks or none rather than wrong ones) and prints the seconds per rig clip by
# stage, and how the kept 3D labels were made (status: depth, triangulated from K views).
# Each case's manifest and shards stay in OUT/run-CASE for a closer look.
#
# Usage: ops/bench/rigs.sh PSEUDOTRACK_BIN
# Environment: BENCH (default ../shared/bench), PYTHON (a Python with numpy, cv2,
# scikit-image and mosaicml-streaming; default .venv-bench/bin/python), RIGS (default
# bench-results/rigs/input), OUT (default bench-results/rigs), SEED (rig.py's seed, when
# it renders), CASES (default "depth none mixed"), PIPELINE (a pipeline YAML for ingest;
# default: the engine's default pipeline).
set -euo pipefail
bin=$(realpath "$1")
bench=${BENCH:-../shared/bench}
python=${PYTHON:-.venv-bench/bin/python}
out=${OUT:-bench-results/rigs}
rigs=${RIGS:-$out/input}
cases=${CASES:-depth none mixed}
if [ ! -f "$bench/rig.py" ]; then echo "rigs.sh: no $bench/rig.py; skipped"; exit 0; fi
"$python" -c "import cv2, skimage, streaming" 2>/dev/null || "$python" -m pip install -q numpy opencv-python-headless scikit-image mosaicml-streaming
mkdir -p "$out"
[ -f "$rigs/rig_00/rig.json" ] || "$python" "$bench/rig.py" --out "$rigs" ${SEED:+--seed "$SEED"} >/dev/null
for case in $cases; do
  dir=$out/case-$case
  if [ "$case" = depth ]; then dir=$rigs; else
    rm -rf "$dir"; mkdir -p "$dir"
    for r in "$rigs"/rig_*; do
      name=$(basename "$r"); cp -al "$r" "$dir/$name"; rm "$dir/$name/rig.json"
      "$python" - "$r/rig.json" "$dir/$name/rig.json" "$case" <<'PY'
import json, sys
rig = json.load(open(sys.argv[1]))
for v, camera in enumerate(rig["cameras"]):
    if sys.argv[3] == "none" or v % 2 == 1:
        camera.pop("depth", None)
json.dump(rig, open(sys.argv[2], "w"), indent=1)
PY
    done
  fi
  run=$out/run-$case
  rm -rf "$run"; mkdir -p "$run"
  "$bin" ingest "$dir" --manifest "$run/m.sqlite" ${PIPELINE:+--pipeline "$PIPELINE"} >/dev/null
  start=$(date +%s%N)
  "$bin" run --manifest "$run/m.sqlite" --out "$run/out" --workers 1 --progress none >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo "== case $case"
  "$python" - "$run/m.sqlite" $(( (end - start) / 1000000 )) <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
clips = db.execute("SELECT COUNT(*) FROM tasks WHERE stage = 'shards' AND state = 'done'").fetchone()[0]
print(f"rigs: {clips} clips labelled in {int(sys.argv[2]) / 1000:.1f} s on one worker")
total = 0.0
for stage, seconds in db.execute("SELECT stage, AVG(seconds) FROM tasks GROUP BY stage ORDER BY MIN(stage_index)"):
    total += seconds or 0
    print(f"  {stage:<13} {seconds or 0:6.2f} s per clip")
print(f"  {'all stages':<13} {total:6.2f} s per clip")
for (error,) in db.execute("SELECT error FROM tasks WHERE stage = 'quality' AND state = 'skipped'"):
    print(f"  no sample: {error}")
PY
  "$bin" status --manifest "$run/m.sqlite" | grep "3D made by" || true
  if [ -f "$run/out/index.json" ] && "$python" "$bench/score_rig.py" "$run/out" "$dir" > "$out/score-$case.txt" 2>/dev/null; then
    cat "$out/score-$case.txt"
  else
    echo "no rig yielded a sample" | tee "$out/score-$case.txt"
  fi
done
