#!/usr/bin/env python3
"""Checks that the ground truth of layered sequences (layered_sequences.py) describes what
the videos show: an independent tracker, run on the decoded H.264, must agree with it.

Usage: check_layered_sequences.py DIR [--points 300]

Per clip, two checks. One step: Shi–Tomasi corners of every 8th frame are moved to the
next frame by Lucas–Kanade and compared with the ground truth there (no drift can build
up, so a right ground truth shows a median error of well under a tenth of a pixel on
H.264 at crf 20). Chained: Shi–Tomasi corners of the first decoded frame (OpenCV goodFeaturesToTrack,
up to --points, 7 px apart) are tracked frame to frame with OpenCV's pyramidal
Lucas–Kanade (21×21, 3 levels) with a forward-backward check (≤ 0.5 px), and compared
with layered_ground_truth.py's exact tracks while the ground truth says the point has been
visible in every frame so far and at least 3 px from any other layer (corners on an
occlusion edge belong to no single layer). Also checks that the stored layer-id map is the
ground truth's owner function at pixel centres. Prints per clip: corners, foreground
corners, the median error and the share within 1 px over all compared point-frames, and
the number of layer-id mismatches. LK drifts over 48 frames, so the chained median is a
few tenths of a pixel; a wrong convention (a half-pixel shift, a transposed matrix, a
wrong frame) shows half a pixel or more in both.
Exit status 1 if a clip's one-step median exceeds 0.2 px or a layer id mismatches; the
chained figures are for reading (on a smooth photograph such as the moon LK itself drifts
by a pixel over the clip).
"""
import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layered_ground_truth import LayeredGroundTruth  # noqa: E402

LK = dict(winSize=(21, 21), maxLevel=3, criteria=(cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01))
EDGE_MARGIN = 3.0


def grey_frames(path):
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    return np.stack(frames)


def away_from_edges(gt, tracks, layer):
    """[T, N] bool: the owner is the point's layer everywhere within EDGE_MARGIN px."""
    ok = np.ones(tracks.shape[:2], bool)
    for dx in (-EDGE_MARGIN, 0, EDGE_MARGIN):
        for dy in (-EDGE_MARGIN, 0, EDGE_MARGIN):
            shifted = tracks + np.array([dx, dy])
            ok &= gt.owner(np.arange(gt.frames)[:, None], shifted) == layer[None]
    return ok


def one_step_errors(gt, frames, points):
    """Errors (px) of LK moving corners of every 8th frame one frame on, where the ground
    truth sees them, away from edges, in both frames."""
    errors = []
    for t in range(0, len(frames) - 1, 8):
        corners = cv2.goodFeaturesToTrack(frames[t], points, 0.01, 7).reshape(-1, 2)
        tracks, visible, layer, _ = gt.tracks(np.concatenate([np.full((len(corners), 1), t), corners], 1))
        clean = visible & away_from_edges(gt, tracks, layer)
        moved, status, _ = cv2.calcOpticalFlowPyrLK(frames[t], frames[t + 1], corners.astype(np.float32)
                                                    .reshape(-1, 1, 2), None, **LK)
        use = (status[:, 0] == 1) & clean[t] & clean[t + 1]
        errors.append(np.linalg.norm(moved[use, 0] - tracks[t + 1, use], axis=1))
    return np.concatenate(errors)


def check_clip(video, gt_path, points):
    gt = LayeredGroundTruth.load(gt_path)
    frames = grey_frames(video)
    step = one_step_errors(gt, frames, points)
    corners = cv2.goodFeaturesToTrack(frames[0], points, 0.01, 7).reshape(-1, 2)
    queries = np.concatenate([np.zeros((len(corners), 1)), corners], 1)
    tracks, visible, layer, foreground = gt.tracks(queries)
    clean = np.logical_and.accumulate(visible & away_from_edges(gt, tracks, layer), axis=0)
    estimate, alive = corners.astype(np.float32).reshape(-1, 1, 2), np.ones(len(corners), bool)
    errors = []
    for t in range(1, len(frames)):
        nxt, status, _ = cv2.calcOpticalFlowPyrLK(frames[t - 1], frames[t], estimate, None, **LK)
        back, status_back, _ = cv2.calcOpticalFlowPyrLK(frames[t], frames[t - 1], nxt, None, **LK)
        fb = np.linalg.norm((back - estimate)[:, 0], axis=1)
        alive &= (status[:, 0] == 1) & (status_back[:, 0] == 1) & (fb <= 0.5)
        estimate = nxt
        use = alive & clean[t]
        errors.append(np.linalg.norm(nxt[use, 0] - tracks[t, use], axis=1))
    errors = np.concatenate(errors)
    grid = np.stack(np.meshgrid(np.arange(gt.width, dtype=float), np.arange(gt.height, dtype=float)), -1)
    stored = np.load(gt_path)["layer_ids"]
    mismatches = sum(int((gt.owner(t, grid) != stored[t]).sum()) for t in range(gt.frames))
    return dict(step=float(np.median(step)), corners=len(corners), foreground=int(foreground.sum()), compared=len(errors),
                median=float(np.median(errors)), within_1=float((errors <= 1).mean()), mismatches=mismatches)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--points", type=int, default=300)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    failed = False
    print(f"{'clip':10}{'1-step px':>10}{'corners':>8}{'on fg':>7}{'compared':>10}{'median px':>11}{'<=1 px':>8}{'id mism.':>9}")
    for gt_path in sorted(args.dir.glob("*.gt.npz")):
        name = gt_path.name[:-len(".gt.npz")]
        r = check_clip(args.dir / f"{name}.mp4", gt_path, args.points)
        print(f"{name:10}{r['step']:10.3f}{r['corners']:8}{r['foreground']:7}{r['compared']:10}{r['median']:11.3f}"
              f"{r['within_1']:8.3f}{r['mismatches']:9}")
        failed |= r["step"] > 0.2 or r["mismatches"] > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
