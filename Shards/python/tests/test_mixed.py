"""A directory holding both kinds of clip (Shards/README.md §2, §5): the engine keeps one
open shard per kind, so video-clip shards (the columns of §5) and rig-clip shards (the
same and the four rig columns of §5.4) interleave in one index. Written with
tests/mds_writer.py, checked, read back (ours and StreamingDataset), and exported."""

import os
import pickle

import numpy as np
import pytest

from conftest import assert_same_sample, streaming_copy, synthetic_clip
from mds_writer import KindsWriter, encode_h264
from pseudotrack_data import (check_dataset, check_sample, cotracker_views, export_mvtracker, export_tapvid3d,
                              is_rig, open_shards, sample_frames, to_cotracker, view_count)
from pseudotrack_data.__main__ import main
from pseudotrack_data.schema import LABEL_COLUMNS, RIG_COLUMNS
from test_rig import _need_jpeg, rig_clip

#: The order clips reach the writer: v = video clip, r = rig clip.
ORDER = "vrvvrrvr"


def _media(columns, media):
    columns = dict(columns)
    if media == "video_mp4":
        columns["video_mp4"] = "bytes"
    elif media == "frames":
        columns["frames"] = "ndarray:uint8"
    return columns


def _clips(order=ORDER):
    """(kind, sample with `frames`, pixels per view [V, T, H, W, 3]) in writing order."""
    out, videos, rigs = [], 0, 0
    for kind in order:
        if kind == "v":
            sample, frames = synthetic_clip(videos, t=8, n=10 + videos)
            sample["frames"] = frames
            out.append(("video", sample, frames[None]))
            videos += 1
        else:
            sample, pixels = rig_clip(rigs, views=2 + rigs % 2)
            out.append(("rig", sample, pixels))
            rigs += 1
    return out


def write_mixed(out, media="frames", rig_media=None, rig_columns=None, options=None, order=ORDER):
    """A directory of video and rig clips; ``rig_media``, ``rig_columns`` (names of the
    rig columns to keep) and ``options`` (kind -> writer options) make the rig shards
    differ. Returns {clip_id: (kind, sample as written, pixels)}."""
    rig_media = rig_media or media
    keep = RIG_COLUMNS if rig_columns is None else {c: RIG_COLUMNS[c] for c in rig_columns}
    kinds = {"video": _media(LABEL_COLUMNS, media), "rig": _media({**LABEL_COLUMNS, **keep}, rig_media)}
    written = {}
    # 120 kB: a video clip (frames 8 x 64 x 96 x 3) fills a shard alone, rig clips share one.
    with KindsWriter(out, kinds, options=options, size_limit=120_000) as writer:
        for kind, sample, pixels in _clips(order):
            frames = sample.pop("frames")
            for c in RIG_COLUMNS:
                if c not in kinds[kind]:
                    sample.pop(c, None)
            m = media if kind == "video" else rig_media
            if m == "video_mp4":
                sample["video_mp4"] = encode_h264(frames, fps=30.0)
            elif m == "frames":
                sample["frames"] = frames
            writer.write(kind, sample)
            written[sample["meta"]["clip_id"]] = (kind, sample, pixels)
    return written


@pytest.fixture(scope="session")
def mixed_dir(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("mixed"))
    return out, write_mixed(out)


def test_mixed_directory_conforms_and_reads_back(mixed_dir):
    root, written = mixed_dir
    assert check_dataset(root) == []
    ds = open_shards(root)
    assert len(ds) == len(written) == len(ORDER)
    kinds = ["rig" if "tracks3d" in s.column_names else "video" for s in ds.shards]
    runs = 1 + sum(a != b for a, b in zip(kinds, kinds[1:]))
    assert runs >= 3, kinds                      # the two kinds interleave in the index
    video_columns = sorted(_media(LABEL_COLUMNS, "frames"))
    rig_columns = sorted(_media({**LABEL_COLUMNS, **RIG_COLUMNS}, "frames"))
    assert list(ds.columns) == rig_columns       # every column some shard has
    seen = set()
    for k, info in enumerate(ds.shards):
        assert list(info.column_names) == (rig_columns if kinds[k] == "rig" else video_columns)
        for g in range(info.first, info.first + info.samples):
            s = ds[g]
            kind, want, _ = written[s["meta"]["clip_id"]]
            assert kind == kinds[k] and is_rig(s) == (kind == "rig")   # a shard holds one kind
            assert_same_sample(s, want)
            seen.add(s["meta"]["clip_id"])
    assert seen == set(written)


