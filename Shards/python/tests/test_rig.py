"""Rig clips (Shards/README.md §5.4): synthetic calibrated views with exact projections,
written with tests/mds_writer.py, checked, split into views and exported to TAPVid-3D and
MVTracker's layouts, then loaded back the way those tools load them."""

import copy
import hashlib
import io
import json
import os

import numpy as np
import pytest

from conftest import assert_same_sample, streaming_copy, synthetic_clip
from mds_writer import MDSWriter, encode_h264
from pseudotrack_data import (check_dataset, check_sample, export_mvtracker, export_tapvid3d, open_shards,
                              rig_view, sample_frames, sample_views, to_cotracker)
from pseudotrack_data.__main__ import main
from pseudotrack_data.schema import LABEL_COLUMNS, RIG_COLUMNS


def _look_at(centre, target=(0.0, 0.0, 0.0), up=(0.0, 0.0, 1.0)):
    """World -> camera [R | t] of a camera at ``centre`` looking at ``target`` (x right, y down, z forward)."""
    c = np.asarray(centre, np.float64)
    f = np.asarray(target, np.float64) - c
    f /= np.linalg.norm(f)
    r = np.cross(f, up)
    r /= np.linalg.norm(r)
    d = np.cross(f, r)
    rot = np.stack([r, d, f])
    return np.concatenate([rot, (-rot @ c)[:, None]], axis=1)


def rig_content_hash(rig):
    """§5.4's content hash of a (made-up) rig: SHA-256 of rig.json's bytes followed by the
    views' video SHA-256 digests, hex, joined by newlines, in view order."""
    rig_json = json.dumps({"cameras": [v["name"] for v in rig["views"]], "fps": rig["fps"]}).encode()
    videos = [hashlib.sha256(f"{rig['uri']}/{v['name']}.mp4".encode()).hexdigest() for v in rig["views"]]
    return hashlib.sha256(rig_json + "\n".join(videos).encode()).hexdigest()


