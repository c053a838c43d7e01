"""PseudoTrack's sample schema, and checks that a directory of shards follows it
(the MDS layout and the schema of the shard format, one problem per message)."""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from .mds import INDEX_BASENAME, SHARD_ENTRY_KEYS, ShardDataset, ShardFormatError, encoding_fixed_size

__all__ = [
    "LABEL_COLUMNS", "MEDIA_COLUMNS", "RIG_COLUMNS", "RIG_DEPTH_COLUMNS", "SCHEMA_COLUMNS", "check_dataset",
    "check_sample", "media_mode",
]

#: Columns every sample has, with the encoding a writer uses for each.
LABEL_COLUMNS: Dict[str, str] = {
    "confidence": "ndarray:float16",
    "meta": "json",
    "queries": "ndarray:float32",
    "tracks": "ndarray:float32",
    "valid": "ndarray:uint8",
    "visibility": "ndarray:uint8",
}
#: At most one of these, by media mode: video_mp4 (default), frames, or none.
MEDIA_COLUMNS: Dict[str, str] = {
    "video_mp4": "bytes",
    "frames": "ndarray:uint8",
}
#: Columns of clips from calibrated multi-camera rigs (§5.4): all four or none.
RIG_COLUMNS: Dict[str, str] = {
    "query_view": "ndarray:int32",
    "tracks3d": "ndarray:float32",
    "tracks_views": "ndarray:float32",
    "visibility_views": "ndarray:uint8",
}
#: Optional rig column, written when the pipeline asks for depth (shards.depth: true):
#: each view's depth at the stored size, uint16 millimetres [V, T, H, W], 0 = none.
RIG_DEPTH_COLUMNS: Dict[str, str] = {
    "depth_views": "ndarray:uint16",
}
SCHEMA_COLUMNS: Dict[str, str] = {**LABEL_COLUMNS, **MEDIA_COLUMNS, **RIG_COLUMNS, **RIG_DEPTH_COLUMNS}

COMPRESSIONS = {"zstd"} | {f"zstd:{level}" for level in range(1, 23)}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def media_mode(columns) -> str:
    """'video_mp4', 'frames' or 'none', from a sample or a column list."""
    names = set(columns)
    if "video_mp4" in names:
        return "video_mp4"
    if "frames" in names:
        return "frames"
    return "none"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _check_meta(meta: Any, t: Optional[int], problems: List[str]) -> None:
    if not isinstance(meta, dict):
        problems.append("meta is not a JSON object")
        return

    def need(obj: Mapping[str, Any], key: str, test, what: str, where: str) -> Any:
        if key not in obj:
            problems.append(f"meta.{where}{key} is missing")
            return None
        if not test(obj[key]):
            problems.append(f"meta.{where}{key} is not {what}: {obj[key]!r}")
            return None
        return obj[key]

    def section(key: str) -> Dict[str, Any]:
        value = meta.get(key)
        if not isinstance(value, dict):
            problems.append(f"meta.{key} is missing or not an object")
            return {}
        return value

    need(meta, "clip_id", lambda v: isinstance(v, str) and v != "", "a non-empty string", "")
    video = section("video")
    if video:
        need(video, "uri", lambda v: isinstance(v, str) and v != "", "a non-empty string", "video.")
        need(video, "sha256", lambda v: isinstance(v, str) and bool(_HEX64.match(v)), "64 lower-case hex digits", "video.")
        need(video, "width", lambda v: _is_int(v) and v > 0, "a positive integer", "video.")
        need(video, "height", lambda v: _is_int(v) and v > 0, "a positive integer", "video.")
        need(video, "fps", lambda v: _is_num(v) and v > 0, "a positive number", "video.")
    clip = section("clip")
    if clip:
        fi = need(clip, "frame_indices", lambda v: isinstance(v, list) and all(_is_int(x) and x >= 0 for x in v),
                  "a list of non-negative integers", "clip.")
        if fi is not None:
            if t is not None and len(fi) != t:
                problems.append(f"meta.clip.frame_indices has {len(fi)} entries, the labels have T = {t}")
            if any(b <= a for a, b in zip(fi, fi[1:])):
                problems.append("meta.clip.frame_indices is not increasing")
        need(clip, "frame_step", lambda v: _is_int(v) and v >= 1, "an integer >= 1", "clip.")
    transform = section("transform")
    if transform:
        for key in ("scale_x", "scale_y", "offset_x", "offset_y"):
            need(transform, key, _is_num, "a finite number", "transform.")
        for key in ("scale_x", "scale_y"):
            if _is_num(transform.get(key)) and transform[key] <= 0:
                problems.append(f"meta.transform.{key} is not positive")
    stored = section("stored")
    if stored:
        need(stored, "width", lambda v: _is_int(v) and v > 0, "a positive integer", "stored.")
        need(stored, "height", lambda v: _is_int(v) and v > 0, "a positive integer", "stored.")
    teacher = section("teacher")
    if teacher:
        need(teacher, "name", lambda v: isinstance(v, str) and v != "", "a non-empty string", "teacher.")
        need(teacher, "version", lambda v: isinstance(v, str), "a string", "teacher.")
        need(teacher, "params", lambda v: isinstance(v, dict), "an object", "teacher.")
    need(meta, "seed", lambda v: _is_int(v) and v >= 0, "a non-negative integer", "")
    need(meta, "quality", lambda v: isinstance(v, dict), "an object", "")
    engine = section("engine")
    if engine:
        need(engine, "version", lambda v: isinstance(v, str) and v != "", "a non-empty string", "engine.")
        need(engine, "pipeline_sha256", lambda v: isinstance(v, str) and bool(_HEX64.match(v)),
             "64 lower-case hex digits", "engine.")


