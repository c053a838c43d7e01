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

``tapvid``: one pickle, ``OUT`` (a file), in the form of TAP-Vid DAVIS: a dict
``{name: entry}`` with, per sequence, ``video`` uint8 [T, H, W, 3], ``points`` float32
[N, T, 2] scaled to [0, 1] and ``occluded`` bool [N, T]. The scaling is the reader's
(``convention``): tapnet's ``create_davis_dataset`` multiplies by (W, H) and takes raster
coordinates (pixel centres at i + 0.5), so ``"tapnet"`` writes (x + 0.5) / W; CoTracker's
``TapVidDataset`` multiplies by (W - 1, H - 1), so ``"cotracker"`` writes x / (W - 1). Both
readers take each point's first visible frame as its query (``sample_queries_first``),
so a point with no visible frame is left out (their readers would fail on it).

Neither format has a "no label" flag. ``invalid="drop"`` (the default) leaves out every
point that has an invalid frame; ``invalid="occluded"`` keeps it and marks those frames
occluded (which teaches occlusion where the teacher only gave up). Tracks are dropped,
never clips: a sequence left with fewer than ``min_points`` points (default 1) is not
written and is counted in ``skipped_clips``, so no file holds N = 0. A rig clip gives one
sequence per view, ``<seq>_<view>``, with the points queried in that view (``rig_view``);
in a directory that mixes video and rig clips, each sample is exported by its own kind.

Rig clips only (shard format §5.4; a directory may also hold video clips, which
these two skip and count as ``skipped_videos``):

``tapvid3d``: TAPVid-3D's per-video ``.npz`` (``tapnet/tapvid3d``), one file per clip and
view, ``OUT/<seq>_<view>.npz``, holding the points that view sees (valid and visible) in
at least one frame::

    images_jpeg_bytes  |S  [T]         the view's frames, JPEG 4:4:4
    queries_xyt        float32 [N, 3]  (x, y, t): the point's own query if it was queried
                                       in this view, else the first frame the view sees it;
                                       raster pixels (ours + 0.5), as TAPVid-3D's
    tracks_XYZ         float32 [T, N, 3]  camera frame of the view (R·X + t), metres
    visibility         bool    [T, N]  visible in the view (and valid)
    fx_fy_cx_cy        float64 [4]     the view's K in raster pixels: cx, cy = ours + 0.5
                                       (evaluate_model.py scales all four by the resize
                                       factor, which only raster coordinates allow)
    extrinsics_w2c     float32 [T, 4, 4]  extra: world -> camera per frame
    valid              bool    [T, N]  extra: the frame has a 3-D label
    point_index        int32   [N]     extra: the point's index in the sample

``mvtracker``: per rig clip, ``OUT/<seq>.pkl`` as MVTracker's ``GenericSceneDataset``
(``mvtracker/datasets/generic_scene_dataset.py``) reads a sequence: dicts per camera name
``rgbs`` {cam: uint8 [T, 3, H, W]}, ``intrs`` {cam: float32 [3, 3]}, ``extrs`` {cam: float32
[T, 3, 4]} (world -> camera) and, when the shards carry depth (the rig column
``depth_views``), ``depths`` {cam: float32 [T, H, W]} metres, 0 = none; and our labels as
extra keys (``traj3d_world``, ``traj2d_w_z``, ``visibility``, ``valids`` float32,
``query_points``, ``query_view``). And ``OUT/<seq>.npz`` in the keys of MVTracker's demo
sample (``data_sample.npz``, read by ``demo.py``)::

    rgbs          uint8   [V, T, 3, H, W]
    depths        float32 [V, T, 1, H, W]   only when the shards carry depth
    intrs         float32 [V, T, 3, 3]   K per view and frame (stored pixels)
    extrs         float32 [V, T, 3, 4]   world -> camera
    query_points  float32 [N, 4]         (t, x, y, z): the query frame and tracks3d there
    traj3d_world  float32 [T, N, 3]      tracks3d, world metres
    traj2d_w_z    float32 [V, T, N, 3]   (x, y) = tracks_views, z = camera depth
    visibility    bool    [V, T, N]      visibility_views (and valid)
    valids        float32 [T, N]         valid (1.0 / 0.0, as MVTracker's track caches)
    query_view int32 [N], view_names str [V], seq_name str, meta str (JSON): extras

MVTracker's pixel convention is ours (integer pixel centres: its back-projection uses
``arange(W)``), so K is written as it is.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import struct
import zlib
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional, Tuple