def test_mixed_video_mp4_directory_decodes(tmp_path):
    pytest.importorskip("av")
    root = str(tmp_path)
    write_mixed(root, media="video_mp4", order="vrv")
    assert check_dataset(root, decode_video=True) == []
    for s in open_shards(root):
        t = s["tracks"].shape[0]
        width = s["meta"]["stored"]["width"] * view_count(s)
        assert sample_frames(s).shape == (t, s["meta"]["stored"]["height"], width, 3)


def test_info_counts_both_kinds(mixed_dir, capsys):
    root, written = mixed_dir
    rigs = sum(kind == "rig" for kind, _, _ in written.values())
    assert main(["info", root]) == 0
    out = capsys.readouterr().out
    assert f"{len(written)} samples in " in out and f"({len(written) - rigs} video clips, {rigs} rig clips" in out
    assert "  tracks3d: ndarray:float32  (rig shards)" in out


# --- what check_dataset refuses ------------------------------------------------------------

DIFFERENCES = [
    ("media column", dict(rig_media="video_mp4"),
     "columns other than the rig ones differ from shard 0's (frames: absent here, ndarray:uint8 in shard 0, "
     "video_mp4: bytes here, absent in shard 0)"),
    ("compression", dict(options={"rig": {"compression": "zstd:5"}}), "compression 'zstd:5' differs from shard 0's 'zstd'"),
    ("no media", dict(rig_media="none"), "columns other than the rig ones differ from shard 0's (frames: absent here"),
]


@pytest.mark.parametrize("name,change,message", DIFFERENCES, ids=[d[0] for d in DIFFERENCES])
def test_shards_that_differ_in_a_non_rig_column_are_reported(tmp_path, name, change, message):
    if change.get("rig_media") == "video_mp4":
        pytest.importorskip("av")
    root = str(tmp_path)
    write_mixed(root, order="vrvr", **change)
    problems = check_dataset(root)
    rig_shards = [s.index for s in open_shards(root).shards if "tracks3d" in s.column_names]
    assert problems and all(p.startswith(f"shard {k}: ") for p, k in zip(problems, rig_shards)), problems
    assert all(message in p for p in problems), problems
    assert len(problems) == len(rig_shards)


def test_a_shard_with_some_rig_columns_is_reported(tmp_path):
    root = str(tmp_path)
    write_mixed(root, rig_columns=["query_view", "tracks3d"], order="vr")
    problems = check_dataset(root)
    assert problems[0] == ("shard 1: has rig columns ['query_view', 'tracks3d'] but not "
                           "['tracks_views', 'visibility_views']: a rig shard has all four")
    assert not any("differ from shard 0" in p for p in problems)   # the other columns agree
    assert any(p.startswith("sample 1 (shard 1): rig columns come together") for p in problems)


def test_a_rig_clip_whose_meta_video_is_not_the_rig_is_reported(tmp_path):
    sample, _ = rig_clip(0)
    sample["meta"]["video"]["uri"] = "/data/rigs/rig-000/cam0.mp4"
    problems = check_sample(sample)
    assert len(problems) == 1 and "is not meta.rig.uri" in problems[0], problems


# --- readers and exports ---------------------------------------------------------------------

def test_streaming_dataset_reads_a_mixed_directory_identically(mixed_dir, tmp_path):
    streaming = pytest.importorskip("streaming")
    root, _ = mixed_dir
    with streaming_copy(root, tmp_path) as copy_dir:
        ours = list(open_shards(copy_dir))
        theirs = streaming.StreamingDataset(local=copy_dir, shuffle=False, batch_size=1)
        assert len(theirs) == len(ours)
        for i in range(len(theirs)):
            got = dict(theirs[i])
            assert_same_sample(got, ours[i], f"sample {i}")
            assert check_sample(got) == []
        assert sorted(is_rig(theirs[i]) for i in range(len(theirs))) == sorted(is_rig(s) for s in ours)


