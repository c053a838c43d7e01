#!/usr/bin/env python3
"""Counts the right and wrong labels of a labelled set of layered sequences
(layered_sequences.py), for the engine's shards or the peer's npz files, against the
sequences' exact ground truth.

Usage: score_labels.py shards SHARD_DIR GT_DIR [--json]
       score_labels.py peer NPZ_DIR GT_DIR [--json]

Inputs
  shards  the engine's MDS shard directory, read with mosaicml-streaming's
          StreamingDataset (from a temporary copy of index.json and the .zstd files, as
          StreamingDataset decompresses beside them). A sample's labels are in stored
          pixels: they are mapped to the source video's pixels with meta.transform
          (source = (stored − offset) / scale) and its frames are source frames
          meta.clip.frame_indices; the sequence is the ground truth named like
          meta.video.uri (GT_DIR/NAME.gt.npz for NAME.mp4). A label is claimed visible
          where visibility and valid are 1, claimed occluded where valid is 1 and
          visibility 0; valid 0 claims nothing.
  peer    peer_pipeline.py --out files, NAME_CCC.npz (clip CCC of NAME.mp4, 48
          consecutive frames from 48·CCC) with queries [N, 3], tracks [T, N, 2] and
          visible [T, N] in the peer's stored pixels (cv2.resize geometry: source =
          (stored + 0.5)·W/Ws − 0.5; the identity for 512×384 sequences). The peer
          claims visible where visible is set and nothing elsewhere (a lost point is
          not an occlusion label).

Counted over every label of every clip, the query frame's own label excepted (it is the
query, right by construction); distances are measured at 256×256 (x scaled by 256/W, y by
256/H, W × H the sequence's size), the scale TAP-Vid reports at:
  visible_claimed, visible_ok   claimed visible; of those, truly visible and within 2 px
  visible_precision             visible_ok / visible_claimed
  occluded_claimed, occluded_ok claimed occluded; of those, truly not visible (hidden by
                                a layer in front, or outside the frame)
  occluded_precision            occluded_ok / occluded_claimed (null when none claimed)
  recall_4                      of the truly visible point-frames of the tracks output,
                                the share labelled visible within 4 px
  tracks_per_clip               tracks output per sequence of GT_DIR (a sequence without
                                a sample counts with 0)
  foreground_ok, foreground_share  visible_ok of tracks whose query lies on a moving
                                foreground object, and its share of visible_ok
  foreground_query_share        the share of tracks queried on a foreground object
Prints a summary, or with --json one JSON object with these and the same per clip.
"""
import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layered_ground_truth import LayeredGroundTruth  # noqa: E402

SCALE = 256.0
VISIBLE_PX = 2.0
RECALL_PX = 4.0
PEER_CLIP_LENGTH = 48


def shard_clips(shard_dir):
    """Yields (name, queries, tracks, visible, valid, frame_indices, to_source) per sample,
    labels in stored pixels; to_source maps stored xy [..., 2] to source pixels."""
    from streaming import StreamingDataset
    from streaming.base.util import clean_stale_shared_memory

    clean_stale_shared_memory()
    with tempfile.TemporaryDirectory(prefix="score-labels-") as copy:
        shutil.copy(Path(shard_dir) / "index.json", copy)
        for shard in Path(shard_dir).glob("shard.*.mds.zstd"):
            shutil.copy(shard, copy)
        dataset = StreamingDataset(local=copy, shuffle=False, batch_size=1)
        for i in range(len(dataset)):
            sample = dataset[i]
            meta = sample["meta"] if isinstance(sample["meta"], dict) else json.loads(sample["meta"])
            transform = meta["transform"]
            scale = np.array([transform["scale_x"], transform["scale_y"]], np.float64)
            offset = np.array([transform["offset_x"], transform["offset_y"]], np.float64)
            name = Path(meta["video"]["uri"]).name.rsplit(".", 1)[0]
            yield (name, sample["queries"], sample["tracks"], sample["visibility"].astype(bool),
                   sample["valid"].astype(bool), np.asarray(meta["clip"]["frame_indices"]),
                   lambda xy, scale=scale, offset=offset: (xy - offset) / scale)
        del dataset


def peer_clips(npz_dir, gt_dir):
    """Yields the same as shard_clips for the peer's NAME_CCC.npz files."""
    for path in sorted(Path(npz_dir).glob("*.npz")):
        match = re.fullmatch(r"(.+)_(\d+)", path.stem)
        if not match:
            continue
        name, clip = match.group(1), int(match.group(2))
        with np.load(path) as labels:
            queries, tracks, visible = labels["queries"], labels["tracks"], labels["visible"].astype(bool)
        width, height = (int(v) for v in np.load(Path(gt_dir) / f"{name}.gt.npz")["size"])
        stored = peer_stored_size(width, height)
        factor = np.array([width / stored[0], height / stored[1]])
        frames = PEER_CLIP_LENGTH * clip + np.arange(len(tracks))
        yield (name, queries, tracks, visible, visible.copy(), frames,
               lambda xy, factor=factor: (xy + 0.5) * factor - 0.5)