import numpy as np

from .rig import camera_points, depth_views, is_rig, rig_cameras, rig_view, view_count
from .video import sample_frames, sample_views

__all__ = ["TAPVID_CONVENTIONS", "encode_jpeg", "export_cotracker_kubric", "export_mvtracker", "export_tapvid",
           "export_tapvid3d", "seq_name", "write_png"]

INVALID_POLICIES = ("drop", "occluded")

#: How ``tapvid`` scales points to [0, 1], per reader (see the module doc).
TAPVID_CONVENTIONS = {
    "tapnet": "raster: (x + 0.5) / W, (y + 0.5) / H (tapnet create_davis_dataset multiplies by W, H)",
    "cotracker": "x / (W - 1), y / (H - 1) (co-tracker TapVidDataset multiplies by W - 1, H - 1)",
}


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


def encode_jpeg(rgb: np.ndarray, quality: int = 95) -> bytes:
    """uint8 [H, W, 3] RGB as JPEG bytes, chroma at full resolution (4:4:4): with Pillow
    when it is importable, otherwise with PyAV's MJPEG encoder (``quality`` mapped to its
    qscale). At quality 95 4:2:0 chroma costs about 9/255 per pixel on fine colour texture;
    4:4:4 about 2.5/255."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"encode_jpeg takes [H, W, 3], got {rgb.shape}")
    try:
        from PIL import Image
    except ImportError:
        return _jpeg_pyav(rgb, quality)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="JPEG", quality=int(quality), subsampling=0)  # 4:4:4
    return buf.getvalue()


def _jpeg_pyav(rgb: np.ndarray, quality: int) -> bytes:
    try:
        import av
    except ImportError as error:
        raise ImportError("writing JPEG needs Pillow or PyAV: pip install pillow (or av)") from error
    from fractions import Fraction
    qscale = int(min(31, max(1, round((100 - quality) / 3.3) + 1)))
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height = rgb.shape[1], rgb.shape[0]
    ctx.pix_fmt = "yuvj444p"
    ctx.time_base = Fraction(1, 25)
    ctx.options = {"qmin": str(qscale), "qmax": str(qscale)}
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuvj444p")
    packets = list(ctx.encode(frame)) + list(ctx.encode(None))
    if len(packets) != 1:
        raise ValueError(f"the MJPEG encoder returned {len(packets)} packets for one image")
    return bytes(packets[0])


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
    keep &= (visible & valid).any(axis=0)  # a point never seen has no query in either format
    coords = tracks.transpose(1, 0, 2)[keep]
    occluded = ~(visible & valid).T[keep]
    queries = np.asarray(sample["queries"], np.float32)[keep]
    return np.ascontiguousarray(coords), np.ascontiguousarray(occluded), np.ascontiguousarray(valid.T[keep]), queries, keep


def _samples(dataset: Iterable[Mapping[str, Any]], limit: Optional[int]):
    for i, sample in enumerate(dataset):
        if limit is not None and i >= limit:
            break
        yield i, sample


def _sequences(dataset: Iterable[Mapping[str, Any]], limit: Optional[int]) -> Iterator[Tuple[str, Mapping[str, Any]]]:
    """(name, single-view sample): each sample; a rig clip as one sequence per view
    with the points queried in it, named ``<seq>_<view>``."""
    for i, sample in _samples(dataset, limit):
        name = seq_name(i, sample)
        if not is_rig(sample):
            yield name, sample
            continue
        views = sample_views(sample)
        for v in range(view_count(sample)):
            picked = rig_view(sample, v, points="query", views=views)
            if picked is not None:
                yield f"{name}_{v}", picked[0]


class _RigClips:
    """The rig clips of a dataset, (global index, sample), at most ``limit`` of them; video
    clips (a directory may hold both kinds) are counted in ``skipped`` and passed over.
    ``done`` raises ValueError when there were samples but none was a rig clip."""

    def __init__(self, dataset: Iterable[Mapping[str, Any]], limit: Optional[int], what: str):
        self.dataset, self.limit, self.what = dataset, limit, what
        self.skipped = 0

    def __iter__(self) -> Iterator[Tuple[int, Mapping[str, Any]]]:
        taken = 0
        for i, sample in enumerate(self.dataset):
            if self.limit is not None and taken >= self.limit:
                break
            if not is_rig(sample):
                self.skipped += 1
                continue
            taken += 1
            yield i, sample

    def done(self, clips: int) -> None:
        if clips == 0 and self.skipped:
            raise ValueError(f"none of the {self.skipped} samples is a rig clip (they have no tracks3d): "
                             f"{self.what} needs 3-D labels")


def _rig_sample(i: int, sample: Mapping[str, Any], what: str) -> np.ndarray:
    """The views' pixels [V, T, H, W, 3] of a rig clip; ValueError for anything else."""
    if not is_rig(sample):
        raise ValueError(f"sample {i} is not a rig clip (it has no tracks3d): {what} needs 3-D labels")
    views = sample_views(sample)
    if views is None:
        raise ValueError(f"the shards have no media (media mode 'none'): {what} needs the frames")
    return views


