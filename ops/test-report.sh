#!/usr/bin/env bash
# The report in a real browser (`make test`): writes the report of the manifest that
# ops/test-shards.sh labelled (synthetic videos and an RGB-D rig: the demo's inputs
# without the downloaded samples) and opens it in headless Chromium through chromedriver
# and selenium (ops/browser/test_report.py): no console errors, every plot drawn, every
# gallery video and poster loaded, screenshots saved to REPORT_DIR/screenshot-*.png; and
# a pixel check of an overlay rendered from a shard sample (`pseudotrack render`).
# Usage: ops/test-report.sh PSEUDOTRACK_BINARY TEST_SHARDS_DIR REPORT_DIR PYTEST
set -euo pipefail
bin=$1 shards=$2 report=$3 pytest=$4
rm -rf "$report"
"$bin" report --manifest "$shards/manifest.sqlite" --out "$shards/out" --to "$report" --gallery 8
PSEUDOTRACK_BIN=$bin PSEUDOTRACK_SHARDS=$shards/out PSEUDOTRACK_REPORT=$report \
  "$pytest" -q "$(dirname "${BASH_SOURCE[0]}")/browser/test_report.py"
echo "screenshots: $report/screenshot-index.png $report/screenshot-clip.png"
