"""Each consumer's own reading code, reproduced step by step on our exports (numpy where
they convert to torch; no network, no GPU). Followed, file by file:

- co-tracker @ 82e02e8, cotracker/datasets/tap_vid_datasets.py: TapVidDataset
  (dataset_type="davis", resize_to=None, queried_first=True) and sample_queries_first
- tapnet @ c2cbab8, tapnet/tapvid/evaluation_datasets.py: create_davis_dataset
  (resolution=None, query_mode="first") and sample_queries_first
- tapnet @ c2cbab8, tapnet/tapvid3d/evaluation/evaluate_model.py: the .npz reading and
  the intrinsics rescaling before compute_tapvid3d_metrics
- mvtracker @ ceea8ad, mvtracker/datasets/generic_scene_dataset.py: GenericSceneDataset
  (__init__, __getitem__ with use_duster_depths=False), and demo.py's data_sample.npz reading
- co-tracker @ 82e02e8, cotracker/datasets/kubric_movif_dataset.py: in test_export.py
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from mds_writer import MDSWriter
from pseudotrack_data import check_dataset, export_mvtracker, export_tapvid, export_tapvid3d, open_shards
from pseudotrack_data.__main__ import main
from pseudotrack_data.schema import LABEL_COLUMNS, RIG_COLUMNS, RIG_DEPTH_COLUMNS
from test_rig import _decode_jpeg, _need_jpeg, rig_clip

pytest.importorskip("av")


# --- TAP-Vid pickles -------------------------------------------------------------------------

def _first_queries(target_occluded, target_points):
    """sample_queries_first (the same in both repositories): drops points never visible,
    queries each at its first visible frame as (t, y, x); fails on an empty sequence."""
    valid = np.sum(~target_occluded, axis=1) > 0
    target_points, target_occluded = target_points[valid, :], target_occluded[valid, :]
    query_points = []
    for i in range(target_points.shape[0]):
        index = np.where(target_occluded[i] == 0)[0][0]
        x, y = target_points[i, index, 0], target_points[i, index, 1]
        query_points.append(np.array([index, y, x]))
    return np.stack(query_points, axis=0), target_points, target_occluded, valid


def _read_cotracker_tapvid(path):
    """TapVidDataset(path, dataset_type="davis", resize_to=None).__getitem__ for every video."""
    with open(path, "rb") as f:
        points_dataset = pickle.load(f)
    out = {}
    for video_name in list(points_dataset.keys()):
        video = points_dataset[video_name]
        frames = video["video"]
        target_points = video["points"].copy()
        target_points *= np.array([frames.shape[2] - 1, frames.shape[1] - 1])
        queries, points, occluded, valid = _first_queries(video["occluded"], target_points)
        out[video_name] = (frames, points.transpose(1, 0, 2), ~occluded.T, queries, valid)
    return out


def _read_tapnet_davis(path):
    """create_davis_dataset(path, query_mode="first", resolution=None) for every video
    (frames scaled to [-1, 1] as there; the points in raster pixels)."""
    with open(path, "rb") as f:
        davis_points_dataset = pickle.load(f)
    out = {}
    for video_name in davis_points_dataset.keys():
        frames = davis_points_dataset[video_name]["video"]
        frames = frames.astype(np.float32) / 255.0 * 2.0 - 1.0
        target_points = davis_points_dataset[video_name]["points"]
        target_occ = davis_points_dataset[video_name]["occluded"]
        target_points = target_points * np.array([frames.shape[2], frames.shape[1]])
        queries, points, occluded, valid = _first_queries(target_occ, target_points)
        out[video_name] = (frames, points, occluded, queries, valid)
    return out


def _expected_points(s):
    """The points an export keeps with --invalid drop: labelled in every frame, seen once."""
    valid = s["valid"] == 1
    return valid.all(0) & ((s["visibility"] == 1) & valid).any(0)


def _sequences(root):
    """The sequences an export writes, {name: single-view sample} (a rig clip per query view)."""
    from pseudotrack_data.export import _sequences as sequences
    return dict(sequences(open_shards(root), None))


def test_tapvid_for_cotracker_loads_in_its_tapvid_dataset(media_shard_dir, tmp_path):
    path = str(tmp_path / "tapvid_cotracker.pkl")
    assert main(["export", "--format", "tapvid", "--for", "cotracker", media_shard_dir, path]) == 0
    read = _read_cotracker_tapvid(path)
    sequences = _sequences(media_shard_dir)
    expected = sorted(name for name, s in sequences.items() if _expected_points(s).any())
    assert sorted(read) == expected and expected      # one entry per sequence that keeps a point, none empty
    for name in expected:
        s = sequences[name]
        keep = _expected_points(s)
        frames, trajs, visibles, queries, valid = read[name]
        assert valid.all() and trajs.shape[1] == keep.sum() > 0
        np.testing.assert_allclose(trajs, s["tracks"][:, keep], atol=2e-3)   # x / (W - 1) · (W - 1)
        np.testing.assert_array_equal(visibles, (s["visibility"] == 1)[:, keep])
        t = queries[:, 0].astype(int)
        np.testing.assert_allclose(queries[:, 1:], s["tracks"][t, np.flatnonzero(keep)][:, ::-1], atol=2e-3)


def test_tapvid_for_tapnet_loads_in_create_davis_dataset(media_shard_dir, tmp_path):
    path = str(tmp_path / "tapvid_tapnet.pkl")
    counts = export_tapvid(open_shards(media_shard_dir), path, convention="tapnet")
    read = _read_tapnet_davis(path)
    assert counts["clips"] == len(read) > 0
    sequences = _sequences(media_shard_dir)
    for name, (frames, points, occluded, queries, valid) in read.items():
        s = sequences[name]
        keep = _expected_points(s)
        assert valid.all() and points.shape[0] == keep.sum() > 0 and frames.min() >= -1 and frames.max() <= 1
        # Raster pixels: ours + 0.5 (tapnet's pixel centres are at i + 0.5).
        np.testing.assert_allclose(points - 0.5, s["tracks"][:, keep].transpose(1, 0, 2), atol=2e-3)
    # The two conventions differ: a reader given the other one's file is off by up to a pixel.
    other = str(tmp_path / "other.pkl")
    export_tapvid(open_shards(media_shard_dir), other, convention="cotracker")
    wrong = _read_tapnet_davis(other)
    name = next(iter(read))
    assert np.abs(wrong[name][1] - read[name][1]).max() > 0.25


def test_tapvid_never_writes_an_empty_sequence(tmp_path):
    """A clip whose points all have an unlabelled frame keeps no point with --invalid drop:
    it is not written (both readers fail on N = 0), the others are."""
    from conftest import synthetic_clip
    from mds_writer import encode_h264
    out = str(tmp_path / "shards")
    with MDSWriter(out, {**LABEL_COLUMNS, "video_mp4": "bytes"}, size_limit=1 << 20) as writer:
        for seed in range(2):
            sample, frames = synthetic_clip(seed, t=8, n=6)
            if seed == 0:
                sample["valid"][3] = 0
                sample["visibility"][3] = 0
            sample["video_mp4"] = encode_h264(frames, fps=30.0)
            writer.write(sample)
    counts = export_tapvid(open_shards(out), str(tmp_path / "t.pkl"), convention="tapnet")
    assert counts["clips"] == 1 and counts["skipped_clips"] == 1 and counts["dropped_points"] >= 6
    assert len(_read_tapnet_davis(str(tmp_path / "t.pkl"))) == 1
    kubric = str(tmp_path / "kubric")
    assert main(["export", "--format", "cotracker-kubric", "--min-points", "3", out, kubric]) == 0
    assert len(os.listdir(kubric)) == 1


# --- TAPVid-3D -------------------------------------------------------------------------------

def _jpeg_sampling(data: bytes):
    """The (h, v) sampling factors of each component in a baseline/progressive JPEG's SOF."""
    pos = 2
    while pos < len(data):
        marker, length = data[pos + 1], int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            count = data[pos + 9]
            return [(data[pos + 11 + 3 * c] >> 4, data[pos + 11 + 3 * c] & 15) for c in range(count)]
        pos += 2 + length
    raise AssertionError("no SOF marker")


