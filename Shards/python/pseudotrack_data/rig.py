"""Rig clips (shard format §5.4): the cameras of ``meta.rig``, projecting ``tracks3d``,
and one view of a rig clip as a single-view sample."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

__all__ = ["RIG_POINTS", "camera_points", "depth_views", "is_rig", "project", "rig_cameras", "rig_view", "view_count"]

#: Which points ``rig_view`` keeps: those queried in the view, or all that the view sees.
RIG_POINTS = ("query", "seen")


def is_rig(sample: Mapping[str, Any]) -> bool:
    """True for a rig clip: it has the ``tracks3d`` column (shard format §5; a
    directory can hold video clips and rig clips, in shards of their own)."""
    return "tracks3d" in sample


def view_count(sample: Mapping[str, Any]) -> int:
    """V: the number of views of a rig clip (``meta.rig.views``, else ``tracks_views``); 1 otherwise."""
    meta = sample.get("meta")
    rig = meta.get("rig") if isinstance(meta, dict) else None
    if isinstance(rig, dict) and isinstance(rig.get("views"), list) and rig["views"]:
        return len(rig["views"])
    if "tracks_views" in sample:
        return int(np.shape(sample["tracks_views"])[0])
    return 1


def rig_cameras(sample: Mapping[str, Any]) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """The cameras of a rig clip, float64: K [V, 3, 3] (stored pixels), extrinsics_w2c
    [V, T, 3, 4] (X_cam = R·X_world + t), and the view names."""
    meta = sample.get("meta")
    rig = meta.get("rig") if isinstance(meta, dict) else None
    if not isinstance(rig, dict) or not isinstance(rig.get("views"), list) or not rig["views"]:
        raise ValueError("the sample has no meta.rig.views: it is not a rig clip")
    views = rig["views"]
    k = np.array([v["K"] for v in views], np.float64)
    e = np.array([v["extrinsics_w2c"] for v in views], np.float64)
    if k.shape[1:] != (3, 3) or e.ndim != 4 or e.shape[2:] != (3, 4):
        raise ValueError(f"meta.rig.views has K {list(k.shape[1:])} and extrinsics_w2c {list(e.shape[1:])}, "
                         "expected 3x3 and T x 3x4")
    return k, e, [str(v.get("name", i)) for i, v in enumerate(views)]


def depth_views(sample: Mapping[str, Any]) -> Optional[np.ndarray]:
    """The rig clip's depth per view at the stored size, float32 [V, T, H, W] metres, 0 where
    there is none; None when the shards were written without depth (the optional rig column
    ``depth_views``, uint16 millimetres, shard format §5.4)."""
    if "depth_views" not in sample:
        return None
    millimetres = np.asarray(sample["depth_views"])
    if millimetres.ndim != 4:
        raise ValueError(f"depth_views has shape {millimetres.shape}, expected [V, T, H, W]")
    return millimetres.astype(np.float32) * np.float32(0.001)


def camera_points(extrinsics: np.ndarray, world: np.ndarray) -> np.ndarray:
    """World points [T, N, 3] in the camera frame of one view, given its extrinsics
    [T, 3, 4]: R·X + t per frame, float64 [T, N, 3]."""
    e = np.asarray(extrinsics, np.float64)
    x = np.asarray(world, np.float64)
    return np.einsum("tij,tnj->tni", e[:, :, :3], x) + e[:, None, :, 3]


def project(k: np.ndarray, extrinsics: np.ndarray, world: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel positions [T, N, 2] and camera depths z [T, N] of world points [T, N, 3] in
    one view (K [3, 3], extrinsics [T, 3, 4]), float64. Pixels are meaningful where z > 0."""
    cam = camera_points(extrinsics, world)
    h = np.einsum("ij,tnj->tni", np.asarray(k, np.float64), cam)
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = h[..., :2] / h[..., 2:3]
    return uv, cam[..., 2]


def rig_view(sample: Mapping[str, Any], view: int, *, points: str = "query",
             views: Optional[np.ndarray] = None) -> Optional[Tuple[Dict[str, Any], np.ndarray]]:
    """One view of a rig clip as a single-view sample (the columns of §5, no rig columns),
    and the indices of the points it keeps; None when it keeps no point.

    ``points="query"`` keeps the points queried in ``view`` (``query_view == view``) with
    their queries, tracks and visibility as stored: the 2-D labels of §5.4.
    ``points="seen"`` keeps every point that ``view`` sees (valid and visible) in at
    least one frame; a point queried in another view gets the first frame the view sees
    it as its query. Tracks and visibility are ``tracks_views[view]`` and
    ``visibility_views[view]`` in both cases.

    ``views`` (uint8 [V, T, H, W, 3], from ``sample_views``) gives the pixels; without it
    the sample's media is decoded. The result has a ``frames`` column when there are
    pixels, and ``meta`` without ``rig`` but with ``rig_view`` = {index, name, K,
    extrinsics_w2c}."""
    if points not in RIG_POINTS:
        raise ValueError(f"points must be one of {RIG_POINTS}, not {points!r}")
    if not is_rig(sample):
        raise ValueError("the sample is not a rig clip (it has no tracks3d)")
    v_count = view_count(sample)
    if not 0 <= view < v_count:
        raise ValueError(f"view {view} is outside [0, {v_count})")
    tv = np.asarray(sample["tracks_views"], np.float32)[view]
    vv = np.asarray(sample["visibility_views"], np.uint8)[view]
    valid = np.asarray(sample["valid"], np.uint8)
    qv = np.asarray(sample["query_view"])
    queries = np.asarray(sample["queries"], np.float32)
    if points == "query":
        keep = np.flatnonzero(qv == view)
        q = queries[keep].copy()
    else:
        seen = (vv == 1) & (valid == 1)
        keep = np.flatnonzero(seen.any(axis=0))
        first = seen[:, keep].argmax(axis=0)
        own = qv[keep] == view
        t = np.where(own, queries[keep, 0].astype(np.int64), first)
        q = np.concatenate([t[:, None].astype(np.float32), tv[t, keep]], axis=1)
        q[own] = queries[keep[own]]
    if keep.size == 0:
        return None
    meta = copy.deepcopy(sample.get("meta")) if isinstance(sample.get("meta"), dict) else {}
    rig = meta.pop("rig", None) or {}
    rig_views = rig.get("views") or []
    entry = rig_views[view] if view < len(rig_views) and isinstance(rig_views[view], dict) else {}
    meta["rig_view"] = {"index": view, "name": entry.get("name"), "K": entry.get("K"),
                        "extrinsics_w2c": entry.get("extrinsics_w2c")}
    out: Dict[str, Any] = {
        "tracks": np.ascontiguousarray(tv[:, keep]),
        "visibility": np.ascontiguousarray(vv[:, keep]),
        "valid": np.ascontiguousarray(valid[:, keep]),
        "confidence": np.ascontiguousarray(np.asarray(sample["confidence"], np.float16)[:, keep]),
        "queries": np.ascontiguousarray(q, np.float32),
        "meta": meta,
    }
    if views is None and ("video_mp4" in sample or "frames" in sample):
        from .video import sample_views
        views = sample_views(sample)
    if views is not None:
        out["frames"] = np.ascontiguousarray(views[view])
    return out, keep