def rig_clip(seed, t=6, n=14, views=3, width=32, height=24):
    """A rig clip that follows §5.4: world points moving linearly, seen by ``views``
    cameras (view 1 moves), projections computed exactly, some frames occluded, some
    without a label. Returns the sample (media: ``frames``) and its views [V, T, H, W, 3]."""
    rng = np.random.default_rng(100 + seed)
    k_source = np.array([[60.0, 0, width - 0.5 + 0.75], [0, 60.0, height - 0.5 - 0.5], [0, 0, 1]])
    scale, offset = 0.5, -0.25
    mapping = np.array([[scale, 0, offset], [0, scale, offset], [0, 0, 1]])
    k = mapping @ k_source
    ext = np.empty((views, t, 3, 4))
    for v in range(views):
        angle = np.deg2rad(110 * v + 10 * seed)
        for f in range(t):
            drift = 0.05 * f if v == 1 else 0.0
            centre = (4 * np.cos(angle + drift), 4 * np.sin(angle + drift), 0.6 + 0.1 * v)
            ext[v, f] = _look_at(centre)
    start = rng.uniform([-1.2, -1.2, -0.6], [1.2, 1.2, 0.6], (n, 3))
    velocity = rng.uniform(-0.06, 0.06, (n, 3))
    velocity[-1] = (0.8, -0.5, 0.3)                               # leaves the views' frames
    tracks3d = (start[None] + np.arange(t)[:, None, None] * velocity[None]).astype(np.float32)
    tv = np.empty((views, t, n, 2))
    z = np.empty((views, t, n))
    for v in range(views):
        cam = np.einsum("tij,tnj->tni", ext[v, :, :, :3], tracks3d.astype(np.float64)) + ext[v, :, None, :, 3]
        h = cam @ k.T
        tv[v], z[v] = h[..., :2] / h[..., 2:], cam[..., 2]
    inside = (z > 0) & (tv[..., 0] >= -0.5) & (tv[..., 0] <= width - 0.5) & (tv[..., 1] >= -0.5) & (tv[..., 1] <= height - 0.5)
    seen = inside & (rng.uniform(size=inside.shape) > 0.2)       # the depth test hides some
    valid = np.ones((t, n), np.uint8)
    valid[t // 2, ::4] = 0                                        # no 3-D label there
    seen &= valid[None] == 1
    query_view = np.empty(n, np.int32)
    q_t = np.empty(n, np.int64)
    for i in range(n):
        candidates = np.argwhere(seen[:, :, i])
        if len(candidates) == 0:                                  # make one view see it once
            candidates = np.argwhere(inside[:, :, i] & (valid[None, :, i] == 1))
            seen[candidates[0][0], candidates[0][1], i] = True
        query_view[i], q_t[i] = candidates[rng.integers(len(candidates))]
    tracks_views = tv.astype(np.float32)
    visibility_views = seen.astype(np.uint8)
    idx = np.arange(n)
    tracks = np.ascontiguousarray(tracks_views[query_view, :, idx].transpose(1, 0, 2))
    visibility = np.ascontiguousarray(visibility_views[query_view, :, idx].T)
    confidence = np.where(valid == 1, rng.uniform(0.5, 1.0, (t, n)), 0).astype(np.float16)
    queries = np.concatenate([q_t[:, None].astype(np.float32), tracks[q_t, idx]], axis=1)

    meta = synthetic_clip(seed, t=t, n=2, width=width, height=height)[0]["meta"]
    meta["clip_id"] = f"rig-{seed:03d}/clip-0"
    meta["rig"] = {
        "uri": f"/data/rigs/rig-{seed:03d}", "fps": 30.0, "depth_unit_m": 0.001,
        "views": [{"name": f"cam{v}", "K": k.tolist(), "K_source": k_source.tolist(),
                   "extrinsics_w2c": ext[v].tolist(), "has_depth": v == 0} for v in range(views)],
    }
    # meta.video describes the rig: its directory, its content hash, one view's source size, its fps.
    meta["video"] = {"uri": meta["rig"]["uri"], "sha256": rig_content_hash(meta["rig"]),
                     "width": 2 * width, "height": 2 * height, "fps": meta["rig"]["fps"]}
    pixels = np.stack([synthetic_clip(10 * seed + v, t=t, n=2, width=width, height=height)[1]
                       for v in range(views)])
    sample = {
        "tracks": tracks, "visibility": visibility, "valid": valid, "confidence": confidence,
        "queries": queries, "meta": meta, "query_view": query_view, "tracks3d": tracks3d,
        "tracks_views": tracks_views, "visibility_views": visibility_views,
        "frames": np.concatenate(list(pixels), axis=2),          # views side by side
    }
    return sample, pixels


def _write_rig_shards(out, media, clips=3):
    columns = {**LABEL_COLUMNS, **RIG_COLUMNS}
    if media == "video_mp4":
        columns["video_mp4"] = "bytes"
    elif media == "frames":
        columns["frames"] = "ndarray:uint8"
    written = []
    with MDSWriter(out, columns, size_limit=100_000) as writer:
        for seed in range(clips):
            sample, pixels = rig_clip(seed, views=2 + seed % 2)
            frames = sample.pop("frames")
            if media == "video_mp4":
                sample["video_mp4"] = encode_h264(frames, fps=30.0)
            elif media == "frames":
                sample["frames"] = frames
            writer.write(sample)
            written.append((sample, pixels))
    return written


@pytest.fixture(scope="session")
def rig_frames_dir(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("rig_frames"))
    return out, _write_rig_shards(out, "frames")


@pytest.fixture(scope="session")
def rig_video_dir(tmp_path_factory):
    pytest.importorskip("av")
    out = str(tmp_path_factory.mktemp("rig_video"))
    return out, _write_rig_shards(out, "video_mp4")


def _decode_jpeg(data):
    try:
        from PIL import Image
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    except ImportError:
        cv2 = pytest.importorskip("cv2")
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]


def _need_jpeg():
    try:
        import PIL  # noqa: F401
    except ImportError:
        pytest.importorskip("av")


