"""Samples as CoTracker's training data (the fields of ``cotracker.datasets.utils.CoTrackerData``)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from .rig import is_rig, rig_view, view_count
from .video import sample_frames, sample_views

__all__ = ["collate_cotracker", "cotracker_views", "to_cotracker"]


def to_cotracker(sample: Mapping[str, Any], *, frames: Optional[np.ndarray] = None, segmentation: bool = False,
                 view: Optional[int] = None) -> Dict[str, Any]:
    """One decoded sample as CoTracker's fields:

    - ``video`` float32 [T, 3, H, W], values 0-255 (decoded from ``video_mp4``, or ``frames``)
    - ``trajectory`` float32 [T, N, 2], (x, y) pixels, integers at pixel centres
    - ``visibility`` bool [T, N]
    - ``valid`` bool [T, N] (False: no label; not the same as occluded)
    - ``query_points`` float32 [N, 3], (t, x, y)
    - ``seq_name`` str (meta.clip_id)
    - ``segmentation`` float32 ones [T, 1, H, W], only with ``segmentation=True``
      (CoTracker 2's dataclass requires the field; CoTracker 3's makes it optional)

    numpy arrays, whatever is installed (``torch.from_numpy`` each for tensors;
    ``CoTrackerTrainingDataset`` gives CoTracker's training samples as tensors).
    ``frames`` (uint8 [T, H, W, 3]) skips decoding when the caller has the pixels already.

    A rig clip needs ``view``: the result is that view's frames and the points queried
    in it (``query_view == view``), as ``rig_view`` gives them; ``frames`` is then the
    clip's tiled frames [T, H, V·W, 3], as ``sample_frames`` returns them. ValueError
    when no point was queried in ``view``.
    """
    if is_rig(sample):
        if view is None:
            raise ValueError(f"a rig clip ({view_count(sample)} views) needs view=: CoTracker trains on one view")
        views = sample_views(sample, frames=np.asarray(frames)) if frames is not None else None
        picked = rig_view(sample, view, points="query", views=views)
        if picked is None:
            raise ValueError(f"no point of this rig clip was queried in view {view}")
        sample = picked[0]
        frames = sample.get("frames")
        if frames is None:
            raise ValueError("the sample has no media (video_mp4 or frames): it was written with media mode 'none'")
    elif view not in (None, 0):
        raise ValueError(f"view {view} of a single-view sample")
    if frames is None:
        frames = sample_frames(sample)
    if frames is None:
        raise ValueError("the sample has no media (video_mp4 or frames): it was written with media mode 'none'")
    frames = np.asarray(frames)
    tracks = np.asarray(sample["tracks"], np.float32)
    if frames.shape[0] != tracks.shape[0]:
        raise ValueError(f"{frames.shape[0]} frames for labels with T = {tracks.shape[0]}")
    meta = sample.get("meta") or {}
    def owned(x, dtype):  # contiguous and writable (StreamingDataset's arrays are read-only)
        return np.require(x, dtype, ["C_CONTIGUOUS", "WRITEABLE"])

    out: Dict[str, Any] = {
        "video": owned(frames.transpose(0, 3, 1, 2), np.float32),
        "trajectory": owned(tracks, np.float32),
        "visibility": np.asarray(sample["visibility"]) != 0,
        "valid": np.asarray(sample["valid"]) != 0,
        "query_points": owned(sample["queries"], np.float32),
    }
    if segmentation:
        t, _, h, w = out["video"].shape
        out["segmentation"] = np.ones((t, 1, h, w), np.float32)
    out["seq_name"] = str(meta.get("clip_id", "")) if isinstance(meta, dict) else ""
    return out


def cotracker_views(sample: Mapping[str, Any], *, segmentation: bool = False) -> List[Dict[str, Any]]:
    """Every CoTracker sample of one clip, whatever its kind: ``[to_cotracker(sample)]``
    for a video clip; for a rig clip, one per view that has points queried in it
    (``to_cotracker(sample, view=v)``, in view order; the media is decoded once). So a
    directory that mixes video and rig clips (shard format §5) trains the same way."""
    if not is_rig(sample):
        return [to_cotracker(sample, segmentation=segmentation)]
    qv = np.asarray(sample["query_view"])
    frames = sample_frames(sample)
    return [to_cotracker(sample, segmentation=segmentation, frames=frames, view=v)
            for v in range(view_count(sample)) if np.any(qv == v)]


def collate_cotracker(batch: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Stack ``to_cotracker`` results (numpy) along a new batch axis (B first), numpy out.
    Clips must share T, H and W; a batch whose clips have different N is padded to the
    largest N with points that are invalid and not visible (trajectory and queries 0), so
    the padding supervises nothing. ``seq_name`` becomes a list. For training, where
    CoTracker's step wants a fixed N and T, use ``training_sample`` /
    ``CoTrackerTrainingDataset`` instead."""
    if not batch:
        raise ValueError("empty batch")
    n_max = max(int(np.shape(b["trajectory"])[1]) for b in batch)

    def pad(x: np.ndarray, axis: int) -> np.ndarray:
        x = np.asarray(x)
        n = int(x.shape[axis])
        if n == n_max:
            return x
        shape = list(x.shape)
        shape[axis] = n_max - n
        return np.concatenate([x, np.zeros(shape, dtype=x.dtype)], axis)

    out: Dict[str, Any] = {}
    for key, axis in (("video", None), ("segmentation", None), ("trajectory", 1), ("visibility", 1),
                      ("valid", 1), ("query_points", 0)):
        if key not in batch[0]:
            continue
        items = [np.asarray(b[key]) if axis is None else pad(b[key], axis) for b in batch]
        shapes = {x.shape for x in items}
        if len(shapes) > 1:
            raise ValueError(f"{key}: the clips differ in shape ({sorted(shapes)}); crop or resize them to one T, H, W")
        out[key] = np.stack(items, 0)
    out["seq_name"] = [b.get("seq_name", "") for b in batch]
    return out
