#!/usr/bin/env bash
# Whole-pipeline speed: PseudoTrack against the Python + OpenCV pipeline a user would
# write today (ops/bench/peer_pipeline.py, CoTracker3's pseudo-labelling recipe), on the
# same videos, each on one core.
#
# Usage: ops/bench/pipeline.sh PSEUDOTRACK_BIN VIDEO_OR_DIR...
#   (a directory is searched recursively for the video extensions the engine ingests)
#
# Each of RUNS rounds runs, one after the other:
#   engine  `ingest VIDEOS --manifest M` then `run --manifest M --out DIR --workers 1
#           --progress none` with the default pipeline, in a fresh temporary manifest and
#           output directory; it decodes, selects points, tracks them with a teacher and
#           writes training shards (each clip as H.264 plus its labels);
#   peer    peer_pipeline.py on the same videos: decode, SIFT queries, Lucas-Kanade
#           tracks; it writes nothing.
# Seconds are wall time of the whole commands (`date +%s%N`: start-up, ingest and the
# peer's imports included), CPU seconds (user + system) from bash's `time`; medians over
# the rounds. The engine's split is the sum of tasks.seconds per stage in the manifest of
# the last round (decoding is counted in the first stage), with each stage's share of
# their sum, and the teacher stage's seconds per teacher drawn; what is left of the wall
# time is ingest, shard sealing and start-up. The peer's split is its own per-stage
# seconds. The ratio engine/peer compares seconds per clip.
#
# Prints a table and writes a JSON summary to bench-results/pipeline.json.
#
# Environment: RUNS (default 3); PYTHON, a Python with cv2 and numpy (default
# .venv-bench/bin/python, created as `make bench` does when missing); OUT (default
# bench-results/pipeline.json).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-3}
OUT=${OUT:-$REPO/bench-results/pipeline.json}
VIDEO_EXTENSIONS=(mp4 m4v mov mkv webm avi mpg mpeg ts mts m2ts flv wmv ogv 3gp y4m mxf vob gif)

