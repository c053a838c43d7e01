import os
import pickle
import subprocess
import sys
import zlib

import numpy as np
import pytest

from pseudotrack_data import decode_mp4, open_shards, sample_frames, write_png
from pseudotrack_data.__main__ import main

pytest.importorskip("av")


def _read_png(path):
    """Read an 8-bit RGB PNG as CoTracker's loader would (imageio if present, else OpenCV)."""
    try:
        import imageio.v2 as imageio
        return np.asarray(imageio.imread(path))
    except ImportError:
        pass
    cv2 = pytest.importorskip("cv2")
    bgr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert bgr is not None, path
    return bgr[..., ::-1]


def test_png_writer_is_lossless(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    path = str(tmp_path / "x.png")
    write_png(path, rgb)
    np.testing.assert_array_equal(_read_png(path), rgb)
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    # Every chunk's CRC is right.
    pos = 8
    while pos < len(raw):
        n = int.from_bytes(raw[pos:pos + 4], "big")
        kind, body = raw[pos + 4:pos + 8], raw[pos + 8:pos + 8 + n]
        assert int.from_bytes(raw[pos + 8 + n:pos + 12 + n], "big") == zlib.crc32(kind + body)
        pos += 12 + n


def _load_like_cotracker_kubric(data_root, seq_name):
    """What cotracker/datasets/kubric_movif_dataset.py's KubricMovifDataset.getitem_helper
    does with a sequence, up to its crops and augmentations."""
    npy_path = os.path.join(data_root, seq_name, seq_name + ".npy")
    rgb_path = os.path.join(data_root, seq_name, "frames")
    img_paths = sorted(os.listdir(rgb_path))
    rgbs = np.stack([_read_png(os.path.join(rgb_path, p)) for p in img_paths])
    annot_dict = np.load(npy_path, allow_pickle=True).item()
    traj_2d = np.transpose(annot_dict["coords"], (1, 0, 2))               # [T, N, 2]
    visibility = np.transpose(np.logical_not(annot_dict["visibility"]), (1, 0))  # [T, N]
    return rgbs, traj_2d, visibility, annot_dict


@pytest.mark.parametrize("invalid", ["drop", "occluded"])
def test_cotracker_kubric_export_loads_back(media_shard_dir, tmp_path, invalid):
    out = str(tmp_path / "kubric")
    assert main(["export", "--format", "cotracker-kubric", "--invalid", invalid, "--limit", "3", media_shard_dir, out]) == 0
    ds = open_shards(media_shard_dir)
    seqs = sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)))
    kept = []
    for i in range(min(3, len(ds))):
        s = ds[i]
        valid = s["valid"] == 1
        keep = (valid.all(0) if invalid == "drop" else np.ones(valid.shape[1], bool))
        keep &= ((s["visibility"] == 1) & valid).any(0)
        if keep.any():                                       # tracks are dropped, never an empty clip written
            kept.append((i, keep))
    assert len(seqs) == len(kept)
    for seq, (i, keep) in zip(seqs, kept):
        s = ds[i]
        rgbs, traj, vis, annot = _load_like_cotracker_kubric(out, seq)
        assert traj.shape[1] > 0
        frames = sample_frames(s)
        np.testing.assert_array_equal(rgbs, frames)  # PNG is lossless
        valid = s["valid"] == 1
        assert traj.shape == (frames.shape[0], keep.sum(), 2) and traj.dtype == np.float32
        np.testing.assert_array_equal(traj, s["tracks"][:, keep])
        np.testing.assert_array_equal(vis, ((s["visibility"] == 1) & valid)[:, keep])
        np.testing.assert_array_equal(annot["valid"], valid[:, keep].T)
        np.testing.assert_array_equal(annot["query_points"], s["queries"][keep])


def test_tapvid_needs_a_reader_convention(media_shard_dir, tmp_path):
    assert main(["export", "--format", "tapvid", media_shard_dir, str(tmp_path / "t.pkl")]) == 2
    assert main(["export", "--format", "tapvid", "--for", "tapnet", media_shard_dir, str(tmp_path)]) == 2  # a directory


def test_command_line_runs_as_a_module(shard_dir, tmp_path):
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-m", "pseudotrack_data", "info", shard_dir], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "samples" in r.stdout
    r = subprocess.run([sys.executable, "-m", "pseudotrack_data", "check", shard_dir], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