# --- the schema -------------------------------------------------------------------------------

def test_synthetic_rig_clips_conform():
    for seed in range(4):
        sample, _ = rig_clip(seed, views=1 + seed)
        assert check_sample(sample) == [], seed
        assert sample["valid"].min() == 0 and sample["visibility_views"].any()
        tv = sample["tracks_views"]
        assert ((tv[..., 0] < -0.5) | (tv[..., 0] > 31.5)).any()   # some labels outside the frames


def test_rig_shards_conform_and_round_trip(rig_frames_dir):
    root, written = rig_frames_dir
    assert check_dataset(root) == []
    ds = open_shards(root)
    assert len(ds.shards) > 1 and len(ds) == len(written)
    for got, (want, _) in zip(ds, written):
        assert sorted(got) == sorted(want)
        for key, value in want.items():
            if isinstance(value, np.ndarray):
                assert got[key].dtype == value.dtype, key
                np.testing.assert_array_equal(got[key], value, err_msg=key)
        assert got["meta"] == want["meta"]


def test_rig_video_decodes_tiled(rig_video_dir):
    root, written = rig_video_dir
    assert check_dataset(root, decode_video=True) == []
    for s, (_, pixels) in zip(open_shards(root), written):
        v, t, h, w, _ = pixels.shape
        assert sample_frames(s).shape == (t, h, v * w, 3)
        views = sample_views(s)
        assert views.shape == pixels.shape and views.dtype == np.uint8
        assert np.abs(views.astype(np.int16) - pixels).mean() < 12   # H.264, not bit-exact
        # Each view is its own picture, not a neighbour's.
        assert np.abs(views[1:].astype(np.int16) - pixels[:-1]).mean() > 3 * np.abs(views.astype(np.int16) - pixels).mean()


def test_sample_views_splits_frames(rig_frames_dir):
    root, written = rig_frames_dir
    for s, (_, pixels) in zip(open_shards(root), written):
        np.testing.assert_array_equal(sample_views(s), pixels)
        v, t, h, w, _ = pixels.shape
        assert sample_frames(s).shape == (t, h, v * w, 3)
        np.testing.assert_array_equal(sample_frames(s)[:, :, w:2 * w], pixels[1])


def test_sample_views_of_a_single_view_clip(synthetic_dir):
    root, written = synthetic_dir
    s = open_shards(root)[0]
    frames = sample_frames(s)
    assert sample_views(s, frames=frames).shape == (1,) + frames.shape


def _entry(sample, valid=1, visible=1, other_view=True):
    """A (view, frame, point) with the given labels, in a view other than the point's query view."""
    vv, qv = sample["visibility_views"], sample["query_view"]
    for v, f, p in np.argwhere(vv == visible):
        if sample["valid"][f, p] == valid and (v != qv[p]) == other_view and f != sample["queries"][p, 0]:
            return int(v), int(f), int(p)
    raise AssertionError("no such entry")


def _corrupt_query_view(s):
    s["query_view"][0] = (s["query_view"][0] + 1) % len(s["meta"]["rig"]["views"])


def _corrupt_projection(s):
    v, f, p = _entry(s)
    s["tracks_views"][v, f, p, 0] += 1.0


def _corrupt_visible_unlabelled(s):
    f, p = map(int, np.argwhere(s["valid"] == 0)[0])
    v = (int(s["query_view"][p]) + 1) % len(s["meta"]["rig"]["views"])
    s["visibility_views"][v, f, p] = 1


def _corrupt_visibility(s):
    f, p = map(int, np.argwhere((s["valid"] == 1) & (s["visibility"] == 1))[-1])
    if f == s["queries"][p, 0]:
        f, p = map(int, np.argwhere((s["valid"] == 1) & (s["visibility"] == 0))[0])
    s["visibility"][f, p] ^= 1


def _corrupt_rotation(s):
    s["meta"]["rig"]["views"][1]["extrinsics_w2c"][2][0][0] *= 1.01


