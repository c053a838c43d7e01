#!/usr/bin/env python3
"""klt-online against OpenCV's calcOpticalFlowPyrLK on the same frames and points.

    pseudotrack bench teachers --dump DIR --json > DIR/engine.json
    python ops/bench/teachers_reference.py DIR

DIR holds frames.npy (uint8 [T, H, W]) and queries.npy (float32 [N, 3], all at frame 0)
written by `pseudotrack bench teachers --dump`. OpenCV does the work klt-online does: for
every frame, a forward step of every point and a backward step of the results (the
forward-backward check), 21x21 window, 3 levels, 30 iterations / 0.01 px, one thread.
Prints OpenCV's milliseconds per frame per 100 points (median of runs) and the engine's
time as a ratio of OpenCV's (below 1 = faster than OpenCV).
"""
import json
import sys
import time

import cv2
import numpy as np


def opencv_lk(frames, points):
    params = dict(winSize=(21, 21), maxLevel=3,
                  criteria=(cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01))
    p = points.reshape(-1, 1, 2).astype(np.float32)
    for t in range(1, len(frames)):
        q, _, _ = cv2.calcOpticalFlowPyrLK(frames[t - 1], frames[t], p, None, **params)
        cv2.calcOpticalFlowPyrLK(frames[t], frames[t - 1], q, None, **params)
        p = q


def main():
    directory = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cv2.setNumThreads(1)
    frames = np.load(f"{directory}/frames.npy")
    queries = np.load(f"{directory}/queries.npy")
    assert (queries[:, 0] == 0).all(), "the reference starts every point at frame 0"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        opencv_lk(list(frames), queries[:, 1:])
        times.append(time.perf_counter() - start)
    seconds = float(np.median(times))
    t, n = len(frames), len(queries)
    ms = seconds * 1000 / t / (n / 100)
    print(f"opencv-lk    {ms:7.2f} ms/frame/100 points  ({seconds:.3f} s for {t} frames x {n} points, median of {runs})")
    try:
        engine = json.load(open(f"{directory}/engine.json"))
    except FileNotFoundError:
        return
    for row in engine:
        print(f"{row['teacher']:<12} {row['ms_per_frame_per_100_points']:7.2f} ms/frame/100 points"
              f" = {row['ms_per_frame_per_100_points'] / ms:.2f}x OpenCV Lucas-Kanade's time")


if __name__ == "__main__":
    main()