def _array(sample: Mapping[str, Any], name: str, dtype: str, ndim: int, problems: List[str]) -> Optional[np.ndarray]:
    value = sample.get(name)
    if not isinstance(value, np.ndarray):
        problems.append(f"{name} is missing or not an array")
        return None
    if value.dtype != np.dtype(dtype):
        problems.append(f"{name} has dtype {value.dtype}, expected {dtype}")
        return None
    if value.ndim != ndim:
        problems.append(f"{name} has shape {list(value.shape)}, expected {ndim} dimensions")
        return None
    return value


def _matrix(value: Any, rows: int, cols: int) -> Optional[np.ndarray]:
    """A rows x cols nested list of finite numbers as float64, else None."""
    if not isinstance(value, list) or len(value) != rows:
        return None
    if not all(isinstance(r, list) and len(r) == cols and all(_is_num(x) for x in r) for r in value):
        return None
    return np.array(value, np.float64)


def _check_rig_meta(meta: Any, t: Optional[int],
                    problems: List[str]) -> Tuple[Optional[int], Optional[np.ndarray], Optional[np.ndarray]]:
    """meta.rig of a rig clip: returns (V, K [V, 3, 3], extrinsics [V, T, 3, 4]); the
    arrays are None when some view's are unusable, V is None without a views list."""
    rig = meta.get("rig") if isinstance(meta, dict) else None
    if not isinstance(rig, dict):
        problems.append("meta.rig is missing or not an object (the sample has rig columns)")
        return None, None, None
    if not (isinstance(rig.get("uri"), str) and rig["uri"]):
        problems.append(f"meta.rig.uri is missing or not a non-empty string: {rig.get('uri')!r}")
    for key in ("fps", "depth_unit_m"):
        if not (_is_num(rig.get(key)) and rig[key] > 0):
            problems.append(f"meta.rig.{key} is missing or not a positive number: {rig.get(key)!r}")
    # meta.video describes the rig (§5.4): its directory, content hash, one view's size, its fps.
    video = meta.get("video") if isinstance(meta.get("video"), dict) else {}
    if isinstance(rig.get("uri"), str) and isinstance(video.get("uri"), str) and video["uri"] != rig["uri"]:
        problems.append(f"meta.video.uri {video['uri']!r} is not meta.rig.uri {rig['uri']!r} "
                        "(a rig clip's meta.video describes the rig)")
    if _is_num(rig.get("fps")) and _is_num(video.get("fps")) and rig["fps"] > 0 \
            and abs(video["fps"] - rig["fps"]) > 1e-6 * rig["fps"]:
        problems.append(f"meta.video.fps {video['fps']!r} is not meta.rig.fps {rig['fps']!r}")
    views = rig.get("views")
    if not isinstance(views, list) or not views:
        problems.append("meta.rig.views is missing or not a non-empty list")
        return None, None, None
    transform = meta.get("transform") if isinstance(meta.get("transform"), dict) else {}
    scale = [transform.get(k) for k in ("scale_x", "scale_y", "offset_x", "offset_y")]
    mapping = None
    if all(_is_num(x) for x in scale):
        sx, sy, ox, oy = scale
        mapping = np.array([[sx, 0, ox], [0, sy, oy], [0, 0, 1]], np.float64)
    ks: List[Optional[np.ndarray]] = []
    es: List[Optional[np.ndarray]] = []
    names: List[str] = []
    for v, view in enumerate(views):
        where = f"meta.rig.views[{v}]"
        if not isinstance(view, dict):
            problems.append(f"{where} is not an object")
            ks.append(None)
            es.append(None)
            continue
        name = view.get("name")
        if not (isinstance(name, str) and name):
            problems.append(f"{where}.name is missing or not a non-empty string: {name!r}")
        else:
            names.append(name)
        if not isinstance(view.get("has_depth"), bool):
            problems.append(f"{where}.has_depth is missing or not a boolean: {view.get('has_depth')!r}")
        k = _matrix(view.get("K"), 3, 3)
        if k is None:
            problems.append(f"{where}.K is missing or not a 3x3 list of finite numbers")
        elif not (np.array_equal(k[2], [0, 0, 1]) and k[1, 0] == 0 and k[0, 0] > 0 and k[1, 1] > 0):
            problems.append(f"{where}.K is not an intrinsic matrix (positive focal lengths, "
                            f"K[1][0] = 0, last row [0, 0, 1]): {k.tolist()}")
            k = None
        ks.append(k)
        k_source = _matrix(view.get("K_source"), 3, 3)
        if k_source is None:
            problems.append(f"{where}.K_source is missing or not a 3x3 list of finite numbers")
        elif k_source[2, 0] != 0 or k_source[2, 1] != 0 or k_source[2, 2] == 0:
            problems.append(f"{where}.K_source's last row is not (0, 0, c != 0): {k_source[2].tolist()}")
        elif k is not None and mapping is not None:
            expected = mapping @ k_source / k_source[2, 2]
            off = float(np.abs(k - expected).max())
            if off > 1e-6 * max(1.0, float(np.abs(expected).max())):
                problems.append(f"{where}.K is not K_source mapped by meta.transform (differs by up to {off:.3g})")
        ext = view.get("extrinsics_w2c")
        if not isinstance(ext, list):
            problems.append(f"{where}.extrinsics_w2c is missing or not a list of 3x4 matrices")
            es.append(None)
            continue
        if t is not None and len(ext) != t:
            problems.append(f"{where}.extrinsics_w2c has {len(ext)} matrices, the labels have T = {t}")
            es.append(None)
            continue
        mats = [_matrix(e, 3, 4) for e in ext]
        bad = [f for f, m in enumerate(mats) if m is None]
        if bad or not mats:
            problems.append(f"{where}.extrinsics_w2c[{bad[0] if bad else 0}] is not a 3x4 list of finite numbers")
            es.append(None)
            continue
        e = np.stack(mats)
        r = e[:, :, :3]
        deviation = np.abs(r @ r.transpose(0, 2, 1) - np.eye(3)).max(axis=(1, 2))
        det = np.linalg.det(r)
        wrong = np.flatnonzero((deviation >= 1e-3) | (np.abs(det - 1) >= 1e-3))
        if wrong.size:
            f = int(wrong[0])
            problems.append(f"{where}.extrinsics_w2c[{f}]: R is not a rotation "
                            f"(|R·Rᵀ − I| = {deviation[f]:.3g}, det = {det[f]:.6g})")
            e = None
        es.append(e)
    if len(set(names)) != len(names):
        problems.append(f"meta.rig.views names are not distinct: {names}")
    k_all = np.stack(ks) if all(k is not None for k in ks) else None
    e_all = np.stack(es) if all(e is not None for e in es) else None
    return len(views), k_all, e_all


