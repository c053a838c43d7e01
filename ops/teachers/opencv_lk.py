#!/usr/bin/env python3
"""opencv-lk: an external PseudoTrack teacher built on OpenCV's pyramidal Lucas-Kanade.

What it does, for every query (t, x, y) of a clip:
  * forward: chained frame to frame from the query frame t to the last frame;
  * backward: chained frame to frame from t down to frame 0;
each step with cv2.calcOpticalFlowPyrLK (window 21x21, 3 pyramid levels above the
image, stop after 30 iterations or a 0.01 px update) on the grey frames, followed by the
reverse step; the distance between the start point and the point tracked there and
back is the step's forward-backward error fb. A step passes when both directions
found the point and fb <= 1 px. The first step that fails makes the point not visible
from that frame on in that direction (it never comes back), but its position is still
followed (held where it was when Lucas-Kanade loses it entirely). Confidence is
exp(-fb) of the step, clipped to [0, 1], and 0 once the point is lost; at the query
frame the point is visible with confidence 1. It is an offline teacher: every frame
is valid (no `valid` array is sent). All queries of a clip are tracked together, one
pair of calcOpticalFlowPyrLK calls per frame step (OpenCV's Python binding does not
take prebuilt pyramids, so each call builds its own).

How to run it: the engine starts it, as a pipeline teacher with the command
    ["python3", "ops/teachers/opencv_lk.py"]
(relative to the directory the engine runs in). It needs numpy and OpenCV
(pip install numpy opencv-python-headless). Started by hand it prints its hello line
and waits for requests on stdin; see PROTOCOL.md.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import teacher_protocol  # noqa: E402

teacher_protocol.protect_stdout()

try:
    import cv2
    import numpy as np
except ImportError as e:  # before the hello line: the engine sees a failed start
    print(f"opencv-lk: cannot import {e.name} ({e}); "
          "install it with: pip install numpy opencv-python-headless", file=sys.stderr)
    sys.exit(1)

NAME = "opencv-lk"
VERSION = f"1 (opencv {cv2.__version__})"

WIN_SIZE = (21, 21)
MAX_LEVEL = 3
CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01)
MAX_FB = 1.0  # pixels


def _grey(frames):
    return [cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in frames]


def _lk(img_a, img_b, pts):
    """Tracks pts [M, 2] from grey image a to b; returns (positions [M, 2], found [M])."""
    nxt, status, _ = cv2.calcOpticalFlowPyrLK(
        img_a, img_b, pts.reshape(-1, 1, 2), None,
        winSize=WIN_SIZE, maxLevel=MAX_LEVEL, criteria=CRITERIA)
    nxt = nxt.reshape(-1, 2)
    found = (status.reshape(-1) == 1) & np.all(np.isfinite(nxt), axis=1)
    return nxt, found


def _sweep(grey, qt, tracks, visibility, confidence, step):
    """One direction: step = +1 (forward) or -1 (backward). Fills frames != query frame."""
    T = len(grey)
    N = qt.shape[0]
    lost = np.zeros(N, dtype=bool)
    frames = range(0, T - 1) if step > 0 else range(T - 1, 0, -1)
    for t in frames:
        u = t + step
        # Points already started in this direction: query frame at or before t (forward),
        # at or after t (backward).
        ids = np.nonzero(qt <= t if step > 0 else qt >= t)[0]
        if ids.size == 0:
            continue
        p0 = np.ascontiguousarray(tracks[t, ids], dtype=np.float32)
        p1, ok1 = _lk(grey[t], grey[u], p0)
        p1 = np.where(ok1[:, None], p1, p0).astype(np.float32)  # hold a point LK lost
        back, ok2 = _lk(grey[u], grey[t], p1)
        fb = np.linalg.norm(back - p0, axis=1)
        passed = ok1 & ok2 & np.isfinite(fb) & (fb <= MAX_FB)
        lost[ids] |= ~passed
        alive = ~lost[ids]
        tracks[u, ids] = p1
        visibility[u, ids] = alive
        with np.errstate(over="ignore", invalid="ignore"):
            conf = np.clip(np.exp(-np.where(np.isfinite(fb), fb, np.inf)), 0.0, 1.0)
        confidence[u, ids] = np.where(alive, conf, 0.0)


def track(frames, queries):
    T = frames.shape[0]
    N = queries.shape[0]
    tracks = np.zeros((T, N, 2), dtype=np.float32)
    visibility = np.zeros((T, N), dtype=np.uint8)
    confidence = np.zeros((T, N), dtype=np.float32)
    if N == 0:
        return tracks, visibility, confidence
    qt = queries[:, 0].astype(np.int64)
    ar = np.arange(N)
    tracks[qt, ar] = queries[:, 1:3]
    visibility[qt, ar] = 1
    confidence[qt, ar] = 1.0
    grey = _grey(frames)
    _sweep(grey, qt, tracks, visibility, confidence, +1)
    _sweep(grey, qt, tracks, visibility, confidence, -1)
    return tracks, visibility, confidence


if __name__ == "__main__":
    teacher_protocol.serve(track, NAME, VERSION)
