#!/usr/bin/env python3
"""The table of ops/bench/pipeline.sh: engine and peer side by side, from the rounds'
times, the engine's manifests, the peer's own timers and score_labels.py's counts.

Usage: pipeline_report.py RUN_DIR --sequences DIR --pipelines P... --binary BIN
                          [--load L] [--bench-seconds S] [--json OUT]

RUN_DIR is pipeline.sh's working directory: `times` (lines "NAME WALL_NS USER_S SYS_S",
one per command per round: engine-I-ingest, engine-I-run for pipeline I, peer, and
engine-0-w2-ingest/-run for the two-worker run), engine-I/manifest.sqlite of the last
round, peer.out (peer_pipeline.py's JSON of the last round), score-engine-I.json and
score-peer.json (score_labels.py --json).

Per row (the median over the rounds of each figure that is measured per round):
  correct visible labels per CPU-s  visible_ok / CPU seconds of the whole round (the
                                    engine's ingest + run; the peer's whole script)
  visible precision, occluded precision, recall_4, tracks per clip, foreground share
                                    score_labels.py's (see its header)
  CPU-s per clip                    the round's CPU seconds / the sequences
The ratio row divides engine by peer, column by column. By stage, CPU-s per clip of the
last round (so the lines add up to that round's CPU-s per clip, not to the median): the
engine's stages are the manifest's tasks.seconds summed per stage, which are wall
seconds, times the `run` command's CPU/wall (on a core shared with other work a pinned
worker's wall time includes the others' turns; on an idle core the factor is about 1),
then `ingest` (its own command's CPU) and what is left of `run` outside the stages
(start-up, claiming, sealing); the peer's are its own CPU timers (time.process_time),
then Python start-up and imports, the rest of its CPU. Two workers: the median over the rounds of the wall time of
`run --workers 2` (unpinned, both cores) over that of the pinned one-worker `run` of
the same round, ingest excluded (goal <= 0.55).
"""
import argparse
import json
import sqlite3
import statistics
from collections import defaultdict
from pathlib import Path

SCALING_GOAL = 0.55


def read_times(path):
    """{name: [(wall_s, cpu_s), ...]} in round order."""
    rounds = defaultdict(list)
    for line in open(path):
        name, ns, user, system = line.split()
        rounds[name].append((int(ns) / 1e9, float(user) + float(system)))
    return rounds


def stage_seconds(manifest):
    """{stage: seconds} summed over the tasks of the manifest, in pipeline order."""
    db = sqlite3.connect(f"file:{manifest}?mode=ro", uri=True)
    rows = db.execute("SELECT stage, SUM(seconds) FROM tasks WHERE seconds IS NOT NULL"
                      " GROUP BY stage ORDER BY MIN(stage_index)").fetchall()
    db.close()
    return dict(rows)


def row_label(pipeline):
    return "engine" if pipeline == "default" else f"engine {Path(pipeline).name}"


def engine_row(run_dir, times, index, pipeline):
    score = json.load(open(run_dir / f"score-engine-{index}.json"))
    ingest, run = times[f"engine-{index}-ingest"], times[f"engine-{index}-run"]
    cpu = [i[1] + r[1] for i, r in zip(ingest, run)]
    (run_wall, run_cpu), (_, ingest_cpu) = run[-1], ingest[-1]
    factor = run_cpu / run_wall
    stages = {k: v * factor for k, v in stage_seconds(run_dir / f"engine-{index}" / "manifest.sqlite").items()}
    stages["ingest"] = ingest_cpu
    stages["(run outside the stages)"] = run_cpu - sum(v for k, v in stages.items() if k != "ingest")
    return dict(label=row_label(pipeline), pipeline=pipeline, cpu_s_rounds=cpu, score=score, stages_cpu_s=stages,
                note=f"stages: tasks.seconds x run CPU/wall {factor:.2f}")


def peer_row(run_dir, times):
    score = json.load(open(run_dir / "score-peer.json"))
    own = json.load(open(run_dir / "peer.out"))
    cpu = [c for _, c in times["peer"]]
    stages = dict(own["stages"])
    stages["(Python start-up, imports)"] = cpu[-1] - sum(stages.values())
    return dict(label="peer", pipeline="ops/bench/peer_pipeline.py", cpu_s_rounds=cpu, score=score,
                stages_cpu_s=stages, note="its own CPU timers")


def figures(row):
    """The table's figures of one row (None where undefined)."""
    score, cpu = row["score"], statistics.median(row["cpu_s_rounds"])
    clips = score["sequences"]
    return dict(correct_per_cpu_s=score["visible_ok"] / cpu, visible_precision=score["visible_precision"],
                occluded_precision=score["occluded_precision"], recall_4=score["recall_4"],
                tracks_per_clip=score["tracks_per_clip"], foreground_share=score["foreground_share"],
                cpu_s_per_clip=cpu / clips)


COLUMNS = [  # key, heading, format, width
    ("correct_per_cpu_s", "correct vis/CPU-s", "{:.0f}", 18),
    ("visible_precision", "vis prec 2px", "{:.4f}", 13),
    ("occluded_precision", "occ prec", "{:.3f}", 10),
    ("recall_4", "recall_4", "{:.3f}", 9),
    ("tracks_per_clip", "tracks/clip", "{:.1f}", 12),
    ("foreground_share", "fg share", "{:.3f}", 9),
    ("cpu_s_per_clip", "CPU-s/clip", "{:.3f}", 11),
]


