"""Fixtures: ``shard_dir`` is $PSEUDOTRACK_SHARDS when set (shards the Swift engine wrote),
otherwise a directory written here by tests/mds_writer.py from synthetic clips with a
real H.264 video_mp4. Tests that need particular content use their own fixtures."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil

import numpy as np
import pytest

from mds_writer import MDSWriter, encode_h264
from pseudotrack_data.schema import LABEL_COLUMNS


@contextlib.contextmanager
def streaming_copy(root: str, tmp_path):
    """A private copy of `root` for mosaicml-streaming, which writes decompressed shards
    beside the compressed ones and keeps state in shared memory: a clean slate before
    and after."""
    from streaming.base.util import clean_stale_shared_memory
    clean_stale_shared_memory()
    dst = str(tmp_path / "copy")
    shutil.copytree(root, dst)
    try:
        yield dst
    finally:
        clean_stale_shared_memory()


def assert_same_sample(got, want, where: str = "") -> None:
    """The same columns with the same values: arrays of the same dtype, shape and content."""
    assert sorted(got) == sorted(want), where
    for key, value in want.items():
        if isinstance(value, np.ndarray):
            assert isinstance(got[key], np.ndarray), f"{where} {key}"
            assert got[key].dtype == value.dtype and got[key].shape == value.shape, f"{where} {key}"
            np.testing.assert_array_equal(got[key], value, err_msg=f"{where} {key}")
        else:
            assert got[key] == value, f"{where} {key}"


def synthetic_clip(seed: int, t: int = 10, n: int = 24, width: int = 96, height: int = 64):
    """A textured image moving by a known sub-pixel translation per frame, its frames,
    and labels that follow the schema (some occluded frames, some frames without a label)."""
    rng = np.random.default_rng(seed)
    big = rng.integers(0, 256, (height // 8 + 4, width // 8 + 4, 3), dtype=np.uint8)
    texture = np.kron(big, np.ones((8, 8, 1), np.uint8)).astype(np.float32)
    for axis in (0, 1):  # soften the block edges, which 4:2:0 chroma would smear
        texture = sum(np.roll(texture, s, axis) for s in (-2, -1, 0, 1, 2)) / 5
    velocity = rng.uniform(-1.5, 1.5, 2).astype(np.float32)
    frames = np.empty((t, height, width, 3), np.uint8)
    for k in range(t):
        dx, dy = np.round(velocity * k).astype(int)
        frames[k] = texture[16 - dy:16 - dy + height, 16 - dx:16 - dx + width]
    q_t = rng.integers(0, t, n)
    q_xy = np.stack([rng.uniform(8, width - 8, n), rng.uniform(8, height - 8, n)], 1).astype(np.float32)
    shift = np.round(np.arange(t, dtype=np.float32)[:, None] * velocity[None, :])   # [T, 2], as drawn
    tracks = (q_xy[None, :, :] + shift[:, None, :] - shift[q_t][None, :, :]).astype(np.float32)
    inside = ((tracks[..., 0] >= -0.5) & (tracks[..., 0] < width - 0.5)
              & (tracks[..., 1] >= -0.5) & (tracks[..., 1] < height - 0.5))
    visibility = inside.astype(np.uint8)
    valid = np.ones((t, n), np.uint8)
    for i in range(n):
        others = [k for k in range(t) if k != q_t[i]]
        visibility[rng.choice(others, 2, replace=False), i] = 0          # occluded, labelled
        if i % 3 == 0:
            lost = [k for k in others if visibility[k, i] == 1][:2]
            valid[lost, i] = 0                                          # no label
            visibility[lost, i] = 0
    confidence = np.where(valid == 1, rng.uniform(0.5, 1.0, (t, n)), 0).astype(np.float16)
    queries = np.concatenate([q_t[:, None].astype(np.float32), q_xy], 1)
    frame_step = 1 + seed % 2
    meta = {
        "clip_id": f"synthetic-{seed:03d}/clip-{seed % 3}",
        "video": {"uri": f"file:///data/synthetic-{seed:03d}.mp4",
                  "sha256": hashlib.sha256(f"video {seed}".encode()).hexdigest(),
                  "width": width * 2, "height": height * 2, "fps": 30.0},
        "clip": {"frame_indices": [5 + frame_step * k for k in range(t)], "frame_step": frame_step},
        "transform": {"scale_x": 0.5, "scale_y": 0.5, "offset_x": -0.25, "offset_y": -0.25},
        "stored": {"width": width, "height": height},
        "teacher": {"name": "synthetic", "version": "1", "params": {"velocity": velocity.tolist()}},
        "seed": seed,
        "quality": {"kept_points": n, "fb_error_median_px": 0.1},
        "engine": {"version": "0.0.0-test", "pipeline_sha256": hashlib.sha256(b"pipeline").hexdigest()},
    }
    sample = {"tracks": tracks, "visibility": visibility, "valid": valid, "confidence": confidence,
              "queries": queries, "meta": meta}
    return sample, frames


def write_synthetic_shards(out: str, media: str = "video_mp4", clips: int = 5, size_limit: int = 15_000,
                           compression: str = "zstd"):
    columns = dict(LABEL_COLUMNS)
    if media == "video_mp4":
        columns["video_mp4"] = "bytes"
    elif media == "frames":
        columns["frames"] = "ndarray:uint8"
    written = []
    with MDSWriter(out, columns, compression=compression, size_limit=size_limit) as writer:
        for seed in range(clips):
            sample, frames = synthetic_clip(seed, n=16 + 4 * seed)
            if media == "video_mp4":
                sample["video_mp4"] = encode_h264(frames, fps=30.0)
            elif media == "frames":
                sample["frames"] = frames
            writer.write(sample)
            written.append((sample, frames))
    return written


@pytest.fixture(autouse=True, scope="session")
def _private_temporary_directory(tmp_path_factory):
    """The reader's decompressed copies (ShardDataset's default cache_dir is under the
    temporary directory) stay inside pytest's own temporary directory."""
    import tempfile
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("tmp"))
    yield
    tempfile.tempdir = previous


@pytest.fixture(scope="session")
def shard_dir(tmp_path_factory) -> str:
    """A shard directory with video_mp4 media: $PSEUDOTRACK_SHARDS, or synthetic."""
    env = os.environ.get("PSEUDOTRACK_SHARDS")
    if env:
        if not os.path.isfile(os.path.join(env, "index.json")):
            pytest.fail(f"PSEUDOTRACK_SHARDS={env} holds no index.json")
        return env
    out = str(tmp_path_factory.mktemp("shards"))
    write_synthetic_shards(out)
    return out


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    """Synthetic shards (always written here) and what was written into them."""
    out = str(tmp_path_factory.mktemp("synthetic"))
    return out, write_synthetic_shards(out)


@pytest.fixture
def shard_copy(shard_dir, tmp_path) -> str:
    """A private copy of shard_dir, to corrupt or to let other readers write into."""
    dst = str(tmp_path / "copy")
    shutil.copytree(shard_dir, dst)
    return dst


@pytest.fixture(scope="session")
def media_shard_dir(shard_dir) -> str:
    """shard_dir, skipping the test when its samples carry no media (mode 'none')."""
    from pseudotrack_data import media_mode, open_shards
    if media_mode(open_shards(shard_dir).columns) == "none":
        pytest.skip("these shards were written with media mode 'none'")
    return shard_dir
