"""python -m pseudotrack_data {info,check,export} ..."""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from .export import (INVALID_POLICIES, TAPVID_CONVENTIONS, export_cotracker_kubric, export_mvtracker, export_tapvid,
                     export_tapvid3d)
from .mds import ShardFormatError, open_shards
from .schema import RIG_COLUMNS, check_dataset, media_mode

EXPORTS = {
    "cotracker-kubric": export_cotracker_kubric,
    "tapvid": export_tapvid,
    "tapvid3d": export_tapvid3d,
    "mvtracker": export_mvtracker,
}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pseudotrack_data",
                                     description="PseudoTrack's MDS training shards: inspect, check, export.")
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="samples, shards and columns of a shard directory")
    info.add_argument("shards")
    info.add_argument("--json", action="store_true")

    check = sub.add_parser("check", help="check a shard directory against the shard format (exit 1 on a problem)")
    check.add_argument("shards")
    check.add_argument("--decode-video", action="store_true", help="also decode every video_mp4 and count its frames")

    export = sub.add_parser("export", help="write the samples in another training layout")
    export.add_argument("--format", required=True, choices=list(EXPORTS),
                        help="tapvid3d and mvtracker: rig clips only (shard format §5.4); "
                             "they skip video clips")
    export.add_argument("--invalid", default="drop", choices=INVALID_POLICIES,
                        help="points with frames that have no label (valid = 0): drop them (default), "
                             "or keep them with those frames marked occluded")
    export.add_argument("--for", dest="convention", choices=sorted(TAPVID_CONVENTIONS), default=None,
                        help="tapvid (required): the reader, which fixes how points are scaled to [0, 1]: "
                             + "; ".join(f"{k}: {v}" for k, v in sorted(TAPVID_CONVENTIONS.items())))
    export.add_argument("--min-points", type=int, default=1,
                        help="a sequence left with fewer points is not written (tracks are dropped, not clips)")
    export.add_argument("--limit", type=int, default=None,
                        help="at most this many clips (tapvid3d, mvtracker: rig clips)")
    export.add_argument("--view", type=int, default=None,
                        help="tapvid3d: only this view of each rig clip (default: one file per view)")
    export.add_argument("--jpeg-quality", type=int, default=95, help="tapvid3d: JPEG quality of the frames")
    export.add_argument("shards")
    export.add_argument("out", help="a directory; for tapvid the pickle file to write")

    args = parser.parse_args(argv)
    try:
        if args.command == "info":
            ds = open_shards(args.shards, verify=False)
            # A directory may hold video-clip shards and rig-clip shards (shard format §5).
            rig_shards = [s for s in ds.shards if "tracks3d" in s.column_names]
            rig_samples = sum(s.samples for s in rig_shards)
            summary = {"samples": len(ds), "shards": len(ds.shards), "columns": ds.columns,
                       "media": media_mode(ds.columns),
                       "rig": bool(ds.shards) and len(rig_shards) == len(ds.shards),
                       "rig_samples": rig_samples, "rig_shards": len(rig_shards),
                       "bytes": sum(s.raw_data.bytes for s in ds.shards),
                       "compressed_bytes": sum(s.zip_data.bytes for s in ds.shards if s.zip_data)}
            if args.json:
                print(json.dumps(summary, indent=2))
            else:
                mixed = 0 < rig_samples < len(ds)
                kind = "rig " if summary["rig"] else ""
                split = (f" ({len(ds) - rig_samples} video clips, {rig_samples} rig clips in "
                         f"{len(rig_shards)} rig shards)" if mixed else "")
                print(f"{summary['samples']} {kind}samples in {summary['shards']} shards{split}, "
                      f"media {summary['media']}, "
                      f"{summary['bytes']} bytes ({summary['compressed_bytes']} compressed)")
                for name, enc in summary["columns"].items():
                    print(f"  {name}: {enc}{'  (rig shards)' if mixed and name in RIG_COLUMNS else ''}")
            return 0
        if args.command == "check":
            problems = check_dataset(args.shards, decode_video=args.decode_video)
            for p in problems:
                print(p)
            if problems:
                print(f"{len(problems)} problem(s)", file=sys.stderr)
                return 1
            print(f"{args.shards}: conforms")
            return 0
        ds = open_shards(args.shards)
        options = {"invalid": args.invalid, "limit": args.limit, "min_points": args.min_points}
        if args.format == "tapvid3d":
            options.update(view=args.view, jpeg_quality=args.jpeg_quality)
        elif args.view is not None:
            raise ValueError("--view applies to --format tapvid3d only")
        if args.format == "tapvid":
            if args.convention is None:
                raise ValueError("--format tapvid needs --for tapnet or --for cotracker: "
                                 "their readers scale points to pixels differently")
            options["convention"] = args.convention
        elif args.convention is not None:
            raise ValueError("--for applies to --format tapvid only")
        counts = EXPORTS[args.format](ds, args.out, **options)
        files = f", {counts['files']} files" if "files" in counts else ""
        skipped = f", {counts['skipped_videos']} video clips skipped" if counts.get("skipped_videos") else ""
        few = (f", {counts['skipped_clips']} sequences left with fewer than {args.min_points} points not written"
               if counts.get("skipped_clips") else "")
        loader = (f"; KubricMovifDataset: traj_per_sample at most {counts['loader_points']} "
                  f"(points visible in the first, middle or last frame)" if "loader_points" in counts else "")
        print(f"{args.format}: {counts['clips']} sequences{files}, {counts['points']} points "
              f"({counts['dropped_points']} dropped){skipped}{few}{loader} -> {args.out}")
        return 0
    except (ShardFormatError, ValueError, ImportError, OSError) as error:
        print(f"pseudotrack_data: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