def _check_rig(sample: Mapping[str, Any], t: Optional[int], n: Optional[int], meta: Any,
               problems: List[str]) -> Optional[int]:
    """The rig columns and meta.rig (§5.4). Returns V for a rig clip, None otherwise."""
    present = [c for c in RIG_COLUMNS if c in sample]
    if not present:
        if isinstance(meta, dict) and "rig" in meta:
            problems.append("meta.rig is present but the rig columns are not")
        if "depth_views" in sample:
            problems.append("depth_views is present but the rig columns are not (depth is a rig column)")
        return None
    if len(present) != len(RIG_COLUMNS):
        missing = [c for c in RIG_COLUMNS if c not in sample]
        problems.append(f"rig columns come together: {missing} missing (present: {present})")
    v_meta, k, e = _check_rig_meta(meta, t, problems)

    t3 = _array(sample, "tracks3d", "float32", 3, problems) if "tracks3d" in sample else None
    if t3 is not None and t is not None:
        if t3.shape != (t, n, 3):
            problems.append(f"tracks3d has shape {list(t3.shape)}, expected [T, N, 3] = [{t}, {n}, 3]")
            t3 = None
        elif not np.all(np.isfinite(t3)):
            problems.append("tracks3d holds NaN or infinite values")
            t3 = None
    tv = _array(sample, "tracks_views", "float32", 4, problems) if "tracks_views" in sample else None
    v = v_meta if v_meta is not None else (tv.shape[0] if tv is not None else None)
    if tv is not None and t is not None:
        if tv.shape != (v, t, n, 2):
            problems.append(f"tracks_views has shape {list(tv.shape)}, expected [V, T, N, 2] = [{v}, {t}, {n}, 2]"
                            + (" (V = len(meta.rig.views))" if v_meta is not None else ""))
            tv = None
        elif not np.all(np.isfinite(tv)):
            problems.append("tracks_views holds NaN or infinite values")
            tv = None
    vv = _array(sample, "visibility_views", "uint8", 3, problems) if "visibility_views" in sample else None
    if vv is not None and t is not None:
        if vv.shape != (v, t, n):
            problems.append(f"visibility_views has shape {list(vv.shape)}, expected [V, T, N] = [{v}, {t}, {n}]")
            vv = None
        elif np.any(vv > 1):
            problems.append("visibility_views holds values other than 0 and 1")
            vv = None
    dv = _array(sample, "depth_views", "uint16", 4, problems) if "depth_views" in sample else None
    if dv is not None and t is not None:
        stored = meta.get("stored") if isinstance(meta, dict) else None
        hw = (stored.get("height"), stored.get("width")) if isinstance(stored, dict) else (None, None)
        if dv.shape[:2] != (v, t) or (None not in hw and dv.shape[2:] != hw):
            problems.append(f"depth_views has shape {list(dv.shape)}, expected [V, T, H, W] = [{v}, {t}, {hw[0]}, {hw[1]}]")
    qv = _array(sample, "query_view", "int32", 1, problems) if "query_view" in sample else None
    if qv is not None and n is not None:
        if qv.shape != (n,):
            problems.append(f"query_view has shape {list(qv.shape)}, expected [N] = [{n}]")
            qv = None
        elif v is not None and (np.any(qv < 0) or np.any(qv >= v)):
            problems.append(f"query_view holds a view index outside [0, V) = [0, {v})")
            qv = None

    tracks, vis, valid = sample.get("tracks"), sample.get("visibility"), sample.get("valid")
    ok_tn = [isinstance(a, np.ndarray) and a.shape == shape
             for a, shape in ((tracks, (t, n, 2)), (vis, (t, n)), (valid, (t, n)))]
    idx = np.arange(n) if n is not None else None
    if qv is not None and tv is not None and ok_tn[0]:
        own = tv[qv, :, idx].transpose(1, 0, 2)  # [T, N, 2]: each point in its query view
        diff = np.abs(own.astype(np.float64) - tracks).max(axis=(0, 2))
        if diff.max() > 1e-3:
            worst = int(diff.argmax())
            problems.append(f"tracks differ from tracks_views[query_view] by up to {diff[worst]:.3g} px "
                            f"(point {worst}, query view {int(qv[worst])})")
    if qv is not None and vv is not None and ok_tn[1]:
        mismatch = np.flatnonzero((vv[qv, :, idx].T != vis).any(axis=0))
        if mismatch.size:
            problems.append(f"visibility differs from visibility_views[query_view] for {mismatch.size} point(s) "
                            f"(first: point {int(mismatch[0])}, query view {int(qv[mismatch[0]])})")
    if vv is not None and ok_tn[2] and np.any((valid == 0)[None] & (vv != 0)):
        problems.append("visibility_views is 1 where valid is 0")

    stored = meta.get("stored") if isinstance(meta, dict) and isinstance(meta.get("stored"), dict) else {}
    width, height = stored.get("width"), stored.get("height")
    rig_views = meta["rig"].get("views") if isinstance(meta, dict) and isinstance(meta.get("rig"), dict) else None
    names = [f"view {i} ({x.get('name')})" if isinstance(x, dict) else f"view {i}"
             for i, x in enumerate(rig_views if isinstance(rig_views, list) else [])]
    names += [f"view {i}" for i in range(len(names), v or 0)]
    if tv is not None and vv is not None and _is_int(width) and _is_int(height):
        seen = vv == 1
        outside = seen & ((tv[..., 0] < -0.5) | (tv[..., 0] > width - 0.5)
                          | (tv[..., 1] < -0.5) | (tv[..., 1] > height - 0.5))
        for view in np.flatnonzero(outside.any(axis=(1, 2))):
            f, p = np.argwhere(outside[view])[0]
            problems.append(f"{names[view]}: visibility_views is 1 where tracks_views lies outside the "
                            f"{width}x{height} frame (frame {f}, point {p})")
    if k is not None and e is not None and t3 is not None and tv is not None and vv is not None and ok_tn[2]:
        from .rig import project
        for view in range(v):
            uv, z = project(k[view], e[view], t3)
            check = (valid == 1) & (vv[view] == 1)
            behind = check & (z <= 0)
            if behind.any():
                f, p = np.argwhere(behind)[0]
                problems.append(f"{names[view]}: visible where tracks3d is behind the camera "
                                f"(frame {f}, point {p})")
                continue
            if not check.any():
                continue
            err = np.where(check, np.abs(uv - tv[view]).max(axis=-1), 0.0)
            if err.max() > 0.05:
                f, p = np.unravel_index(int(err.argmax()), err.shape)
                problems.append(f"{names[view]}: tracks_views differ from the projection of "
                                f"tracks3d by up to {err.max():.3g} px (frame {f}, point {p})")
    return v


