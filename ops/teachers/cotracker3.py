#!/usr/bin/env python3
"""cotracker3: an external PseudoTrack teacher running CoTracker3 (offline model).

The model is Meta's CoTracker3, scaled offline checkpoint, loaded with
    torch.hub.load("facebookresearch/co-tracker", "cotracker3_offline")
and called once per clip as
    pred_tracks, pred_visibility = model(video, queries=queries)
with video [1, T, 3, H, W] float in 0..255 and queries [1, N, 3] rows (t, x, y) in
pixels; it returns pred_tracks [1, T, N, 2] (pixels) and pred_visibility [1, T, N]
(boolean). The offline model attends over the whole clip, so each point is tracked
before and after its query frame; every frame is valid (no `valid` array is sent).
CoTracker's predictor resizes the video to its working resolution and maps coordinates
with (W - 1) / (w - 1), i.e. integer values at pixel centres, the protocol's convention.

Confidence: the hub predictor only exposes thresholded visibility, so confidence is 1
where CoTracker says visible and 0 where it says occluded.

What it needs:
  * Python packages: torch (CUDA build for a GPU; the CPU build works, slowly) and numpy
    (pip install torch numpy). torch.hub fetches the co-tracker repository code itself;
    its model code imports only torch and numpy.
  * Network access the first time: torch.hub downloads the code into
    ~/.cache/torch/hub/facebookresearch_co-tracker_main and the weights
    (scaled_offline.pth, from huggingface.co) into ~/.cache/torch/hub/checkpoints;
    later starts use the cache ($TORCH_HOME moves it).
  * Uses the first CUDA GPU if there is one, else the CPU; set PSEUDOTRACK_DEVICE
    (e.g. "cpu", "cuda:1") to choose.

How to run it: as a pipeline teacher with the command
    ["python3", "ops/teachers/cotracker3.py"]
If torch or the model cannot be loaded it says why on stderr and exits with status 1
before its hello line, so the engine reports a failed start. See PROTOCOL.md.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import teacher_protocol  # noqa: E402

# torch.hub and friends print; nothing but the protocol may reach stdout.
teacher_protocol.protect_stdout()

NAME = "cotracker3"
HUB_REPO = "facebookresearch/co-tracker"
HUB_MODEL = "cotracker3_offline"


def fail(message):
    print(f"cotracker3: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


try:
    import numpy as np
except ImportError:
    fail("numpy is not installed (pip install numpy)")

try:
    import torch
except ImportError:
    fail("PyTorch is not installed; this teacher needs torch (see "
         "https://pytorch.org/get-started/locally/, e.g. pip install torch)")


def load_model():
    device_name = os.environ.get("PSEUDOTRACK_DEVICE")
    if not device_name:
        device_name = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(device_name)
    except (RuntimeError, ValueError) as e:
        fail(f"bad PSEUDOTRACK_DEVICE {device_name!r}: {e}")
    teacher_protocol.log(f"cotracker3: loading {HUB_REPO}:{HUB_MODEL} on {device} "
                         f"(torch {torch.__version__}, hub cache {torch.hub.get_dir()})")
    # trust_repo=True: torch's default ("check") would ask on stdin whether to trust the
    # repository, and stdin is the engine's pipe; stdin is also hidden while loading.
    saved_stdin = sys.stdin
    sys.stdin = open(os.devnull)
    try:
        model = torch.hub.load(HUB_REPO, HUB_MODEL, trust_repo=True)
    except Exception as e:
        fail(f"cannot load {HUB_MODEL} through torch.hub ({type(e).__name__}: {e}). "
             f"The first run needs network access to github.com and huggingface.co; "
             f"the code and weights are then cached under {torch.hub.get_dir()}.")
    finally:
        sys.stdin.close()
        sys.stdin = saved_stdin
    try:
        model = model.to(device).eval()
    except Exception as e:
        fail(f"cannot move the model to {device} ({type(e).__name__}: {e})")
    return model, device


MODEL, DEVICE = load_model()
VERSION = f"{HUB_MODEL} (torch {torch.__version__}, {DEVICE})"


def track(frames, queries):
    T = frames.shape[0]
    N = queries.shape[0]
    if N == 0:
        return (np.zeros((T, 0, 2), np.float32), np.zeros((T, 0), np.uint8),
                np.zeros((T, 0), np.float32))
    with torch.no_grad():
        # uint8 [T, H, W, 3] -> float [1, T, 3, H, W], 0..255; converted on the device.
        video = torch.from_numpy(frames).to(DEVICE).permute(0, 3, 1, 2)[None].float()
        q = torch.from_numpy(np.ascontiguousarray(queries)).to(DEVICE)[None]
        pred_tracks, pred_visibility = MODEL(video, queries=q)
        tracks = pred_tracks[0].float().cpu().numpy()
        visible = pred_visibility[0].cpu().numpy()
    del video
    if DEVICE.type == "cuda":
        torch.cuda.empty_cache()
    visible = visible.reshape(T, N).astype(bool)
    return tracks, visible.astype(np.uint8), visible.astype(np.float32)


if __name__ == "__main__":
    teacher_protocol.serve(track, NAME, VERSION)