def cells(values, ratio=False):
    out = []
    for key, _, fmt, width in COLUMNS:
        v = values.get(key)
        text = "—" if v is None else (f"{v:.2f}×" if ratio else fmt.format(v))
        out.append(f"{text:>{width}}")
    return "".join(out)


def ratios(a, b):
    return {k: (a[k] / b[k] if a[k] is not None and b[k] else None) for k, *_ in COLUMNS}


def split(row):
    """{stage: CPU-s per clip} of the last round."""
    return {k: v / row["score"]["sequences"] for k, v in row["stages_cpu_s"].items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--sequences", type=Path, required=True)
    parser.add_argument("--pipelines", nargs="+", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--load", default="")
    parser.add_argument("--bench-seconds", type=float)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    times = read_times(args.run_dir / "times")
    described = json.load(open(args.sequences / "sequences.json"))
    engines = [engine_row(args.run_dir, times, i, p) for i, p in enumerate(args.pipelines)]
    peer = peer_row(args.run_dir, times)
    peer_figures = figures(peer)
    rounds = len(peer["cpu_s_rounds"])

    print(f"\nlabels per CPU-second, set {described['set']} ({len(described['clips'])} clips of {described['frames']}"
          f" frames at {described['size'][0]}x{described['size'][1]}, generator v{described['version']}, seed"
          f" {described['seed']}), one core (taskset -c 0), median of {rounds} round(s); load before {args.load}\n")
    side = max(len(r["label"]) for r in engines) + len(" / peer") + 2
    print(f"  {'':{side}}" + "".join(f"{heading:>{width}}" for _, heading, _, width in COLUMNS))
    for row in engines + [peer]:
        print(f"  {row['label']:{side}}" + cells(figures(row)))
    for row in engines:
        print(f"  {row['label'] + ' / peer':{side}}" + cells(ratios(figures(row), peer_figures), ratio=True))
    print("\n  labels (query frames not counted; claimed visible = visibility & valid, right = truly visible and"
          " within 2 px at 256x256):")
    for row in engines + [peer]:
        s = row["score"]
        print(f"    {row['label']:{side}}{s['visible_ok']:7} of {s['visible_claimed']:7} visible right,"
              f" {s['occluded_ok']:5} of {s['occluded_claimed']:5} occluded right, {s['clips_with_labels']} of"
              f" {s['sequences']} clips labelled, {s['foreground_query_share']:.2f} of tracks queried on foreground")

    for row in engines + [peer]:
        last = split(row)
        print(f"\n  {row['label']}, CPU-s per clip by stage (last round, {sum(last.values()):.3f}; {row['note']}):")
        for stage, seconds in last.items():
            print(f"    {stage:34}{seconds:8.3f}")

    scaling = None
    if "engine-0-w2-run" in times:
        one = [w for w, _ in times["engine-0-run"]]
        two = [w for w, _ in times["engine-0-w2-run"]]
        cpu_one = statistics.median(c for _, c in times["engine-0-run"])
        cpu_two = statistics.median(c for _, c in times["engine-0-w2-run"])
        scaling = dict(one_worker_s=one, two_workers_s=two, one_worker_cpu_s=cpu_one, two_workers_cpu_s=cpu_two,
                       ratio=statistics.median(t / o for o, t in zip(one, two)))
        print(f"\n  two workers on two cores ({row_label(args.pipelines[0])}): run wall"
              f" {statistics.median(two):.2f} s against one worker's {statistics.median(one):.2f} s:"
              f" {scaling['ratio']:.2f} (goal <= {SCALING_GOAL}); CPU-s {cpu_two:.1f} against {cpu_one:.1f}"
              f" (load after: {' '.join(open('/proc/loadavg').read().split()[:3])})")
        busy = float(args.load.split()[0]) if args.load else 0.0
        if busy > 0.5:
            print(f"  (the machine was not idle, load {busy:.2f} before the bench: two workers compete with"
                  " that work for the two cores, so this ratio overstates it; measure it on idle cores)")
    if args.bench_seconds is not None:
        print(f"\n  bench time {args.bench_seconds:.0f} s")

    if args.json:
        summary = dict(set=described["set"], sequences=str(args.sequences), generator_version=described["version"],
                       seed=described["seed"], rounds=rounds, binary=args.binary, load_before=args.load,
                       bench_seconds=args.bench_seconds, scaling=scaling,
                       rows=[dict(label=r["label"], pipeline=r["pipeline"], cpu_s_rounds=r["cpu_s_rounds"],
                                  figures=figures(r), stages_per_clip=split(r),
                                  score={k: v for k, v in r["score"].items() if k != "per_clip"},
                                  per_clip=r["score"]["per_clip"]) for r in engines + [peer]],
                       ratios={r["label"]: ratios(figures(r), peer_figures) for r in engines})
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"  wrote {args.json}")


if __name__ == "__main__":
    main()