def check_sample(sample: Mapping[str, Any], *, decode_video: bool = False) -> List[str]:
    """Problems of one decoded sample against the schema (empty when it conforms).
    With ``decode_video`` the MP4 is decoded and its frames counted and measured."""
    problems: List[str] = []
    for name in sample:
        if name not in SCHEMA_COLUMNS:
            problems.append(f"column {name!r} is not in the schema")
    if "video_mp4" in sample and "frames" in sample:
        problems.append("both video_mp4 and frames are present (one media column at most)")

    tracks = _array(sample, "tracks", "float32", 3, problems)
    t = n = None
    if tracks is not None:
        t, n = tracks.shape[0], tracks.shape[1]
        if tracks.shape[2] != 2:
            problems.append(f"tracks has shape {list(tracks.shape)}, expected [T, N, 2]")
        if not np.all(np.isfinite(tracks)):
            problems.append("tracks holds NaN or infinite values")
    for name, dtype in (("visibility", "uint8"), ("valid", "uint8"), ("confidence", "float16")):
        a = _array(sample, name, dtype, 2, problems)
        if a is None or t is None:
            continue
        if a.shape != (t, n):
            problems.append(f"{name} has shape {list(a.shape)}, expected [T, N] = [{t}, {n}]")
            continue
        if dtype == "uint8" and np.any(a > 1):
            problems.append(f"{name} holds values other than 0 and 1")
        if name == "confidence" and not (np.all(np.isfinite(a)) and np.all((a >= 0) & (a <= 1))):
            problems.append("confidence holds values outside [0, 1]")
    vis, valid, conf = sample.get("visibility"), sample.get("valid"), sample.get("confidence")
    if t is not None and all(isinstance(a, np.ndarray) and a.shape == (t, n) for a in (vis, valid, conf)):
        if np.any((valid == 0) & (vis != 0)):
            problems.append("visibility is 1 where valid is 0")
        if np.any((valid == 0) & (conf.astype(np.float32) != 0)):
            problems.append("confidence is not 0 where valid is 0")

    queries = _array(sample, "queries", "float32", 2, problems)
    if queries is not None and t is not None:
        if queries.shape != (n, 3):
            problems.append(f"queries has shape {list(queries.shape)}, expected [N, 3] = [{n}, 3]")
        else:
            qt = queries[:, 0]
            if not np.all(np.isfinite(queries)):
                problems.append("queries holds NaN or infinite values")
            elif np.any(qt != np.round(qt)) or np.any(qt < 0) or np.any(qt >= t):
                problems.append("query frames (queries[:, 0]) are not integers in [0, T)")
            elif tracks is not None and tracks.shape[2] == 2:
                idx = qt.astype(np.int64)
                at = tracks[idx, np.arange(n)]
                off = np.abs(at - queries[:, 1:3]).max() if n else 0.0
                if off > 1e-3:
                    problems.append(f"tracks at the query frames differ from the query points (by up to {off:.3g} px)")
                if isinstance(vis, np.ndarray) and vis.shape == (t, n) and np.any(vis[idx, np.arange(n)] != 1):
                    problems.append("some points are not visible at their own query frame")
                if isinstance(valid, np.ndarray) and valid.shape == (t, n) and np.any(valid[idx, np.arange(n)] != 1):
                    problems.append("some points are not valid at their own query frame")

    meta = sample.get("meta")
    _check_meta(meta, t, problems)
    stored = meta.get("stored") if isinstance(meta, dict) and isinstance(meta.get("stored"), dict) else {}
    width, height = stored.get("width"), stored.get("height")

    views = _check_rig(sample, t, n, meta, problems)
    tiles = views or 1  # a rig clip's views are stored side by side
    stored_w = width * tiles if _is_int(width) else width

    if "frames" in sample:
        frames = _array(sample, "frames", "uint8", 4, problems)
        if frames is not None:
            if t is not None and frames.shape[0] != t:
                problems.append(f"frames has {frames.shape[0]} frames, the labels have T = {t}")
            if frames.shape[3] != 3 or (stored_w, height) != (frames.shape[2], frames.shape[1]):
                wide = f"{tiles} x {width}" if views else f"{width}"
                problems.append(f"frames has shape {list(frames.shape)}, expected [T, {height}, {wide}, 3]"
                                + (f" ({views} views side by side)" if views else ""))
    if "video_mp4" in sample:
        data = sample["video_mp4"]
        if not isinstance(data, (bytes, bytearray)) or len(data) < 8 or data[4:8] != b"ftyp":
            problems.append("video_mp4 does not start with an MP4 'ftyp' box")
        if _is_int(width) and _is_int(height) and (width % 2 or height % 2):
            problems.append(f"stored size {width}x{height} is odd; yuv420p H.264 needs even sizes")
        if decode_video:
            from .video import decode_mp4
            try:
                frames = decode_mp4(data)
            except Exception as error:  # noqa: BLE001 - reported, not raised
                problems.append(f"video_mp4 does not decode: {error}")
            else:
                if t is not None and frames.shape[0] != t:
                    problems.append(f"video_mp4 decodes to {frames.shape[0]} frames, the labels have T = {t}")
                if (stored_w, height) != (frames.shape[2], frames.shape[1]):
                    if views:
                        problems.append(f"video_mp4 is {frames.shape[2]}x{frames.shape[1]}; {views} views of "
                                        f"meta.stored {width}x{height} side by side make {stored_w}x{height}")
                    else:
                        problems.append(f"video_mp4 is {frames.shape[2]}x{frames.shape[1]}, meta.stored says {width}x{height}")
    return problems