def peer_stored_size(width, height, max_side=512):
    """peer_pipeline.py's stored size (the engine's max_side rule)."""
    even = lambda v: max(2, int(np.floor(v / 2 + 0.5)) * 2)
    if max(width, height) <= max_side:
        return max(2, width & ~1), max(2, height & ~1)
    scale = max_side / max(width, height)
    return even(width * scale), even(height * scale)


def score_clip(gt, queries, tracks, visible, valid, frames, to_source):
    """The counts of one clip (see the header)."""
    queries = np.asarray(queries, np.float64)
    query_t = np.rint(queries[:, 0]).astype(np.int64)
    source_queries = np.concatenate([frames[query_t][:, None], to_source(queries[:, 1:])], 1)
    truth, truly_visible, _, foreground = gt.tracks(source_queries)
    truth, truly_visible = truth[frames], truly_visible[frames]               # clip frames
    labels = to_source(np.asarray(tracks, np.float64))
    distance = np.hypot((labels[..., 0] - truth[..., 0]) * SCALE / gt.width,
                        (labels[..., 1] - truth[..., 1]) * SCALE / gt.height)
    not_query = np.ones(visible.shape, bool)
    not_query[query_t, np.arange(len(queries))] = False
    claimed_visible = visible & valid & not_query
    claimed_occluded = ~visible & valid & not_query
    visible_ok = claimed_visible & truly_visible & (distance <= VISIBLE_PX)
    recall_pairs = truly_visible & not_query
    recalled = recall_pairs & claimed_visible & (distance <= RECALL_PX)
    return dict(tracks=len(queries), foreground_tracks=int(foreground.sum()),
                visible_claimed=int(claimed_visible.sum()), visible_ok=int(visible_ok.sum()),
                occluded_claimed=int(claimed_occluded.sum()),
                occluded_ok=int((claimed_occluded & ~truly_visible).sum()),
                recall_pairs=int(recall_pairs.sum()), recalled=int(recalled.sum()),
                foreground_ok=int(visible_ok[:, foreground].sum()))


def ratio(a, b):
    return a / b if b else None


def score(clips, gt_dir):
    """Totals and per-clip counts over the clips; sequences without a clip count as empty."""
    sequences = sorted(p.name[:-len(".gt.npz")] for p in Path(gt_dir).glob("*.gt.npz"))
    if not sequences:
        raise SystemExit(f"score_labels.py: no *.gt.npz in {gt_dir}")
    ground_truths, per_clip = {}, {}
    for name, queries, tracks, visible, valid, frames, to_source in clips:
        if name not in ground_truths:
            ground_truths[name] = LayeredGroundTruth.load(Path(gt_dir) / f"{name}.gt.npz")
        key = f"{name}@{frames[0]}"
        per_clip[key] = score_clip(ground_truths[name], queries, tracks, visible, valid, frames, to_source)
    totals = {k: sum(c[k] for c in per_clip.values()) for k in
              ("tracks", "foreground_tracks", "visible_claimed", "visible_ok", "occluded_claimed", "occluded_ok",
               "recall_pairs", "recalled", "foreground_ok")}
    return dict(sequences=len(sequences), clips_with_labels=len(per_clip), **totals,
                visible_precision=ratio(totals["visible_ok"], totals["visible_claimed"]),
                occluded_precision=ratio(totals["occluded_ok"], totals["occluded_claimed"]),
                recall_4=ratio(totals["recalled"], totals["recall_pairs"]),
                tracks_per_clip=totals["tracks"] / len(sequences),
                foreground_share=ratio(totals["foreground_ok"], totals["visible_ok"]),
                foreground_query_share=ratio(totals["foreground_tracks"], totals["tracks"]),
                per_clip=per_clip)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["shards", "peer"])
    parser.add_argument("labels", type=Path, help="shard directory, or the peer's npz directory")
    parser.add_argument("gt", type=Path, help="directory of NAME.gt.npz")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    clips = shard_clips(args.labels) if args.kind == "shards" else peer_clips(args.labels, args.gt)
    result = score(clips, args.gt)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    fmt = lambda v: "n/a" if v is None else f"{v:.4f}"
    print(f"{args.kind} {args.labels}: {result['clips_with_labels']} of {result['sequences']} clips labelled, "
          f"{result['tracks_per_clip']:.1f} tracks per clip ({fmt(result['foreground_query_share'])} on foreground)")
    print(f"  visible  {result['visible_ok']} of {result['visible_claimed']} right (within {VISIBLE_PX:g} px):"
          f" precision {fmt(result['visible_precision'])}")
    print(f"  occluded {result['occluded_ok']} of {result['occluded_claimed']} right:"
          f" precision {fmt(result['occluded_precision'])}")
    print(f"  recall_4 {fmt(result['recall_4'])}; foreground_ok {result['foreground_ok']}"
          f" ({fmt(result['foreground_share'])} of visible_ok)")


if __name__ == "__main__":
    main()
