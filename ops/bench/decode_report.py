#!/usr/bin/env python3
"""Table and JSON for ops/bench/decode.sh (stdlib only).

Usage: decode_report.py RECORDS.tsv OUT.json RUNS PSEUDOTRACK FFMPEG

RECORDS.tsv has one line per (video, thread setting):
video, threads label, path of pseudotrack's --json output, frames ffmpeg
decoded (-1 if unknown), ffmpeg's rtime seconds of each run (space separated).
"""
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()[0].strip() if out else None
    except (OSError, subprocess.SubprocessError):
        return None


def main():
    records_path, out_path, runs, pseudotrack, ffmpeg = sys.argv[1:6]
    results = []
    warnings = []
    with open(records_path) as f:
        for line in f:
            video, threads, pt_path, ff_frames, secs = line.rstrip("\n").split("\t")
            with open(pt_path) as pf:
                pt = json.load(pf)
            seconds = [float(s) for s in secs.split()]
            frames = int(pt["frames"])
            ff_seconds = statistics.median(seconds)
            ff_fps = frames / ff_seconds if ff_seconds > 0 else float("inf")
            pt_fps = float(pt["frames_per_second"])
            if int(ff_frames) >= 0 and int(ff_frames) != frames:
                warnings.append(f"{os.path.basename(video)}: ffmpeg decoded {ff_frames} frames, "
                                f"pseudotrack reports {frames}")
            results.append({
                "video": video,
                "name": os.path.basename(video),
                "threads": threads,
                "codec": pt.get("codec"),
                "width": pt.get("width"),
                "height": pt.get("height"),
                "frames": frames,
                "pseudotrack_fps": pt_fps,
                "pseudotrack_runs_fps": pt.get("all_runs"),
                "pseudotrack_peak_rss_mb": pt.get("peak_rss_mb"),
                "ffmpeg_fps": ff_fps,
                "ffmpeg_frames": int(ff_frames),
                "ffmpeg_median_seconds": ff_seconds,
                "ffmpeg_runs_seconds": seconds,
                "ratio": pt_fps / ff_fps if ff_fps > 0 else None,
            })

    geomean = {}
    for threads in dict.fromkeys(r["threads"] for r in results):
        ratios = [r["ratio"] for r in results if r["threads"] == threads and r["ratio"]]
        if ratios:
            geomean[threads] = math.exp(sum(math.log(x) for x in ratios) / len(ratios))

    name_w = max([len("video")] + [len(r["name"]) for r in results])
    header = f"{'video':<{name_w}}  {'threads':>7}  {'pseudotrack fps':>15}  {'ffmpeg fps':>10}  {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['name']:<{name_w}}  {r['threads']:>7}  {r['pseudotrack_fps']:>15.1f}  "
              f"{r['ffmpeg_fps']:>10.1f}  {r['ratio']:>6.3f}")
    print("-" * len(header))
    for threads, g in geomean.items():
        print(f"geometric mean ratio (pseudotrack/ffmpeg), threads {threads}: {g:.3f}")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)

    doc = {
        "benchmark": "decode",
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "runs": int(runs),
        "method": {
            "pseudotrack": "pseudotrack bench decode VIDEO --threads T --runs RUNS --json; "
                           "median frames/s of its runs; decodes to grey Float",
            "ffmpeg": "ffmpeg -hide_banner -nostats -benchmark [-threads 1] -i VIDEO -f null -, "
                      "RUNS times; frames / median rtime",
            "ratio": "pseudotrack_fps / ffmpeg_fps",
            "threads": "1 = single decoder thread; auto = --threads 0 / no -threads",
        },
        "host": {
            "machine": platform.machine(),
            "system": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "pseudotrack_version": version([pseudotrack, "--version"]),
        "ffmpeg_version": version([ffmpeg, "-hide_banner", "-version"]) or version([ffmpeg, "-version"]),
        "results": results,
        "geomean_ratio": geomean,
        "warnings": warnings,
    }
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
