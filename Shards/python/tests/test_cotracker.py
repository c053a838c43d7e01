import numpy as np
import pytest

from pseudotrack_data import collate_cotracker, decode_mp4, open_shards, sample_frames, to_cotracker
from conftest import write_synthetic_shards

pytest.importorskip("av")


def test_video_decodes_to_exactly_t_frames(media_shard_dir):
    for s in open_shards(media_shard_dir):
        if "video_mp4" not in s:
            pytest.skip("these shards carry no video_mp4")
        frames = decode_mp4(s["video_mp4"])
        t = s["tracks"].shape[0]
        assert frames.dtype == np.uint8
        views = len(s["meta"]["rig"]["views"]) if "rig" in s["meta"] else 1  # a rig's views side by side
        assert frames.shape == (t, s["meta"]["stored"]["height"], s["meta"]["stored"]["width"] * views, 3)


def test_video_matches_the_encoded_frames(synthetic_dir):
    root, written = synthetic_dir
    for s, (_, frames) in zip(open_shards(root), written):
        decoded = decode_mp4(s["video_mp4"]).astype(np.int16)
        # H.264 at CRF 18 with 4:2:0 chroma on a random texture: close, not bit-exact.
        assert np.abs(decoded - frames).mean() < 12


def test_to_cotracker_fields(media_shard_dir):
    ds = open_shards(media_shard_dir)
    for i in range(min(len(ds), 3)):
        s = ds[i]
        t, n = s["tracks"].shape[:2]
        h, w = s["meta"]["stored"]["height"], s["meta"]["stored"]["width"]
        d = to_cotracker(s)
        video = np.asarray(d["video"])
        assert video.dtype == np.float32 and video.shape == (t, 3, h, w)
        assert video.min() >= 0 and video.max() <= 255 and video.max() > 1  # 0-255, not 0-1
        assert np.asarray(d["trajectory"]).dtype == np.float32 and tuple(d["trajectory"].shape) == (t, n, 2)
        assert np.asarray(d["visibility"]).dtype == np.bool_ and tuple(d["visibility"].shape) == (t, n)
        assert np.asarray(d["valid"]).dtype == np.bool_ and tuple(d["valid"].shape) == (t, n)
        assert tuple(d["query_points"].shape) == (n, 3)
        np.testing.assert_array_equal(np.asarray(d["trajectory"]), s["tracks"])
        np.testing.assert_array_equal(np.asarray(d["visibility"]), s["visibility"] == 1)
        assert d["seq_name"] == s["meta"]["clip_id"]
        assert all(isinstance(d[k], np.ndarray) for k in ("video", "trajectory", "visibility", "valid"))  # numpy, always


def test_to_cotracker_channels_are_rgb(synthetic_dir):
    root, written = synthetic_dir
    s = open_shards(root)[0]
    d = to_cotracker(s)
    source = written[0][1].astype(np.float32).transpose(0, 3, 1, 2)
    same = np.abs(d["video"] - source).mean()
    swapped = np.abs(d["video"] - source[:, ::-1]).mean()
    assert same < 12 and swapped > 2.5 * same  # RGB, not BGR


def test_frames_media_mode(tmp_path):
    written = write_synthetic_shards(str(tmp_path), media="frames", clips=2)
    ds = open_shards(tmp_path)
    for s, (_, frames) in zip(ds, written):
        np.testing.assert_array_equal(sample_frames(s), frames)
        d = to_cotracker(s)
        np.testing.assert_array_equal(d["video"], frames.transpose(0, 3, 1, 2).astype(np.float32))


def test_no_media_mode(tmp_path):
    write_synthetic_shards(str(tmp_path), media="none", clips=1)
    s = open_shards(tmp_path)[0]
    assert sample_frames(s) is None
    with pytest.raises(ValueError, match="no media"):
        to_cotracker(s)


def test_collate_pads_points(synthetic_dir):
    root, _ = synthetic_dir
    ds = open_shards(root)
    items = [to_cotracker(ds[i], segmentation=True) for i in range(3)]
    batch = collate_cotracker(items)
    n_max = max(it["trajectory"].shape[1] for it in items)
    t = items[0]["trajectory"].shape[0]
    assert batch["video"].shape[:2] == (3, t)
    assert batch["segmentation"].shape[:3] == (3, t, 1)
    assert batch["trajectory"].shape == (3, t, n_max, 2)
    assert batch["query_points"].shape == (3, n_max, 3)
    n0 = items[0]["trajectory"].shape[1]
    assert n0 < n_max
    assert not batch["valid"][0, :, n0:].any() and not batch["visibility"][0, :, n0:].any()
    assert batch["seq_name"] == [it["seq_name"] for it in items]
