#!/usr/bin/env bash
# The report's build time (make bench): `pseudotrack report` on the demo's manifest (with
# its gallery of overlays) and on a synthetic manifest of 100,000 clips cloned from it
# (ops/bench/report_manifest.py; tables and plots only, --gallery 0, since the gallery's
# cost does not grow with the manifest), each RUNS times, medians, against
# `pseudotrack status` on the same manifest (which also reads every clip's quality
# metadata) as the reference.
# Usage: ops/bench/report.sh PSEUDOTRACK_BINARY [DEMO_DIR]     (RUNS=3, CLIPS=100000)
set -euo pipefail
bin=$1 demo=${2:-demo}
runs=${RUNS:-3} clips=${CLIPS:-100000}
work=bench-results/report
mkdir -p "$work"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }  # milliseconds
measure() {  # label manifest report-arguments...
  local label=$1 manifest=$2; shift 2
  local r s
  r=$(for _ in $(seq "$runs"); do rm -rf "$work/site"; seconds "$bin" report --manifest "$manifest" --to "$work/site" "$@"; done | median)
  s=$(for _ in $(seq "$runs"); do seconds "$bin" status --manifest "$manifest"; done | median)
  python3 -c "import sys; l, r, s = sys.argv[1], float(sys.argv[2]) / 1e3, float(sys.argv[3]) / 1e3; print(f'{l:<40} report {r:7.2f} s   status {s:6.2f} s   ratio {r / s:5.1f}x')" "$label" "$r" "$s"
}
test -f "$work/manifest-$clips.sqlite" || python3 "$(dirname "$0")/report_manifest.py" "$demo/manifest.sqlite" "$work/manifest-$clips.sqlite" "$clips"
echo "report build time, median of $runs (reference: pseudotrack status on the same manifest)"
measure "demo ($(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM clips').fetchone()[0])" "$demo/manifest.sqlite") clips, gallery of up to 24)" "$demo/manifest.sqlite" --out "$demo/out"
measure "synthetic $clips clips, no gallery" "$work/manifest-$clips.sqlite" --gallery 0
