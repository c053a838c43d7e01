#!/usr/bin/env bash
# Creates or refreshes the Python test environment: a venv at DIR with
# ops/requirements-test.txt and Shards/python (pseudotrack-data, editable) installed.
# Idempotent and quiet: when DIR was made from the same requirements, package metadata
# and Python, and still imports what it should, pip is not run at all.
# Usage: ops/python-test-env.sh DIR          then: DIR/bin/pytest -q Shards/python/tests
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR=$1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQ="$ROOT/ops/requirements-test.txt"
PKG="$ROOT/Shards/python"
PYTHON=${PYTHON:-python3}
STAMP="$DIR/.pseudotrack-test-env"
LOG="$DIR/.pseudotrack-test-env.log"

# What the environment was made from: the requirements, the package's metadata and
# location (editable installs point at it), and the base interpreter.
want=$( { cat "$REQ" "$PKG/pyproject.toml"; echo "$PKG"; "$PYTHON" -c 'import sys; print(sys.version)'; } \
        | sha256sum | cut -d' ' -f1)

healthy() {
  [ -x "$DIR/bin/python" ] && "$DIR/bin/python" - <<'PY' >/dev/null 2>&1
import numpy, zstandard, av, cv2, pytest, selenium, pseudotrack_data
PY
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && healthy; then
  echo "python-test-env: $DIR up to date"
  exit 0
fi

if ! { [ -x "$DIR/bin/python" ] && "$DIR/bin/python" -c 'import sys' >/dev/null 2>&1; }; then
  # Missing or broken (its base Python is gone): make it anew.
  rm -rf "$DIR"
  if ! "$PYTHON" -m venv "$DIR" >/dev/null 2>&1; then
    echo "python-test-env: '$PYTHON -m venv $DIR' failed (on Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
fi

rm -f "$STAMP"
start=$(date +%s)
if ! "$DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      -r "$REQ" -e "$PKG" >"$LOG" 2>&1; then
  echo "python-test-env: pip install failed; the end of $LOG:" >&2
  tail -n 30 "$LOG" >&2
  exit 1
fi
if ! healthy; then
  echo "python-test-env: installed, but the imports still fail:" >&2
  "$DIR/bin/python" -c 'import numpy, zstandard, av, cv2, pytest, selenium, pseudotrack_data' >&2 || true
  exit 1
fi
echo "$want" >"$STAMP"
echo "python-test-env: $DIR ready ($(( $(date +%s) - start )) s)"