@pytest.fixture(scope="module")
def rig_dir(tmp_path_factory):
    """Rig shards with frames and the optional depth_views column (uint16 mm): each view's
    depth at the pixel of each visible label (0 elsewhere), as a depth camera would give."""
    out = str(tmp_path_factory.mktemp("rig-depth"))
    written = []
    with MDSWriter(out, {**LABEL_COLUMNS, **RIG_COLUMNS, **RIG_DEPTH_COLUMNS, "frames": "ndarray:uint8"},
                   size_limit=1 << 20) as writer:
        for seed in range(2):
            sample, pixels = rig_clip(seed, views=2 + seed)
            v, t, h, w, _ = pixels.shape
            e = np.array([x["extrinsics_w2c"] for x in sample["meta"]["rig"]["views"]])
            cam = np.einsum("vtij,tnj->vtni", e[..., :3], sample["tracks3d"].astype(np.float64)) + e[:, :, None, :, 3]
            depth = np.zeros((v, t, h, w), np.uint16)
            hits = np.zeros((v, t, h, w), np.int32)             # labels on each pixel
            px = np.rint(sample["tracks_views"]).astype(int)
            for vi, ti, ni in np.argwhere(sample["visibility_views"] == 1):
                x, y = px[vi, ti, ni]
                if 0 <= x < w and 0 <= y < h:
                    depth[vi, ti, y, x] = int(round(cam[vi, ti, ni, 2] * 1000))
                    hits[vi, ti, y, x] += 1
            sample["depth_views"] = depth
            writer.write(sample)
            written.append((sample, pixels, hits))
    return out, written