def _corrupt_k(s):
    s["meta"]["rig"]["views"][0]["K"][0][2] += 0.5


def _corrupt_behind(s):
    v, f, p = _entry(s)
    e = np.array(s["meta"]["rig"]["views"][v]["extrinsics_w2c"][f])
    s["meta"]["rig"]["views"][v]["extrinsics_w2c"][f] = (np.diag([-1.0, 1, -1]) @ e).tolist()  # turned round


def _corrupt_outside(s):
    v, f, p = _entry(s)
    s["tracks_views"][v, f, p] = (-3.0, 5.0)


CORRUPTIONS = [
    ("wrong query_view", _corrupt_query_view, "tracks differ from tracks_views[query_view]"),
    ("projection off by 1 px", _corrupt_projection, "tracks_views differ from the projection of tracks3d by up to 1 px"),
    ("visible where valid is 0", _corrupt_visible_unlabelled, "visibility_views is 1 where valid is 0"),
    ("rig column missing", lambda s: s.pop("tracks3d"), "rig columns come together: ['tracks3d'] missing"),
    ("meta.rig missing", lambda s: s["meta"].pop("rig"), "meta.rig is missing"),
    ("meta.rig without the columns", lambda s: [s.pop(c) for c in RIG_COLUMNS],
     "meta.rig is present but the rig columns are not"),
    ("visibility is not the query view's", _corrupt_visibility, "visibility differs from visibility_views[query_view]"),
    ("query_view out of range", lambda s: s["query_view"].__setitem__(0, 7), "query_view holds a view index outside"),
    ("query_view dtype", lambda s: s.__setitem__("query_view", s["query_view"].astype(np.int64)),
     "query_view has dtype int64, expected int32"),
    ("tracks_views shape", lambda s: s.__setitem__("tracks_views", s["tracks_views"][:-1]),
     "tracks_views has shape"),
    ("tracks3d NaN", lambda s: s["tracks3d"].__setitem__((0, 0, 0), np.nan), "tracks3d holds NaN"),
    ("R not a rotation", _corrupt_rotation, "meta.rig.views[1].extrinsics_w2c[2]: R is not a rotation"),
    ("K not mapped from K_source", _corrupt_k, "meta.rig.views[0].K is not K_source mapped by meta.transform"),
    ("K not 3x3", lambda s: s["meta"]["rig"]["views"][0].__setitem__("K", [[1, 0, 0], [0, 1, 0]]),
     "meta.rig.views[0].K is missing or not a 3x3"),
    ("extrinsics per frame", lambda s: s["meta"]["rig"]["views"][0]["extrinsics_w2c"].pop(),
     "meta.rig.views[0].extrinsics_w2c has 5 matrices, the labels have T = 6"),
    ("view names", lambda s: s["meta"]["rig"]["views"][1].__setitem__("name", "cam0"), "names are not distinct"),
    ("has_depth", lambda s: s["meta"]["rig"]["views"][0].pop("has_depth"), "meta.rig.views[0].has_depth"),
    ("depth unit", lambda s: s["meta"]["rig"].__setitem__("depth_unit_m", 0), "meta.rig.depth_unit_m"),
    ("depth unit missing", lambda s: s["meta"]["rig"].pop("depth_unit_m"), "meta.rig.depth_unit_m is missing"),
    ("fps not positive", lambda s: s["meta"]["rig"].__setitem__("fps", 0), "meta.rig.fps is missing or not a positive"),
    ("meta.video is not the rig", lambda s: s["meta"]["video"].__setitem__("uri", "/data/rigs/rig-001/cam0.mp4"),
     "meta.video.uri '/data/rigs/rig-001/cam0.mp4' is not meta.rig.uri"),
    ("meta.video.fps is not the rig's", lambda s: s["meta"]["video"].__setitem__("fps", 15.0),
     "meta.video.fps 15.0 is not meta.rig.fps 30.0"),
    ("visible behind the camera", _corrupt_behind, "visible where tracks3d is behind the camera"),
    ("visible outside the frame", _corrupt_outside, "visibility_views is 1 where tracks_views lies outside"),
    ("frames not tiled", lambda s: s.__setitem__("frames", np.ascontiguousarray(s["frames"][:, :, :32])),
     "(3 views side by side)"),
]