die() { echo "pipeline.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: ops/bench/pipeline.sh PSEUDOTRACK_BIN VIDEO_OR_DIR..."
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a positive integer";; esac
BIN=$1
[ -x "$BIN" ] || die "$BIN is not an executable; build it with: swift build -c release"
shift

# The Python of the peer: $PYTHON as given, or the bench venv, made when missing.
python_with_cv2() {
  if [ -n "${PYTHON:-}" ]; then
    "$PYTHON" -c "import cv2, numpy" 2>/dev/null || die "PYTHON=$PYTHON cannot import cv2 and numpy"
    echo "$PYTHON"
    return
  fi
  local venv=$REPO/.venv-bench
  test -x "$venv/bin/python" || python3 -m venv "$venv" >&2 || die "cannot create $venv"
  "$venv/bin/python" -c "import cv2, numpy" 2>/dev/null ||
    "$venv/bin/pip" install -q numpy opencv-python-headless >&2 || die "cannot install OpenCV into $venv"
  echo "$venv/bin/python"
}

# The videos of the arguments, directories expanded, into the array `videos`.
collect_videos() {
  local arg found names=()
  for ext in "${VIDEO_EXTENSIONS[@]}"; do names+=(-o -iname "*.$ext"); done
  videos=()
  for arg in "$@"; do
    if [ -d "$arg" ]; then
      mapfile -d '' -t found < <(find "$arg" -type f \( "${names[@]:1}" \) -print0 | sort -z)
      [ ${#found[@]} -gt 0 ] || die "no videos in $arg"
      videos+=("${found[@]}")
    elif [ -f "$arg" ]; then
      videos+=("$arg")
    else
      die "no such video or directory: $arg"
    fi
  done
}

# timed NAME COMMAND... : runs it, its output in $TMP/NAME.out and $TMP/NAME.err, and
# appends "WALL_NANOSECONDS USER_SECONDS SYSTEM_SECONDS" to $TMP/NAME.times; on failure
# shows the end of its output.
timed() {
  local name=$1 start end cpu
  shift
  start=$(date +%s%N)
  if ! cpu=$( { TIMEFORMAT='%3U %3S'; time "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"; } 2>&1 ); then
    tail -n 20 "$TMP/$name.out" "$TMP/$name.err" >&2
    die "$name failed: $*"
  fi
  end=$(date +%s%N)
  echo "$((end - start)) $cpu" >>"$TMP/$name.times"
}

engine_round() {
  local dir=$TMP/engine
  rm -rf "$dir" && mkdir -p "$dir"
  timed engine engine_commands "$dir"
}

engine_commands() {
  "$BIN" ingest "${videos[@]}" --manifest "$1/manifest.sqlite" &&
    "$BIN" run --manifest "$1/manifest.sqlite" --out "$1/out" --workers 1 --progress none
}

peer_round() {
  timed peer "$PY" "$HERE/peer_pipeline.py" "${videos[@]}"
}

collect_videos "$@"
PY=$(python_with_cv2)
TMP=$(mktemp -d /tmp/pseudotrack-pipeline-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
bin_sha=$(sha256sum "$BIN" | cut -d' ' -f1)
load=$(cut -d' ' -f1-3 /proc/loadavg)

for round in $(seq "$RUNS"); do
  echo "[$round/$RUNS] engine" >&2
  engine_round
  echo "[$round/$RUNS] peer" >&2
  peer_round
done
[ "$(sha256sum "$BIN" | cut -d' ' -f1)" = "$bin_sha" ] ||
  echo "pipeline.sh: warning: $BIN changed during the benchmark; the rounds mix two builds" >&2

mkdir -p "$(dirname "$OUT")"
"$PY" - "$TMP" "$OUT" "$BIN" "$PY" "$load" "$(nproc)" "${videos[@]}" <<'PY'
import json, sqlite3, statistics, sys


def rounds(path):
    """[(wall, cpu)] seconds of each round."""
    rows = [line.split() for line in open(path)]
    return [(int(ns) / 1e9, float(user) + float(system)) for ns, user, system in rows]


def engine_manifest(path):
    """Clip counts, seconds per stage and per teacher from the engine's manifest."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    one = lambda sql: db.execute(sql).fetchone()[0]
    stages = db.execute("SELECT stage, SUM(seconds) FROM tasks WHERE seconds IS NOT NULL"
                        " GROUP BY stage ORDER BY MIN(stage_index)").fetchall()
    teachers = db.execute("SELECT json_extract(a.metadata, '$.teacher'), COUNT(*), SUM(t.seconds)"
                          " FROM tasks t JOIN artifacts a ON a.clip_id = t.clip_id AND a.stage = t.stage"
                          " WHERE t.stage = 'teacher' AND t.seconds IS NOT NULL AND a.metadata IS NOT NULL"
                          " GROUP BY 1 ORDER BY 3 DESC").fetchall()
    return dict(
        clips=one("SELECT COUNT(*) FROM clips"),
        frames=one("SELECT COALESCE(SUM(frame_count), 0) FROM clips"),
        done=one("SELECT COUNT(*) FROM clips c WHERE NOT EXISTS"
                 " (SELECT 1 FROM tasks t WHERE t.clip_id = c.id AND t.state != 'done')"),
        skipped=one("SELECT COUNT(DISTINCT clip_id) FROM tasks WHERE state = 'skipped'"),
        failed=one("SELECT COUNT(DISTINCT clip_id) FROM tasks WHERE state = 'failed'"),
        stages=dict(stages),
        teachers={name: dict(clips=n, seconds=s) for name, n, s in teachers})


def summary(times, clips, frames, stages, **extra):
    """Medians over the rounds, seconds per clip, and the last round's stage split."""
    wall = statistics.median(w for w, _ in times)
    cpu = statistics.median(c for _, c in times)
    total = sum(stages.values())
    return dict(runs_s=[w for w, _ in times], median_s=wall, cpu_s=cpu, cpu_per_wall=cpu / wall,
                clips=clips, frames=frames, s_per_clip=wall / max(1, clips),
                stages={k: dict(seconds=v, share=v / total if total else 0, s_per_clip=v / max(1, clips))
                        for k, v in stages.items()},
                outside_stages_s=times[-1][0] - total, **extra)


def print_table(engine, peer, ratio, videos, load, cores):
    print(f"\nwhole pipeline, {len(videos)} video(s), 48-frame clips at max side 512, one worker each,"
          f" median of {len(engine['runs_s'])} round(s) (load before: {load} on {cores} cores)\n")
    print(f"  {'':22}{'clips':>6}{'frames':>8}{'median s':>10}{'s/clip':>8}{'CPU/wall':>10}   rounds (s)")
    for label, r in (("engine (pseudotrack)", engine), ("peer (Python+OpenCV)", peer)):
        runs = " ".join(f"{w:.2f}" for w in r["runs_s"])
        print(f"  {label:22}{r['clips']:>6}{r['frames']:>8}{r['median_s']:>10.2f}{r['s_per_clip']:>8.3f}"
              f"{r['cpu_per_wall']:>10.2f}   {runs}")
    print(f"\n  engine / peer, seconds per clip: {ratio:.2f}"
          f"  ({1 / ratio:.2f}x the peer's speed, per core: both run one worker on one thread)")
    print("  the engine also hashes the videos, writes a manifest and training shards with each clip"
          " as H.264; the peer writes nothing")
    if engine["clips"] != peer["clips"]:
        print(f"  warning: the two cut different clip counts ({engine['clips']} against {peer['clips']})")
    if engine["skipped"] or engine["failed"]:
        print(f"  note: the engine skipped {engine['skipped']} and failed {engine['failed']} clip(s),"
              " which leave the later stages out")


def print_split(title, r, outside):
    print(f"\n{title}\n  {'':14}{'seconds':>10}{'share':>8}{'per clip cut':>14}")
    for name, s in r["stages"].items():
        print(f"  {name:14}{s['seconds']:10.2f}{100 * s['share']:7.1f}%{s['s_per_clip']:14.3f}")
    print(f"  {'(outside)':14}{r['outside_stages_s']:10.2f}   {outside}")


tmp, out, binary, python, load, cores, *videos = sys.argv[1:]
manifest = engine_manifest(f"{tmp}/engine/manifest.sqlite")
engine = summary(rounds(f"{tmp}/engine.times"), manifest["clips"], manifest["frames"], manifest["stages"],
                 done=manifest["done"], skipped=manifest["skipped"], failed=manifest["failed"],
                 teachers=manifest["teachers"], binary=binary)
peer_run = json.load(open(f"{tmp}/peer.out"))
peer = summary(rounds(f"{tmp}/peer.times"), peer_run["clips"], peer_run["frames"], peer_run["stages"],
               points=peer_run["points"], visible_fraction=peer_run["visible_fraction"], python=python)
ratio = engine["s_per_clip"] / peer["s_per_clip"]
json.dump(dict(videos=videos, runs=len(engine["runs_s"]), cores=int(cores), load_before=load,
               engine=engine, peer=peer, engine_over_peer=ratio), open(out, "w"), indent=2)

print_table(engine, peer, ratio, videos, load, cores)
print_split("engine split, last round (sum of tasks.seconds per stage; decoding is in the first stage):",
            engine, "ingest, shard sealing, start-up: the round's wall time less the stages")
for name, t in engine["teachers"].items():
    print(f"    teacher {name:14}{t['clips']:3} clip(s) {t['seconds'] / t['clips']:7.3f} s/clip")
print_split("peer split, last round:", peer, "start-up and imports: the round's wall time less the stages")
print(f"\nwrote {out}")
PY