def check_dataset(root: str, *, decode_video: bool = False, max_problems: int = 50) -> List[str]:
    """Problems of a shard directory against the shard format: the index entries, the
    files on disk, each shard's layout and embedded configuration, that every shard has
    shard 0's columns (with encodings) and compression except for the four rig columns,
    which a shard has all or none of, and every sample against the schema. Empty when it
    conforms. A directory may mix video-clip and rig-clip shards."""
    problems: List[str] = []

    def add(msg: str) -> None:
        if len(problems) < max_problems:
            problems.append(msg)

    try:
        ds = ShardDataset(root, verify=True)
    except ShardFormatError as error:
        return [str(error)]
    names = sorted(os.listdir(root))
    expected_files = {INDEX_BASENAME}
    base0 = compression0 = None  # shard 0's columns other than the rig ones (with encodings), compression
    for info in ds.shards:
        where = f"shard {info.index}"
        entry = info.entry
        keys = set(entry)
        if keys != SHARD_ENTRY_KEYS:
            extra, missing = sorted(keys - SHARD_ENTRY_KEYS), sorted(SHARD_ENTRY_KEYS - keys)
            add(f"{where}: entry keys differ from MDS's (extra {extra}, missing {missing})")
        if info.compression not in COMPRESSIONS:
            add(f"{where}: compression {info.compression!r}, expected 'zstd' or 'zstd:1'..'zstd:22'")
        if info.zip_data is None:
            add(f"{where}: zip_data is null; PseudoTrack shards are compressed")
        if list(info.hashes) != sorted(set(info.hashes)) or "sha1" not in info.hashes:
            add(f"{where}: hashes {list(info.hashes)} must be sorted, unique and include 'sha1'")
        for fi, label in ((info.raw_data, "raw_data"), (info.zip_data, "zip_data")):
            if fi is not None and set(fi.hashes) != set(info.hashes):
                add(f"{where}: {label}.hashes has {sorted(fi.hashes)}, 'hashes' lists {list(info.hashes)}")
        base = f"shard.{info.index:05d}.mds"
        if info.raw_data.basename != base:
            add(f"{where}: raw_data.basename {info.raw_data.basename!r}, expected {base!r}")
        if info.zip_data is not None and info.zip_data.basename != base + ".zstd":
            add(f"{where}: zip_data.basename {info.zip_data.basename!r}, expected {base + '.zstd'!r}")
        if info.samples < 1:
            add(f"{where}: holds no samples")
        if info.zip_data is not None:
            expected_files.add(info.zip_data.basename)
            if info.raw_data.basename in names:
                add(f"{where}: the uncompressed {info.raw_data.basename} is on disk beside the compressed file")
        else:
            expected_files.add(info.raw_data.basename)
        cols = list(info.column_names)
        if cols != sorted(cols) or len(set(cols)) != len(cols):
            add(f"{where}: column_names are not sorted and unique: {cols}")
        for name, enc, size in zip(info.column_names, info.column_encodings, info.column_sizes):
            want = SCHEMA_COLUMNS.get(name)
            if want is None:
                add(f"{where}: column {name!r} is not in the schema")
            elif enc != want:
                add(f"{where}: column {name!r} has encoding {enc!r}, the schema says {want!r}")
            try:
                fixed = encoding_fixed_size(enc)
            except ShardFormatError as error:
                add(f"{where}: {error}")
                continue
            if size != fixed:
                add(f"{where}: column {name!r} size {size!r}, its encoding {enc!r} means {fixed!r}")
        missing = [c for c in LABEL_COLUMNS if c not in cols]
        if missing:
            add(f"{where}: required columns missing: {missing}")
        rig = [c for c in cols if c in RIG_COLUMNS]
        if rig and len(rig) != len(RIG_COLUMNS):
            add(f"{where}: has rig columns {rig} but not {[c for c in RIG_COLUMNS if c not in rig]}: "
                "a rig shard has all four")
        # Every shard has shard 0's columns and compression, but for the rig columns (§2, §5):
        # a directory may hold video-clip shards and rig-clip shards.
        base = [(c, e) for c, e in zip(info.column_names, info.column_encodings)
                if c not in RIG_COLUMNS and c not in RIG_DEPTH_COLUMNS]
        if base0 is None:
            base0, compression0 = base, info.compression
        else:
            if base != base0:
                mine, theirs = dict(base), dict(base0)
                diff = sorted(set(mine.items()) ^ set(theirs.items()))
                detail = ", ".join(f"{c}: {mine.get(c, 'absent')} here, {theirs.get(c, 'absent')} in shard 0"
                                   for c in sorted({c for c, _ in diff}))
                add(f"{where}: columns other than the rig ones differ from shard 0's ({detail})")
            if info.compression != compression0:
                add(f"{where}: compression {info.compression!r} differs from shard 0's {compression0!r}")
        if info.size_limit is not None and info.raw_data.bytes > info.size_limit and info.samples > 1:
            add(f"{where}: {info.raw_data.bytes} bytes, over its size_limit {info.size_limit} with more than one sample")
        try:
            loaded = ds.read_shard(info.index, verify=True)
        except ShardFormatError as error:
            add(str(error))
            continue
        try:
            config = json.loads(loaded.config.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            add(f"{where}: the configuration inside the shard is not JSON: {error}")
        else:
            want_config = {k: entry.get(k) for k in ("column_encodings", "column_names", "column_sizes",
                                                     "compression", "format", "hashes", "size_limit", "version")}
            if config != want_config:
                add(f"{where}: the configuration inside the shard differs from its index entry: {config!r}")
        for local in range(info.samples):
            g = info.first + local
            try:
                sample = ds[g]
            except ShardFormatError as error:
                add(f"sample {g}: {error}")
                continue
            for p in check_sample(sample, decode_video=decode_video):
                add(f"sample {g} ({where}): {p}")
    flagged = {info.raw_data.basename for info in ds.shards}  # raw beside zip: reported above
    for name in names:
        if name.startswith("."):
            continue  # the writer's own files (lock, temporaries): not part of the data set
        if name not in expected_files and name not in flagged:
            add(f"unexpected file in the shard directory: {name}")
    for name in expected_files:
        if name not in names:
            add(f"missing file: {name}")
    return problems