@pytest.mark.parametrize("name,corrupt,message", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_each_broken_rig_invariant_is_reported(name, corrupt, message):
    sample, _ = rig_clip(1, views=3)
    assert check_sample(sample) == []
    bad = copy.deepcopy(sample)
    corrupt(bad)
    problems = check_sample(bad)
    assert any(message in p for p in problems), problems


def test_named_corruptions_report_one_problem():
    sample, _ = rig_clip(2, views=3)
    for corrupt, message in ((_corrupt_projection, "projection"), (_corrupt_visible_unlabelled, "valid is 0"),
                             (lambda s: s.pop("visibility_views"), "come together")):
        bad = copy.deepcopy(sample)
        corrupt(bad)
        problems = check_sample(bad)
        assert len(problems) == 1 and message in problems[0], problems


def test_corrupt_rig_directory_is_reported(tmp_path):
    sample, _ = rig_clip(0)
    _corrupt_projection(sample)
    with MDSWriter(str(tmp_path), {**LABEL_COLUMNS, **RIG_COLUMNS, "frames": "ndarray:uint8"}) as w:
        w.write(sample)
    problems = check_dataset(str(tmp_path))
    assert len(problems) == 1 and problems[0].startswith("sample 0 (shard 0): view ")


# --- views as single-view samples ------------------------------------------------------------

def test_rig_view_query_points(rig_frames_dir):
    root, written = rig_frames_dir
    s = open_shards(root)[0]
    pixels = written[0][1]
    for v in range(pixels.shape[0]):
        single, idx = rig_view(s, v)
        np.testing.assert_array_equal(idx, np.flatnonzero(s["query_view"] == v))
        np.testing.assert_array_equal(single["tracks"], s["tracks"][:, idx])
        np.testing.assert_array_equal(single["queries"], s["queries"][idx])
        np.testing.assert_array_equal(single["frames"], pixels[v])
        assert "rig" not in single["meta"] and single["meta"]["rig_view"]["name"] == f"cam{v}"
        assert check_sample(single) == []


def test_rig_view_seen_points_get_queries_in_the_view(rig_frames_dir):
    root, _ = rig_frames_dir
    s = open_shards(root)[2]
    for v in range(len(s["meta"]["rig"]["views"])):
        single, idx = rig_view(s, v, points="seen")
        seen = (s["visibility_views"][v] == 1) & (s["valid"] == 1)
        np.testing.assert_array_equal(idx, np.flatnonzero(seen.any(0)))
        own = s["query_view"][idx] == v
        np.testing.assert_array_equal(single["queries"][own], s["queries"][idx[own]])
        assert (s["query_view"][idx] != v).any()
        assert check_sample(single) == []   # queries on the track, visible and valid there


def test_to_cotracker_takes_one_view(rig_frames_dir):
    root, written = rig_frames_dir
    s = open_shards(root)[1]
    with pytest.raises(ValueError, match="view="):
        to_cotracker(s)
    for v in range(written[1][1].shape[0]):
        mine = s["query_view"] == v
        if not mine.any():
            continue
        d = to_cotracker(s, view=v)
        np.testing.assert_array_equal(d["trajectory"], s["tracks"][:, mine])
        np.testing.assert_array_equal(d["visibility"], s["visibility"][:, mine] == 1)
        np.testing.assert_array_equal(d["video"], written[1][1][v].transpose(0, 3, 1, 2).astype(np.float32))
        again = to_cotracker(s, view=v, frames=sample_frames(s))
        np.testing.assert_array_equal(again["video"], d["video"])


def test_2d_export_of_rig_clips_is_per_query_view(rig_frames_dir, tmp_path):
    root, _ = rig_frames_dir
    out = str(tmp_path / "kubric")
    assert main(["export", "--format", "cotracker-kubric", "--invalid", "occluded", root, out]) == 0
    ds = open_shards(root)
    expected = [f"{i:06d}_rig-{i:03d}_clip-0_{v}" for i, s in enumerate(ds)
                for v in range(len(s["meta"]["rig"]["views"])) if (s["query_view"] == v).any()]
    assert sorted(os.listdir(out)) == sorted(expected)
    s = ds[0]
    annot = np.load(os.path.join(out, expected[0], expected[0] + ".npy"), allow_pickle=True).item()
    np.testing.assert_array_equal(annot["coords"], s["tracks"][:, s["query_view"] == 0].transpose(1, 0, 2))


# --- TAPVid-3D ------------------------------------------------------------------------------

def test_jpeg_encoders():
    from pseudotrack_data.export import _jpeg_pyav, encode_jpeg
    _need_jpeg()
    rgb = synthetic_clip(3, t=3, n=2, width=40, height=30)[1][0]
    encoders = [encode_jpeg]
    try:
        import av  # noqa: F401
        encoders.append(lambda x, q: _jpeg_pyav(x, q))
    except ImportError:
        pass
    for encode in encoders:
        data = encode(rgb, 95)
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
        assert np.abs(_decode_jpeg(data).astype(np.int16) - rgb).mean() < 8   # 4:2:0 chroma on a blocky texture
        assert len(encode(rgb, 40)) < len(data)


def test_info_names_rig_shards(rig_frames_dir, capsys):
    root, _ = rig_frames_dir
    assert main(["info", root]) == 0
    assert "3 rig samples" in capsys.readouterr().out

def test_tapvid3d_export_loads_back(rig_frames_dir, tmp_path):
    _need_jpeg()
    root, written = rig_frames_dir
    out = str(tmp_path / "tapvid3d")
    assert main(["export", "--format", "tapvid3d", root, out]) == 0
    ds = open_shards(root)
    names = []
    for i, s in enumerate(ds):
        rig = s["meta"]["rig"]
        keep = (s["valid"] == 1).all(0)                      # --invalid drop (the default)
        for v, view in enumerate(rig["views"]):
            name = f"{i:06d}_rig-{i:03d}_clip-0_{v}.npz"
            names.append(name)
            with open(os.path.join(out, name), "rb") as f:   # as tapnet's evaluate_model.py opens it
                npz = np.load(f)                             # no pickle needed
                data = {key: npz[key] for key in npz.files}
            assert {"images_jpeg_bytes", "queries_xyt", "tracks_XYZ", "visibility", "fx_fy_cx_cy"} <= set(data)
            idx = data["point_index"]
            seen = ((s["visibility_views"][v] == 1) & (s["valid"] == 1)).any(0)
            np.testing.assert_array_equal(idx, np.flatnonzero(seen & keep))
            t, n = s["tracks"].shape[0], idx.size
            assert data["images_jpeg_bytes"].shape == (t,) and data["images_jpeg_bytes"].dtype.kind == "S"
            video = np.stack([_decode_jpeg(b) for b in data["images_jpeg_bytes"]])
            assert video.shape == written[i][1][v].shape
            assert np.abs(video.astype(np.int16) - written[i][1][v]).mean() < 6
            assert data["tracks_XYZ"].shape == (t, n, 3) and data["tracks_XYZ"].dtype == np.float32
            assert data["visibility"].shape == (t, n) and data["visibility"].dtype == np.bool_
            assert data["queries_xyt"].shape == (n, 3) and data["fx_fy_cx_cy"].shape == (4,)
            # tracks_XYZ is R·X + t of this view, per frame.
            e = np.array(view["extrinsics_w2c"])
            x = s["tracks3d"][:, idx].astype(np.float64)
            cam = np.einsum("tij,tnj->tni", e[:, :, :3], x) + e[:, None, :, 3]
            np.testing.assert_allclose(data["tracks_XYZ"], cam, rtol=1e-6, atol=1e-6)
            np.testing.assert_array_equal(data["extrinsics_w2c"][:, :3], e.astype(np.float32))
            np.testing.assert_array_equal(data["visibility"], s["visibility_views"][v][:, idx] == 1)
            k = np.array(view["K"])   # TAPVid-3D's raster pixels: centres at i + 0.5
            np.testing.assert_array_equal(data["fx_fy_cx_cy"], [k[0, 0], k[1, 1], k[0, 2] + 0.5, k[1, 2] + 0.5])
            # queries_xyt is (x, y, t): visible there, and the projection of tracks_XYZ with fx_fy_cx_cy.
            qx, qy, qt = data["queries_xyt"].T
            qt = qt.astype(int)
            assert data["visibility"][qt, np.arange(n)].all()
            fx, fy, cx, cy = data["fx_fy_cx_cy"]
            at = data["tracks_XYZ"][qt, np.arange(n)].astype(np.float64)
            np.testing.assert_allclose(fx * at[:, 0] / at[:, 2] + cx, qx, atol=1e-3)
            np.testing.assert_allclose(fy * at[:, 1] / at[:, 2] + cy, qy, atol=1e-3)
            own = s["query_view"][idx] == v
            np.testing.assert_allclose(data["queries_xyt"][own], s["queries"][idx[own]][:, [1, 2, 0]] + [0.5, 0.5, 0],
                                       rtol=0, atol=1e-5)
    assert sorted(os.listdir(out)) == sorted(names)


def test_tapvid3d_one_view_and_invalid_frames(rig_frames_dir, tmp_path):
    _need_jpeg()
    root, _ = rig_frames_dir
    ds = open_shards(root)
    counts = export_tapvid3d(ds, str(tmp_path), view=1, invalid="occluded", limit=2)
    assert counts["clips"] == 2 and counts["files"] == 2 and counts["dropped_points"] == 0
    assert sorted(os.listdir(tmp_path)) == ["000000_rig-000_clip-0_1.npz", "000001_rig-001_clip-0_1.npz"]
    s = ds[0]
    data = np.load(str(tmp_path / "000000_rig-000_clip-0_1.npz"))
    idx = data["point_index"]
    assert not data["valid"].all()                        # kept with their unlabelled frames...
    assert not data["visibility"][~data["valid"]].any()   # ...which are not visible
    np.testing.assert_array_equal(data["valid"], s["valid"][:, idx] == 1)
    with pytest.raises(ValueError, match="outside"):
        export_tapvid3d(ds, str(tmp_path), view=5)


# --- MVTracker ------------------------------------------------------------------------------

def test_mvtracker_export_loads_back(rig_frames_dir, tmp_path):
    root, written = rig_frames_dir
    out = str(tmp_path / "mvtracker")
    assert main(["export", "--format", "mvtracker", "--invalid", "occluded", root, out]) == 0
    ds = open_shards(root)
    assert sorted(f for f in os.listdir(out) if f.endswith(".npz")) == [f"{i:06d}_rig-{i:03d}_clip-0.npz" for i in range(len(ds))]
    for i, s in enumerate(ds):
        data = np.load(os.path.join(out, f"{i:06d}_rig-{i:03d}_clip-0.npz"))   # no pickle needed
        pixels = written[i][1]
        v, t, h, w, _ = pixels.shape
        n = s["tracks"].shape[1]
        rig = s["meta"]["rig"]
        # The model inputs, as MVTracker's demo.py reads data_sample.npz.
        assert data["rgbs"].dtype == np.uint8 and data["rgbs"].shape == (v, t, 3, h, w)
        np.testing.assert_array_equal(data["rgbs"], pixels.transpose(0, 1, 4, 2, 3))
        intrs, extrs = data["intrs"], data["extrs"]
        assert intrs.shape == (v, t, 3, 3) and extrs.shape == (v, t, 3, 4)
        np.testing.assert_array_equal(intrs[:, 0], np.array([x["K"] for x in rig["views"]], np.float32))
        np.testing.assert_array_equal(extrs, np.array([x["extrinsics_w2c"] for x in rig["views"]], np.float32))
        qt = s["queries"][:, 0].astype(int)
        np.testing.assert_array_equal(data["query_points"][:, 0], qt)
        np.testing.assert_array_equal(data["query_points"][:, 1:], s["tracks3d"][qt, np.arange(n)])
        # The labels, as MVTracker's loaders hold them.
        np.testing.assert_array_equal(data["traj3d_world"], s["tracks3d"])
        assert data["traj2d_w_z"].shape == (v, t, n, 3)
        np.testing.assert_array_equal(data["traj2d_w_z"][..., :2], s["tracks_views"])
        np.testing.assert_array_equal(data["visibility"], s["visibility_views"] == 1)
        np.testing.assert_array_equal(data["valids"], (s["valid"] == 1).astype(np.float32))
        np.testing.assert_array_equal(data["query_view"], s["query_view"])
        assert list(data["view_names"]) == [x["name"] for x in rig["views"]]
        assert json.loads(str(data["meta"])) == s["meta"]
        # Projecting traj3d_world with extrs and intrs (the check in MVTracker's Panoptic loader)
        # gives traj2d_w_z: pixels where the labels are visible, z everywhere.
        world = np.concatenate([data["traj3d_world"], np.ones((t, n, 1), np.float32)], -1).astype(np.float64)
        cam = np.einsum("vtij,tnj->vtni", extrs.astype(np.float64), world)
        np.testing.assert_allclose(data["traj2d_w_z"][..., 2], cam[..., 2], rtol=1e-5, atol=1e-5)
        pix = np.einsum("vtij,vtnj->vtni", intrs.astype(np.float64), cam)
        pix = pix[..., :2] / pix[..., 2:]
        vis = data["visibility"]
        np.testing.assert_allclose(pix[vis], data["traj2d_w_z"][..., :2][vis], atol=0.05)


def test_mvtracker_drops_points_with_unlabelled_frames(rig_frames_dir, tmp_path):
    root, _ = rig_frames_dir
    ds = open_shards(root)
    counts = export_mvtracker(ds, str(tmp_path), limit=1)
    s = ds[0]
    keep = (s["valid"] == 1).all(0)
    assert counts == {"clips": 1, "points": int(keep.sum()), "dropped_points": int((~keep).sum()), "skipped_clips": 0,
                      "skipped_videos": 0, "depth_clips": 0}
    data = np.load(str(tmp_path / "000000_rig-000_clip-0.npz"))
    np.testing.assert_array_equal(data["traj3d_world"], s["tracks3d"][:, keep])
    assert data["valids"].all()


def test_3d_exports_need_rig_clips(synthetic_dir, tmp_path):
    root, _ = synthetic_dir
    with pytest.raises(ValueError, match="none of the 5 samples is a rig clip"):
        export_mvtracker(open_shards(root), str(tmp_path))
    assert main(["export", "--format", "tapvid3d", root, str(tmp_path / "x")]) == 2


def test_mvtracker_export_from_video(rig_video_dir, tmp_path):
    root, written = rig_video_dir
    export_mvtracker(open_shards(root), str(tmp_path), limit=1)
    data = np.load(str(tmp_path / "000000_rig-000_clip-0.npz"))
    assert np.abs(data["rgbs"].astype(np.int16) - written[0][1].transpose(0, 1, 4, 2, 3)).mean() < 12


# --- against mosaicml-streaming ---------------------------------------------------------------

def test_streaming_dataset_reads_rig_samples_identically(rig_frames_dir, tmp_path):
    streaming = pytest.importorskip("streaming")
    root, _ = rig_frames_dir
    with streaming_copy(root, tmp_path) as copy_dir:
        ours = list(open_shards(copy_dir))
        theirs = streaming.StreamingDataset(local=copy_dir, shuffle=False, batch_size=1)
        assert len(theirs) == len(ours)
        for i in range(len(theirs)):
            got = dict(theirs[i])
            assert_same_sample(got, ours[i], f"sample {i}")
            assert check_sample(got) == []