def test_shards_with_depth_conform(rig_dir):
    assert check_dataset(rig_dir[0]) == []


def test_tapvid3d_loads_in_evaluate_model(rig_dir, tmp_path):
    _need_jpeg()
    root, written = rig_dir
    counts = export_tapvid3d(open_shards(root), str(tmp_path))
    assert counts["files"] == len(os.listdir(tmp_path)) > 0
    for name in sorted(os.listdir(tmp_path)):
        with open(os.path.join(tmp_path, name), "rb") as in_f:
            in_npz = np.load(in_f, allow_pickle=True)
            images_jpeg_bytes = in_npz["images_jpeg_bytes"]
            queries_xyt = in_npz["queries_xyt"]
            tracks_xyz = in_npz["tracks_XYZ"]
            visibles = in_npz["visibility"]
            intrinsics_params = in_npz["fx_fy_cx_cy"]
        first = _decode_jpeg(images_jpeg_bytes[0])
        video_height, video_width = first.shape[:2]
        scaling_factor = 256 / min(video_height, video_width)   # metric_eval_resolution 256
        intrinsics_params_resized = intrinsics_params * scaling_factor
        query_points = queries_xyt[..., ::-1]                   # (t, y, x), as passed to the metrics
        n = tracks_xyz.shape[1]
        assert n > 0 and visibles.shape == tracks_xyz.shape[:2]
        t = query_points[:, 0].astype(int)
        at = tracks_xyz[t, np.arange(n)].astype(np.float64)
        fx, fy, cx, cy = intrinsics_params_resized
        # Projected at the evaluation size, the query lands on the query's resized raster position.
        np.testing.assert_allclose(fx * at[:, 0] / at[:, 2] + cx, query_points[:, 2] * scaling_factor, atol=1e-3)
        np.testing.assert_allclose(fy * at[:, 1] / at[:, 2] + cy, query_points[:, 1] * scaling_factor, atol=1e-3)
        # Frames at 4:4:4, close to the stored ones.
        factors = _jpeg_sampling(bytes(images_jpeg_bytes[0]))
        assert len(factors) == 3 and len(set(factors)) == 1      # chroma sampled as luma: 4:4:4
        i, v = int(name[:6]), int(name.rsplit("_", 1)[1][:-4])
        video = np.stack([_decode_jpeg(b) for b in images_jpeg_bytes]).astype(np.int16)
        assert np.abs(video - written[i][1][v]).mean() < 4


# --- MVTracker -------------------------------------------------------------------------------