def test_to_cotracker_on_a_mixed_directory(mixed_dir):
    root, written = mixed_dir
    for s in open_shards(root):
        kind, _, pixels = written[s["meta"]["clip_id"]]
        got = cotracker_views(s)
        if kind == "video":                                   # as before
            d = to_cotracker(s)
            np.testing.assert_array_equal(to_cotracker(s, view=0)["trajectory"], s["tracks"])
            assert len(got) == 1
            for key in ("video", "trajectory", "visibility", "valid", "query_points"):
                np.testing.assert_array_equal(got[0][key], d[key])
            np.testing.assert_array_equal(d["video"], pixels[0].transpose(0, 3, 1, 2).astype(np.float32))
            continue
        with pytest.raises(ValueError, match="view="):       # a rig clip: one view at a time
            to_cotracker(s)
        views = [v for v in range(view_count(s)) if (s["query_view"] == v).any()]
        assert len(got) == len(views) >= 1
        for d, v in zip(got, views):
            mine = s["query_view"] == v
            np.testing.assert_array_equal(d["trajectory"], s["tracks"][:, mine])
            np.testing.assert_array_equal(d["query_points"], s["queries"][mine])
            np.testing.assert_array_equal(d["video"], pixels[v].transpose(0, 3, 1, 2).astype(np.float32))
            assert d["seq_name"] == s["meta"]["clip_id"]


def test_2d_exports_of_a_mixed_directory(mixed_dir, tmp_path):
    root, written = mixed_dir
    ds = open_shards(root)
    expected = []
    for i, s in enumerate(ds):
        name = f"{i:06d}_{s['meta']['clip_id'].replace('/', '_')}"
        if is_rig(s):
            expected += [f"{name}_{v}" for v in range(view_count(s)) if (s["query_view"] == v).any()]
        else:
            expected.append(name)
    kubric, tapvid = str(tmp_path / "kubric"), str(tmp_path / "tapvid")
    assert main(["export", "--format", "cotracker-kubric", "--invalid", "occluded", root, kubric]) == 0
    assert main(["export", "--format", "tapvid", "--for", "cotracker", "--invalid", "occluded", root, tapvid]) == 0
    assert sorted(os.listdir(kubric)) == sorted(expected)
    with open(tapvid, "rb") as f:
        davis = pickle.load(f)
    assert sorted(davis) == sorted(expected)
    for i, s in enumerate(ds):
        kind, _, pixels = written[s["meta"]["clip_id"]]
        name = f"{i:06d}_{s['meta']['clip_id'].replace('/', '_')}"
        if kind == "video":                               # as before: the clip, every point
            pairs = [(name, None, 0)]
        else:                                             # per query view: its frames and points
            pairs = [(f"{name}_{v}", s["query_view"] == v, v) for v in range(view_count(s))
                     if (s["query_view"] == v).any()]
        for seq, mine, v in pairs:
            tracks = s["tracks"] if mine is None else s["tracks"][:, mine]
            annot = np.load(os.path.join(kubric, seq, seq + ".npy"), allow_pickle=True).item()
            np.testing.assert_array_equal(annot["coords"], tracks.transpose(1, 0, 2))
            assert len(os.listdir(os.path.join(kubric, seq, "frames"))) == s["tracks"].shape[0]
            np.testing.assert_array_equal(davis[seq]["video"], pixels[v])


def test_3d_exports_skip_the_video_clips(mixed_dir, tmp_path):
    root, written = mixed_dir
    ds = open_shards(root)
    rigs = [i for i, s in enumerate(ds) if is_rig(s)]
    counts = export_mvtracker(ds, str(tmp_path / "mv"))
    assert counts["clips"] == len(rigs) and counts["skipped_videos"] == len(ds) - len(rigs)
    assert sorted(os.listdir(tmp_path / "mv")) == sorted(
        f"{i:06d}_{ds[i]['meta']['clip_id'].replace('/', '_')}.{ext}" for i in rigs for ext in ("npz", "pkl"))
    limited = export_mvtracker(ds, str(tmp_path / "mv1"), limit=1)   # limit counts rig clips
    assert limited["clips"] == 1 and len(os.listdir(tmp_path / "mv1")) == 2
    _need_jpeg()
    counts = export_tapvid3d(ds, str(tmp_path / "t3d"), view=0)
    assert counts["clips"] == len(rigs) and counts["skipped_videos"] == len(ds) - len(rigs)
    assert {f.rsplit("_", 1)[0] for f in os.listdir(tmp_path / "t3d")} <= {
        f"{i:06d}_{ds[i]['meta']['clip_id'].replace('/', '_')}" for i in rigs}
