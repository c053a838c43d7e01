#!/usr/bin/env bash
# 3D labels of calibrated RGB-D rigs against exact ground truth, and their cost: renders
# ../shared/bench's rigs (rig.py: 3 rigs, 4 cameras with depth, 24 frames, 384x288) when
# RIGS does not hold them yet, labels them with the default pipeline on one worker, scores
# the shards with score_rig.py (MTE, within 2/5 cm, recall within 5 cm, per-view 2D
# accuracy and visibility precision) and prints the seconds per rig clip by stage.
#
# Usage: ops/bench/rigs.sh PSEUDOTRACK_BIN
# Environment: BENCH (default ../shared/bench), PYTHON (a Python with numpy, cv2,
# scikit-image and mosaicml-streaming; default .venv-bench/bin/python), RIGS (default
# bench-results/rigs/input), OUT (default bench-results/rigs).
set -euo pipefail
bin=$1
bench=${BENCH:-../shared/bench}
python=${PYTHON:-.venv-bench/bin/python}
out=${OUT:-bench-results/rigs}
rigs=${RIGS:-$out/input}
if [ ! -f "$bench/rig.py" ]; then echo "rigs.sh: no $bench/rig.py; skipped"; exit 0; fi
"$python" -c "import cv2, skimage, streaming" 2>/dev/null || "$python" -m pip install -q numpy opencv-python-headless scikit-image mosaicml-streaming
mkdir -p "$out"
[ -f "$rigs/rig_00/rig.json" ] || "$python" "$bench/rig.py" --out "$rigs" >/dev/null
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
"$bin" ingest "$rigs" --manifest "$run/m.sqlite" >/dev/null
start=$(date +%s%N)
"$bin" run --manifest "$run/m.sqlite" --out "$run/out" --workers 1 --progress none >/dev/null 2>&1
end=$(date +%s%N)
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
PY
"$python" "$bench/score_rig.py" "$run/out" "$rigs" | tee "$out/score.txt"