def _generic_scene_dataset(dataset_dir):
    """GenericSceneDataset(dataset_dir, use_duster_depths=False, scene_normalization_mode="none"):
    its sequence listing and __getitem__ up to its shape asserts (numpy for torch)."""
    seq_names = sorted([f.replace(".pkl", "") for f in os.listdir(dataset_dir) if f.endswith(".pkl")])
    assert seq_names, f"No sequences found in {dataset_dir}"
    items = []
    for seq_name in seq_names:
        with open(os.path.join(dataset_dir, f"{seq_name}.pkl"), "rb") as f:
            data = pickle.load(f)
        ego_cam = data.get("ego_cam_name", None)
        rgbs_dict, intrs_dict, extrs_dict = data["rgbs"], data["intrs"], data["extrs"]
        depths_dict = data.get("depths", None)
        assert not ego_cam
        cam_names = sorted(rgbs_dict.keys())
        n_views = len(cam_names)
        n_frames, _, h, w = rgbs_dict[cam_names[0]].shape
        rgbs = np.stack([rgbs_dict[cam] for cam in cam_names])
        intrs = np.stack([intrs_dict[cam] for cam in cam_names])
        intrs = np.broadcast_to(intrs[:, None], (n_views, n_frames, 3, 3))
        extr_list = []
        for cam in cam_names:
            e = extrs_dict[cam]
            if e.ndim == 2:
                e = np.broadcast_to(e[None, ...], (n_frames, 3, 4))
            extr_list.append(e.copy())
        extrs = np.stack(extr_list)
        if depths_dict is None:
            raise ValueError("No depths available/configured")
        depths = np.stack([depths_dict[cam] for cam in cam_names])[:, :, None]
        depth_confs = np.zeros(depths.shape, depths.dtype)
        depth_confs[depths > 0] = 1000
        assert rgbs.shape == (n_views, n_frames, 3, h, w)
        assert depths.shape == (n_views, n_frames, 1, h, w)
        assert intrs.shape == (n_views, n_frames, 3, 3)
        assert extrs.shape == (n_views, n_frames, 3, 4)
        items.append((seq_name, cam_names, rgbs.astype(np.float32), depths.astype(np.float32), intrs, extrs, data))
    return items


def test_mvtracker_loads_in_generic_scene_dataset_with_depth(rig_dir, tmp_path):
    root, written = rig_dir
    counts = export_mvtracker(open_shards(root), str(tmp_path))
    assert counts["depth_clips"] == counts["clips"] == 2
    ds = open_shards(root)
    for i, (seq, cams, rgbs, depths, intrs, extrs, data) in enumerate(_generic_scene_dataset(str(tmp_path))):
        s, pixels, hits = written[i]
        assert cams == data["view_names"]            # cam0, cam1, ...: sorted order is view order
        np.testing.assert_array_equal(rgbs, pixels.transpose(0, 1, 4, 2, 3).astype(np.float32))
        np.testing.assert_allclose(depths[:, :, 0], s["depth_views"].astype(np.float32) / 1000, rtol=1e-6)
        # The depth under each visible label is that label's camera depth (traj2d_w_z's z).
        traj = data["traj2d_w_z"]
        vis = data["visibility"]
        px = np.rint(traj[..., :2]).astype(int)
        v_i, t_i, n_i = np.nonzero(vis)
        inside = (px[v_i, t_i, n_i, 0] >= 0) & (px[v_i, t_i, n_i, 0] < depths.shape[-1]) \
            & (px[v_i, t_i, n_i, 1] >= 0) & (px[v_i, t_i, n_i, 1] < depths.shape[-2])
        v_i, t_i, n_i = v_i[inside], t_i[inside], n_i[inside]
        alone = hits[v_i, t_i, px[v_i, t_i, n_i, 1], px[v_i, t_i, n_i, 0]] == 1   # one label on that pixel
        v_i, t_i, n_i = v_i[alone], t_i[alone], n_i[alone]
        assert v_i.size > 10
        under = depths[v_i, t_i, 0, px[v_i, t_i, n_i, 1], px[v_i, t_i, n_i, 0]]
        np.testing.assert_allclose(under, traj[v_i, t_i, n_i, 2], atol=1.5e-3)
        assert data["valids"].dtype == np.float32
        assert ds[i]["meta"]["clip_id"] in data["meta"]
        # demo.py's reading of the .npz beside it.
        sample = np.load(os.path.join(str(tmp_path), seq + ".npz"))
        v, t, _, h, w = sample["rgbs"].shape
        assert sample["depths"].shape == (v, t, 1, h, w) and sample["intrs"].shape == (v, t, 3, 3)
        assert sample["extrs"].shape == (v, t, 3, 4) and sample["query_points"].shape[1] == 4


def test_mvtracker_without_depth_says_so(tmp_path):
    """Shards written without depth: GenericSceneDataset needs a depth estimator (its
    default, DUSt3R) or fails as it does on any sequence without depths."""
    root = str(tmp_path / "shards")
    with MDSWriter(root, {**LABEL_COLUMNS, **RIG_COLUMNS, "frames": "ndarray:uint8"}, size_limit=1 << 20) as writer:
        writer.write(rig_clip(0)[0])
    counts = export_mvtracker(open_shards(root), str(tmp_path / "mv"))
    assert counts["clips"] == 1 and counts["depth_clips"] == 0
    with pytest.raises(ValueError, match="No depths available"):
        _generic_scene_dataset(str(tmp_path / "mv"))