def _keep(sample: Mapping[str, Any], invalid: str) -> np.ndarray:
    if invalid not in INVALID_POLICIES:
        raise ValueError(f"invalid must be one of {INVALID_POLICIES}, not {invalid!r}")
    valid = np.asarray(sample["valid"]) != 0
    return valid.all(axis=0) if invalid == "drop" else np.ones(valid.shape[1], bool)


def _save_npz(path: str, arrays: Mapping[str, np.ndarray]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:  # a file object: np.savez would append .npz to a name
        np.savez(f, **arrays)
    os.replace(tmp, path)


def _min_points(min_points: int) -> int:
    if int(min_points) < 1:
        raise ValueError(f"min_points must be at least 1 (an empty sequence breaks every reader), not {min_points}")
    return int(min_points)


def export_cotracker_kubric(dataset: Iterable[Mapping[str, Any]], out: str, *, invalid: str = "drop",
                            limit: Optional[int] = None, min_points: int = 1, png_level: int = 6) -> Dict[str, int]:
    """Write CoTracker's Kubric layout (see the module doc). Returns counts: clips
    (sequences written), points, dropped_points, skipped_clips (fewer than
    ``min_points`` left), and loader_points: the fewest points of a written sequence that
    are visible in its first, middle or last frame, the ones ``KubricMovifDataset``
    samples ``traj_per_sample`` from (a larger ``traj_per_sample`` gives gotit=False)."""
    min_points = _min_points(min_points)
    os.makedirs(out, exist_ok=True)
    clips = points = dropped = skipped = 0
    loader_points: Optional[int] = None
    for name, sample in _sequences(dataset, limit):
        coords, occluded, valid, queries, keep = _labels(sample, invalid)
        dropped += int((~keep).sum())
        if int(keep.sum()) < min_points:
            skipped += 1
            continue
        frames = sample_frames(sample)
        if frames is None:
            raise ValueError("the shards have no media (media mode 'none'): nothing to write as frames")
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
        t = occluded.shape[1]
        seen = (~occluded[:, [0, t // 2, t - 1]]).any(axis=1)
        loader_points = int(seen.sum()) if loader_points is None else min(loader_points, int(seen.sum()))
        clips += 1
        points += int(keep.sum())
    return {"clips": clips, "points": points, "dropped_points": dropped, "skipped_clips": skipped,
            "loader_points": loader_points or 0}


def export_tapvid(dataset: Iterable[Mapping[str, Any]], out: str, *, convention: str, invalid: str = "drop",
                  limit: Optional[int] = None, min_points: int = 1) -> Dict[str, int]:
    """Write one TAP-Vid DAVIS-form pickle, ``{name: entry}``, to the file ``out``, with
    points scaled for the reader named by ``convention`` ("tapnet" or "cotracker", see the
    module doc). Returns counts: clips (sequences written), points, dropped_points,
    skipped_clips."""
    if convention not in TAPVID_CONVENTIONS:
        raise ValueError(f"convention must be one of {sorted(TAPVID_CONVENTIONS)} (the readers scale points "
                         f"differently), not {convention!r}")
    min_points = _min_points(min_points)
    if os.path.isdir(out):
        raise ValueError(f"{out} is a directory: tapvid writes one pickle file (e.g. {os.path.join(out, 'tapvid.pkl')})")
    entries: Dict[str, Dict[str, np.ndarray]] = {}
    points = dropped = skipped = 0
    for name, sample in _sequences(dataset, limit):
        coords, occluded, _, _, keep = _labels(sample, invalid)
        dropped += int((~keep).sum())
        if int(keep.sum()) < min_points:
            skipped += 1
            continue
        frames = sample_frames(sample)
        if frames is None:
            raise ValueError("the shards have no media (media mode 'none'): TAP-Vid needs the video")
        h, w = frames.shape[1:3]
        if convention == "tapnet":
            scaled = (coords + np.float32(0.5)) / np.array([w, h], np.float32)
        else:
            scaled = coords / np.array([max(w - 1, 1), max(h - 1, 1)], np.float32)
        entries[name] = {
            "video": np.ascontiguousarray(frames, np.uint8),
            "points": scaled.astype(np.float32),
            "occluded": occluded,
        }
        points += int(keep.sum())
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(entries, f, protocol=4)
    os.replace(tmp, out)
    return {"clips": len(entries), "points": points, "dropped_points": dropped, "skipped_clips": skipped}


def export_tapvid3d(dataset: Iterable[Mapping[str, Any]], out: str, *, view: Optional[int] = None,
                    invalid: str = "drop", limit: Optional[int] = None, min_points: int = 1,
                    jpeg_quality: int = 95) -> Dict[str, int]:
    """Write TAPVid-3D ``.npz`` files of rig clips, one per clip and view (``view``: only
    that one), see the module doc. ``invalid`` as for the other exports: "drop" leaves out
    points with a frame without a 3-D label, "occluded" keeps them, not visible in those
    frames (``valid`` keeps the truth). A view left with fewer than ``min_points`` points is
    not written. Video clips are skipped (``limit`` counts rig clips); ValueError when there
    is no rig clip at all. Returns counts: clips, files, points (summed over files),
    dropped_points (per clip), skipped_clips (views not written), skipped_videos."""
    min_points = _min_points(min_points)
    os.makedirs(out, exist_ok=True)
    clips = files = points = dropped = skipped = 0
    rigs = _RigClips(dataset, limit, "TAPVid-3D")
    for i, sample in rigs:
        views = _rig_sample(i, sample, "TAPVid-3D")
        k, e, _ = rig_cameras(sample)
        v_count = k.shape[0]
        if view is not None and not 0 <= view < v_count:
            raise ValueError(f"view {view} is outside [0, {v_count}) of sample {i}")
        keep = _keep(sample, invalid)
        tracks3d = np.asarray(sample["tracks3d"], np.float64)
        base = seq_name(i, sample)
        for v in range(v_count) if view is None else [view]:
            picked = rig_view(sample, v, points="seen", views=views)
            m = keep[picked[1]] if picked is not None else np.zeros(0, bool)
            if int(m.sum()) < min_points:
                skipped += 1
                continue
            single, idx = picked
            idx = idx[m]
            valid = single["valid"][:, m] == 1
            q = single["queries"][m]
            ext = np.zeros((e.shape[1], 4, 4), np.float64)
            ext[:, :3] = e[v]
            ext[:, 3, 3] = 1
            queries_xyt = np.ascontiguousarray(q[:, [1, 2, 0]], np.float32)
            queries_xyt[:, :2] += 0.5  # raster pixels
            entry = {
                "images_jpeg_bytes": np.array([encode_jpeg(f, jpeg_quality) for f in views[v]]),
                "queries_xyt": queries_xyt,
                "tracks_XYZ": camera_points(e[v], tracks3d[:, idx]).astype(np.float32),
                "visibility": (single["visibility"][:, m] == 1) & valid,
                "fx_fy_cx_cy": np.array([k[v, 0, 0], k[v, 1, 1], k[v, 0, 2] + 0.5, k[v, 1, 2] + 0.5], np.float64),
                "extrinsics_w2c": ext.astype(np.float32),
                "valid": valid,
                "point_index": idx.astype(np.int32),
            }
            _save_npz(os.path.join(out, f"{base}_{v}.npz"), entry)
            files += 1
            points += int(idx.size)
        clips += 1
        dropped += int((~keep).sum())
    rigs.done(clips)
    return {"clips": clips, "files": files, "points": points, "dropped_points": dropped,
            "skipped_clips": skipped, "skipped_videos": rigs.skipped}


def _save_pickle(path: str, obj: Any) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=4)
    os.replace(tmp, path)


def export_mvtracker(dataset: Iterable[Mapping[str, Any]], out: str, *, invalid: str = "drop",
                     limit: Optional[int] = None, min_points: int = 1) -> Dict[str, int]:
    """Write, per rig clip, ``OUT/<seq>.pkl`` for MVTracker's ``GenericSceneDataset`` and
    ``OUT/<seq>.npz`` in its demo sample's keys (see the module doc). ``invalid``: "drop"
    leaves out points with a frame without a 3-D label; "occluded" keeps them, with
    ``valids`` 0 and no visibility in those frames. A clip left with fewer than
    ``min_points`` points is not written (``skipped_clips``). Video clips are skipped
    (``limit`` counts rig clips); ValueError when there is no rig clip at all. Returns
    counts: clips, points, dropped_points, skipped_clips, skipped_videos, depth_clips."""
    min_points = _min_points(min_points)
    os.makedirs(out, exist_ok=True)
    clips = points = dropped = skipped = with_depth = 0
    rigs = _RigClips(dataset, limit, "MVTracker")
    for i, sample in rigs:
        k, e, names = rig_cameras(sample)
        v_count, t_count = e.shape[:2]
        keep = _keep(sample, invalid)
        n_keep = int(keep.sum())
        dropped += int((~keep).sum())
        if n_keep < min_points:
            skipped += 1
            continue
        views = _rig_sample(i, sample, "MVTracker")
        tracks3d = np.asarray(sample["tracks3d"], np.float32)[:, keep]
        valid = np.asarray(sample["valid"])[:, keep] == 1
        depth = np.stack([camera_points(e[v], tracks3d)[..., 2] for v in range(v_count)])
        queries = np.asarray(sample["queries"], np.float32)[keep]
        qt = queries[:, 0].astype(np.int64)
        rgbs = np.ascontiguousarray(views.transpose(0, 1, 4, 2, 3))
        labels = {
            "query_points": np.concatenate([queries[:, :1], tracks3d[qt, np.arange(n_keep)]], axis=1),
            "traj3d_world": np.ascontiguousarray(tracks3d),
            "traj2d_w_z": np.concatenate([np.asarray(sample["tracks_views"], np.float32)[:, :, keep],
                                          depth[..., None].astype(np.float32)], axis=-1),
            "visibility": (np.asarray(sample["visibility_views"])[:, :, keep] == 1) & valid[None],
            "valids": valid.astype(np.float32),
            "query_view": np.asarray(sample["query_view"], np.int32)[keep],
        }
        depths = depth_views(sample)
        name = seq_name(i, sample)
        scene: Dict[str, Any] = {
            "rgbs": {names[v]: rgbs[v] for v in range(v_count)},
            "intrs": {names[v]: k[v].astype(np.float32) for v in range(v_count)},
            "extrs": {names[v]: e[v].astype(np.float32) for v in range(v_count)},
        }
        if depths is not None:
            scene["depths"] = {names[v]: depths[v] for v in range(v_count)}
            with_depth += 1
        scene.update(labels)
        scene.update(view_names=list(names), seq_name=name, meta=json.dumps(sample.get("meta"), sort_keys=True))
        _save_pickle(os.path.join(out, name + ".pkl"), scene)
        entry = {
            "rgbs": rgbs,
            "intrs": np.ascontiguousarray(np.broadcast_to(k[:, None], (v_count, t_count, 3, 3)), np.float32),
            "extrs": e.astype(np.float32),
        }
        if depths is not None:
            entry["depths"] = depths[:, :, None]
        entry.update(labels)
        entry.update(view_names=np.array(names, dtype=str), seq_name=np.array(name),
                     meta=np.array(json.dumps(sample.get("meta"), sort_keys=True)))
        _save_npz(os.path.join(out, name + ".npz"), entry)
        clips += 1
        points += n_keep
    rigs.done(clips)
    return {"clips": clips, "points": points, "dropped_points": dropped, "skipped_clips": skipped,
            "skipped_videos": rigs.skipped, "depth_clips": with_depth}
