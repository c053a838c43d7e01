"""Exports to the on-disk layouts other training and evaluation code reads.

``cotracker-kubric``: the layout of CoTracker's ``KubricMovifDataset``
(``cotracker/datasets/kubric_movif_dataset.py``)::

    OUT/<seq>/frames/000.png ...   RGB PNGs; the loader reads sorted(os.listdir(...))
    OUT/<seq>/<seq>.npy            np.save of a dict; np.load(..., allow_pickle=True).item()
        coords      float32 [N, T, 2]  (x, y) pixels of the stored frames
        visibility  bool    [N, T]     True = OCCLUDED: the loader applies logical_not
        valid       bool    [N, T]     extra key (the loader ignores it)
        query_points float32 [N, 3]    extra key, (t, x, y)
        meta        str                extra key, the sample's meta as JSON

``tapvid``: one pickle per clip, ``OUT/<seq>.pkl``, holding the dict of one TAP-Vid
DAVIS entry: ``video`` uint8 [T, H, W, 3], ``points`` float32 [N, T, 2] = (x / W, y / H),
``occluded`` bool [N, T]. CoTracker's TapVidDataset multiplies ``points`` by (W, H), which
gives back the stored pixel coordinates.

Neither format has a "no label" flag. ``invalid="drop"`` (the default) leaves out every
point that has an invalid frame; ``invalid="occluded"`` keeps it and marks those frames
occluded (which teaches occlusion where the teacher only gave up).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import struct
import zlib
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

import numpy as np

from .video import sample_frames

__all__ = ["export_cotracker_kubric", "export_tapvid", "seq_name", "write_png"]

INVALID_POLICIES = ("drop", "occluded")


def write_png(path: str, rgb: np.ndarray, level: int = 6) -> None:
    """Write uint8 [H, W, 3] (RGB) or [H, W] (grey) as an 8-bit PNG with zlib only."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim == 2:
        color_type, channels = 0, 1
    elif rgb.ndim == 3 and rgb.shape[2] == 3:
        color_type, channels = 2, 3
    else:
        raise ValueError(f"write_png takes [H, W] or [H, W, 3], got {rgb.shape}")
    h, w = rgb.shape[:2]
    rows = np.empty((h, 1 + w * channels), np.uint8)
    rows[:, 0] = 0  # filter type None on every row
    rows[:, 1:] = rgb.reshape(h, w * channels)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def seq_name(index: int, sample: Mapping[str, Any]) -> str:
    """A file-system-safe, unique sequence name: the global index, then the clip id."""
    meta = sample.get("meta")
    clip_id = str(meta.get("clip_id", "")) if isinstance(meta, dict) else ""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", clip_id).strip("._")[:80]
    return f"{index:06d}_{safe}" if safe else f"{index:06d}"


def _labels(sample: Mapping[str, Any], invalid: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points first: coords [N, T, 2], occluded [N, T], valid [N, T], queries [N, 3], kept mask [N]."""
    if invalid not in INVALID_POLICIES:
        raise ValueError(f"invalid must be one of {INVALID_POLICIES}, not {invalid!r}")
    tracks = np.asarray(sample["tracks"], np.float32)
    visible = np.asarray(sample["visibility"]) != 0
    valid = np.asarray(sample["valid"]) != 0
    keep = valid.all(axis=0) if invalid == "drop" else np.ones(tracks.shape[1], bool)
    coords = tracks.transpose(1, 0, 2)[keep]
    occluded = ~(visible & valid).T[keep]
    queries = np.asarray(sample["queries"], np.float32)[keep]
    return np.ascontiguousarray(coords), np.ascontiguousarray(occluded), np.ascontiguousarray(valid.T[keep]), queries, keep


def _samples(dataset: Iterable[Mapping[str, Any]], limit: Optional[int]):
    for i, sample in enumerate(dataset):
        if limit is not None and i >= limit:
            break
        yield i, sample


def export_cotracker_kubric(dataset: Iterable[Mapping[str, Any]], out: str, *, invalid: str = "drop",
                            limit: Optional[int] = None, png_level: int = 6) -> Dict[str, int]:
    """Write CoTracker's Kubric layout (see the module doc). Returns counts."""
    os.makedirs(out, exist_ok=True)
    clips = points = dropped = 0
    for i, sample in _samples(dataset, limit):
        frames = sample_frames(sample)
        if frames is None:
            raise ValueError("the shards have no media (media mode 'none'): nothing to write as frames")
        coords, occluded, valid, queries, keep = _labels(sample, invalid)
        name = seq_name(i, sample)
        seq_dir = os.path.join(out, name)
        frame_dir = os.path.join(seq_dir, "frames")
        os.makedirs(frame_dir, exist_ok=True)
        digits = max(3, len(str(len(frames) - 1)))  # sorted() order = frame order
        for t, frame in enumerate(frames):
            write_png(os.path.join(frame_dir, f"{t:0{digits}d}.png"), frame, png_level)
        annotation = {
            "coords": coords,
            "visibility": occluded,  # sic: CoTracker's loader negates it
            "valid": valid,
            "query_points": queries,
            "meta": json.dumps(sample.get("meta"), sort_keys=True),
        }
        np.save(os.path.join(seq_dir, name + ".npy"), annotation, allow_pickle=True)
        clips += 1
        points += int(keep.sum())
        dropped += int((~keep).sum())
    return {"clips": clips, "points": points, "dropped_points": dropped}


def export_tapvid(dataset: Iterable[Mapping[str, Any]], out: str, *, invalid: str = "drop",
                  limit: Optional[int] = None) -> Dict[str, int]:
    """Write one TAP-Vid (DAVIS-entry) pickle per clip (see the module doc). Returns counts."""
    os.makedirs(out, exist_ok=True)
    clips = points = dropped = 0
    for i, sample in _samples(dataset, limit):
        frames = sample_frames(sample)
        if frames is None:
            raise ValueError("the shards have no media (media mode 'none'): TAP-Vid needs the video")
        coords, occluded, _, _, keep = _labels(sample, invalid)
        h, w = frames.shape[1:3]
        entry = {
            "video": np.ascontiguousarray(frames, np.uint8),
            "points": (coords / np.array([w, h], np.float32)).astype(np.float32),
            "occluded": occluded,
        }
        path = os.path.join(out, seq_name(i, sample) + ".pkl")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump(entry, f, protocol=4)
        os.replace(tmp, path)
        clips += 1
        points += int(keep.sum())
        dropped += int((~keep).sum())
    return {"clips": clips, "points": points, "dropped_points": dropped}
