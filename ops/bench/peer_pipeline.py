#!/usr/bin/env python3
"""The whole-pipeline peer of ops/bench/pipeline.sh: CoTracker3's pseudo-labelling recipe
as a user would write it today in Python + OpenCV, on one thread.

Usage: peer_pipeline.py VIDEO... [--points 384] [--seed 0] [--out DIR]

What it does, cutting clips the way the engine's default pipeline does:
  decode  each video is read with cv2.VideoCapture (FFmpeg, one decoder thread) and cut
          into consecutive 48-frame clips (a shorter last clip kept from 24 frames); each
          frame is scaled so its longer side is at most 512 (INTER_AREA, each side
          rounded to an even number as the engine stores it), then made grey;
  sift    SIFT (cv2.SIFT_create defaults) on 8 distinct frames drawn from the first
          quarter of the clip; 384 queries, strongest first (each position once: SIFT
          repeats a point per orientation), taken in turn from those frames;
  track   cv2.calcOpticalFlowPyrLK (21x21 window, maxLevel 3, 30 iterations / 0.01)
          from each query's frame forward to the clip's end and backward to its start,
          frame to frame, with a forward-backward check at every step (error <= 1 px)
          deciding visibility; a lost point stays lost and is tracked no further. All
          queries alive between two frames go through one call (LK tracks each point on
          its own, so this equals tracking each query frame's points separately);
  write   only with --out: one npz per clip, NAME_CCC.npz for clip CCC of NAME.mp4
          (queries [N,3] (t,x,y), tracks [T,N,2] with 0 where not visible, visible [T,N]);
          a point that is not visible carries no label (the peer makes no occlusion claim).

Prints one JSON object: seconds (wall, from the first video opened to the last clip done,
imports excluded), cpu_seconds (the process's CPU time over the same span), clips,
frames, points, visible_fraction (of query x frame pairs) and stages: CPU seconds per
stage (time.process_time, the whole process's; everything runs on one thread, so the
stages and Python start-up account for all of its CPU time).
"""
import argparse
import itertools
import json
import math
import time
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

CLIP_LENGTH = 48
MIN_CLIP_LENGTH = 24
MAX_SIDE = 512
QUERY_FRAMES = 8
FIRST_FRACTION = 0.25
FB_MAX_ERROR = 1.0
LK = dict(winSize=(21, 21), maxLevel=3,
          criteria=(cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01))


@contextmanager
def timed(stages, name):
    """Adds the CPU seconds of the process spent in the block to stages[name]."""
    start = time.process_time()
    yield
    stages[name] = stages.get(name, 0.0) + time.process_time() - start


def stored_size(width, height):
    """The engine's max_side geometry: scaled down (never up), sides rounded to even."""
    even = lambda v: max(2, int(math.floor(v / 2 + 0.5)) * 2)
    longer = max(width, height)
    if longer <= MAX_SIDE:
        return max(2, width & ~1), max(2, height & ~1)
    scale = MAX_SIDE / longer
    return even(width * scale), even(height * scale)


def grey(bgr):
    """One decoded frame, scaled to its stored size and made grey."""
    height, width = bgr.shape[:2]
    size = stored_size(width, height)
    if size != (width, height):
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def read_clips(path, stages):
    """Yields the video's clips, [T, H, W] uint8 each; the time goes to stages['decode']."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    if not capture.isOpened():
        raise SystemExit(f"peer_pipeline.py: cannot open {path}")
    try:
        while True:
            with timed(stages, "decode"):
                frames = []
                while len(frames) < CLIP_LENGTH:
                    ok, bgr = capture.read()
                    if not ok:
                        break
                    frames.append(grey(bgr))
            if len(frames) < MIN_CLIP_LENGTH:
                return
            yield np.stack(frames)
    finally:
        capture.release()


def strongest_first(keypoints, t):
    """(t, x, y) of the keypoints by decreasing response, each position once."""
    seen, ranked = set(), []
    for kp in sorted(keypoints, key=lambda k: -k.response):
        if kp.pt not in seen:
            seen.add(kp.pt)
            ranked.append((t, *kp.pt))
    return ranked


def sift_queries(clip, sift, rng, count):
    """[N, 3] float32 (t, x, y): SIFT points of the query frames, taken in turn."""
    span = min(len(clip), math.ceil(len(clip) * FIRST_FRACTION))
    frames = np.sort(rng.choice(span, size=min(QUERY_FRAMES, span), replace=False))
    ranked = [strongest_first(sift.detect(clip[t], None), int(t)) for t in frames]
    in_turn = [q for turn in itertools.zip_longest(*ranked) for q in turn if q is not None]
    return np.array(in_turn[:count], np.float32).reshape(-1, 3)


def sweep(clip, query_frame, tracks, visible, order):
    """Carries the queries frame to frame along `order`: each joins at its own frame and
    goes on while the forward-backward check holds."""
    alive = np.empty(0, np.intp)
    for a, b in zip(order, order[1:]):
        alive = np.concatenate([alive, np.flatnonzero(query_frame == a)])
        if alive.size == 0:
            continue
        p0 = tracks[a, alive].reshape(-1, 1, 2)
        p1, status, _ = cv2.calcOpticalFlowPyrLK(clip[a], clip[b], p0, None, **LK)
        back, status_back, _ = cv2.calcOpticalFlowPyrLK(clip[b], clip[a], p1, None, **LK)
        error = np.linalg.norm((back - p0)[:, 0], axis=1)
        ok = (status[:, 0] == 1) & (status_back[:, 0] == 1) & (error <= FB_MAX_ERROR)
        alive = alive[ok]
        tracks[b, alive] = p1[ok, 0]
        visible[b, alive] = True


def track(clip, queries):
    """tracks [T, N, 2] float32 and visible [T, N] bool of the queries."""
    frames, n = len(clip), len(queries)
    query_frame = queries[:, 0].astype(np.intp)
    tracks = np.zeros((frames, n, 2), np.float32)
    visible = np.zeros((frames, n), bool)
    tracks[query_frame, np.arange(n)] = queries[:, 1:]
    visible[query_frame, np.arange(n)] = True
    sweep(clip, query_frame, tracks, visible, list(range(frames)))
    sweep(clip, query_frame, tracks, visible, list(range(frames - 1, -1, -1)))
    return tracks, visible


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("videos", nargs="+", type=Path)
    parser.add_argument("--points", type=int, default=384, help="queries per clip")
    parser.add_argument("--seed", type=int, default=0, help="seed of the query-frame draws")
    parser.add_argument("--out", type=Path, help="write one npz per clip here")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    sift = cv2.SIFT_create()
    rng = np.random.default_rng(args.seed)
    stages = {"decode": 0.0, "sift": 0.0, "track": 0.0}
    clips = frames = points = pairs = visible_pairs = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for video in args.videos:
        for index, clip in enumerate(read_clips(video, stages)):
            with timed(stages, "sift"):
                queries = sift_queries(clip, sift, rng, args.points)
            with timed(stages, "track"):
                tracks, visible = track(clip, queries)
            if args.out:
                with timed(stages, "write"):
                    np.savez(args.out / f"{video.stem}_{index:03d}.npz",
                             queries=queries, tracks=tracks, visible=visible)
            clips += 1
            frames += len(clip)
            points += len(queries)
            pairs += visible.size
            visible_pairs += int(visible.sum())
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps(dict(seconds=seconds, cpu_seconds=cpu_seconds, clips=clips, frames=frames, points=points,
                          visible_fraction=visible_pairs / max(1, pairs),
                          stages=stages)))


if __name__ == "__main__":
    main()
