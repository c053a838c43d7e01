"""Fixed-size CoTracker training samples, and a CoTracker-shaped training step on them.

The step reproduces, in numpy, co-tracker @ 82e02e8:
- train_on_real_data.py, forward_batch, the cotracker_three branch, with the change that
  Shards/README.md documents (queries, trajectory, visibility and valid from the batch,
  no teacher): the windows of S frames, valids_gts = valid · valid_mask, the visible
  and the invisible sequence_loss (weights 0.05 and 0.01);
- cotracker/models/core/cotracker/losses.py, sequence_loss and huber_loss;
- cotracker/models/core/model_utils.py, reduce_masked_mean (EPS 1e-6).
The "model" is the ground truth plus noise, refined over 4 iterations.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import write_synthetic_shards
from pseudotrack_data import collate_training, open_shards, training_sample

pytest.importorskip("av")

EPS = 1e-6


def reduce_masked_mean(x, mask):
    mask = np.broadcast_to(mask, x.shape)
    return np.sum(x * mask) / (EPS + np.sum(mask))


def huber_loss(x, y, delta=1.0):
    diff = x - y
    abs_diff = np.abs(diff)
    flag = (abs_diff <= delta).astype(np.float32)
    return flag * 0.5 * diff ** 2 + (1 - flag) * delta * (abs_diff - 0.5 * delta)


def sequence_loss(flow_preds, flow_gt, valids, vis=None, gamma=0.8, add_huber_loss=False, loss_only_for_visible=False):
    total_flow_loss = 0.0
    for j in range(len(flow_gt)):
        b, s, n, d = flow_gt[j].shape
        b, s2, n = valids[j].shape
        assert s == s2
        n_predictions = len(flow_preds[j])
        flow_loss = 0.0
        for i in range(n_predictions):
            i_weight = gamma ** (n_predictions - i - 1)
            flow_pred = flow_preds[j][i]
            if add_huber_loss:
                i_loss = huber_loss(flow_pred, flow_gt[j], delta=6.0)
            else:
                i_loss = np.abs(flow_pred - flow_gt[j])
            i_loss = np.mean(i_loss, axis=3)
            valid_ = valids[j].copy()
            if loss_only_for_visible:
                valid_ = valid_ * vis[j]
            flow_loss += i_weight * reduce_masked_mean(i_loss, valid_)
        flow_loss = flow_loss / n_predictions
        total_flow_loss += flow_loss
    return total_flow_loss / len(flow_gt)


def windows(t, offline, sliding_window_len=16):
    """The window starts of forward_batch: offline S = T, seq_len = S // 2 + 1; online
    S = sliding_window_len, seq_len = T."""
    if offline:
        s = t
        seq_len = (s // 2) + 1
    else:
        s = sliding_window_len
        seq_len = t
    return s, list(range(0, seq_len - s // 2, s // 2))


def predictions(batch, offline, rng, iters=4):
    """coord_predictions as the model returns them in training: per window, per iteration,
    [B, S, N, 2]; here the ground truth plus noise that shrinks with the iterations."""
    t = batch["trajectory"].shape[1]
    s, starts = windows(t, offline)
    return [[batch["trajectory"][:, a:a + s] + rng.normal(0, 3.0 / (i + 1), batch["trajectory"][:, a:a + s].shape)
             for i in range(iters)] for a in starts]


def training_loss(batch, coord_predictions, offline):
    """forward_batch's loss with the batch's own labels (Shards/README.md)."""
    trajs_g = batch["trajectory"]
    vis_g = batch["visibility"] > 0.5
    valids = batch["valid"].astype(np.float32)            # dataclass_to_cuda_ makes every field float
    valid_mask = np.ones_like(valids)                     # the model's own mask (all ones here)
    t = trajs_g.shape[1]
    s, starts = windows(t, offline)
    vis_gts, invis_gts, traj_gts, valids_gts = [], [], [], []
    for ind in starts:
        vis_gts.append(vis_g[:, ind:ind + s].astype(np.float32))
        invis_gts.append(1 - vis_g[:, ind:ind + s].astype(np.float32))
        traj_gts.append(trajs_g[:, ind:ind + s, :, :2])
        valids_gts.append(valids[:, ind:ind + s] * valid_mask[:, ind:ind + s])
    seq_loss = sequence_loss(coord_predictions, traj_gts, valids_gts, vis=vis_gts, gamma=0.8,
                             add_huber_loss=True, loss_only_for_visible=True)
    seq_loss_invisible = sequence_loss(coord_predictions, traj_gts, valids_gts, vis=invis_gts, gamma=0.8,
                                       add_huber_loss=False, loss_only_for_visible=True)
    return seq_loss * 0.05 + seq_loss_invisible * 0.01


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("training"))
    write_synthetic_shards(out, clips=4)              # N = 16, 20, 24, 28; T = 10; 96 x 64
    return out


@pytest.mark.parametrize("sequence_len,traj_per_sample,crop",
                         [(12, 24, (48, 80)), (6, 12, None), (10, 40, (64, 96)), (10, 16, (80, 64))])
def test_samples_have_exactly_n_tracks_and_t_frames(shards, sequence_len, traj_per_sample, crop):
    ds = open_shards(shards)
    rng = np.random.default_rng(0)
    for s in ds:
        item = training_sample(s, traj_per_sample=traj_per_sample, sequence_len=sequence_len, crop_size=crop, rng=rng)
        h, w = s["meta"]["stored"]["height"], s["meta"]["stored"]["width"]
        if crop:  # a side shorter than the crop (64 < 80 here) is kept whole, as RealDataset keeps it
            h, w = min(h, crop[0]), min(w, crop[1])
        assert item["video"].shape == (sequence_len, 3, h, w) and item["video"].dtype == np.float32
        assert item["trajectory"].shape == (sequence_len, traj_per_sample, 2)
        assert item["visibility"].shape == item["valid"].shape == (sequence_len, traj_per_sample)
        assert item["query_points"].shape == (traj_per_sample, 3)
        k = item["labelled_tracks"]
        assert 0 < k <= min(traj_per_sample, s["tracks"].shape[1])
        # Padding (tracks past k, frames past the clip's T) is never visible and never valid.
        assert not item["valid"][:, k:].any() and not item["visibility"][:, k:].any()
        t = s["tracks"].shape[0]
        if sequence_len > t:
            assert not item["valid"][t:].any() and not item["visibility"][t:].any()
        assert not (item["visibility"] & ~item["valid"]).any()
        # Every labelled track is queried on a frame of the window where it is visible, at its label.
        qt = item["query_points"][:k, 0].astype(int)
        assert ((qt >= 0) & (qt < sequence_len)).all()
        assert item["visibility"][qt, np.arange(k)].all()
        np.testing.assert_array_equal(item["query_points"][:k, 1:], item["trajectory"][qt, np.arange(k)])
        # Visible labels lie inside the (cropped) frame.
        xy = item["trajectory"][item["visibility"]]
        assert (xy >= -0.5).all() and (xy[:, 0] <= w - 0.5).all() and (xy[:, 1] <= h - 0.5).all()


def test_the_crop_moves_labels_with_the_pixels(shards):
    """A visible label's pixel in the crop is the same pixel of the uncropped window."""
    s = open_shards(shards)[1]
    full = training_sample(s, traj_per_sample=20, sequence_len=10, rng=np.random.default_rng(5))
    crop = training_sample(s, traj_per_sample=20, sequence_len=10, crop_size=(40, 64), rng=np.random.default_rng(5))
    # Same window (T = sequence_len) and, drawn first, the same crop offsets: find them by matching pixels.
    v_full, v_crop = full["video"], crop["video"]
    hits = [(y, x) for y in range(64 - 40 + 1) for x in range(96 - 64 + 1)
            if np.array_equal(v_full[:, :, y:y + 40, x:x + 64], v_crop)]
    assert len(hits) >= 1
    y0, x0 = hits[0]
    # Every labelled crop position, moved back by the offsets, is a label of the uncropped window.
    def labels(item, dx=0, dy=0):
        t, n = np.nonzero(item["valid"])
        xy = item["trajectory"][t, n] + np.array([dx, dy], np.float32)
        return {(int(a), round(float(x), 3), round(float(y), 3)) for a, (x, y) in zip(t, xy)}
    moved = labels(crop, x0, y0)
    assert moved and moved <= labels(full)
    assert not (crop["visibility"] & ~crop["valid"]).any()


def test_crop_and_length_are_drawn_as_co_trackers_real_dataset_draws_them(shards):
    """cotracker/datasets/real_dataset.py @ 82e02e8, RealDataset: crop() takes the corner
    from np.random.randint(0, H - crop_h) (upper end excluded) at the stored scale, and
    random_seq_len gives np.random.randint(int(seq_len / 2), seq_len) frames. Pixels coded
    with their own coordinates give each crop's corner back."""
    s = open_shards(shards)[2]
    t, h, w = 10, 64, 96
    yy, xx = np.mgrid[0:h, 0:w]
    coded = np.broadcast_to(np.stack([yy, xx, np.zeros_like(yy)], -1).astype(np.uint8), (t, h, w, 3)).copy()
    rng = np.random.default_rng(4)
    corners, lengths = set(), set()
    for _ in range(300):
        item = training_sample(s, traj_per_sample=8, sequence_len=t, crop_size=(40, 64), random_seq_len=True,
                               frames=coded, rng=rng)
        assert item["video"].shape[1:] == (3, 40, 64)
        y0, x0 = int(item["video"][0, 0, 0, 0]), int(item["video"][0, 1, 0, 0])
        np.testing.assert_array_equal(item["video"][:, 0], yy[y0:y0 + 40, x0:x0 + 64][None].repeat(len(item["video"]), 0))
        corners.add((y0, x0))
        lengths.add(item["video"].shape[0])
        assert item["trajectory"].shape[0] == item["valid"].shape[0] == item["video"].shape[0]
    ys, xs = {c[0] for c in corners}, {c[1] for c in corners}
    assert min(ys) == 0 and max(ys) == h - 40 - 1 and min(xs) == 0 and max(xs) == w - 64 - 1
    assert lengths == set(range(t // 2, t))
    whole = training_sample(s, traj_per_sample=8, sequence_len=t, crop_size=(64, 128), frames=coded, rng=rng)
    np.testing.assert_array_equal(whole["video"][:, :, :, :], coded.transpose(0, 3, 1, 2))  # no side longer: no crop


def test_samples_of_different_lengths_and_sizes_are_padded_without_labels(shards):
    """collate_training pads to the batch's largest T, H and W: the added frames repeat the
    last one and carry no label, the added pixels are black, the rest is unchanged."""
    ds = open_shards(shards)
    rng = np.random.default_rng(2)
    short = training_sample(ds[0], traj_per_sample=12, sequence_len=7, crop_size=(48, 80), rng=rng)
    long = training_sample(ds[1], traj_per_sample=12, sequence_len=10, crop_size=(64, 96), rng=rng)
    batch = collate_training([short, long])
    assert batch["video"].shape == (2, 10, 3, 64, 96) and batch["valid"].shape == (2, 10, 12)
    np.testing.assert_array_equal(batch["video"][0, :7, :, :48, :80], short["video"])
    np.testing.assert_array_equal(batch["video"][0, 7:, :, :48, :80], short["video"][[6, 6, 6]])
    assert not batch["video"][0, :, :, 48:].any() and not batch["video"][0, :, :, :, 80:].any()
    assert not batch["valid"][0, 7:].any() and not batch["visibility"][0, 7:].any()
    np.testing.assert_array_equal(batch["valid"][0, :7], short["valid"])
    np.testing.assert_array_equal(batch["trajectory"][0, :7], short["trajectory"])
    np.testing.assert_array_equal(batch["query_points"][0], short["query_points"])
    for key in ("video", "trajectory", "visibility", "valid", "query_points"):
        np.testing.assert_array_equal(batch[key][1], long[key])


def test_a_clip_without_a_queryable_track_is_all_padding(tmp_path):
    from conftest import synthetic_clip
    from mds_writer import MDSWriter, encode_h264
    from pseudotrack_data.schema import LABEL_COLUMNS
    sample, frames = synthetic_clip(0, t=6, n=4)
    sample["visibility"][:] = 0
    sample["video_mp4"] = encode_h264(frames, fps=30.0)
    with MDSWriter(str(tmp_path), {**LABEL_COLUMNS, "video_mp4": "bytes"}, size_limit=1 << 20) as writer:
        writer.write(sample)
    item = training_sample(open_shards(str(tmp_path))[0], traj_per_sample=8, sequence_len=6,
                           rng=np.random.default_rng(0))
    assert item["labelled_tracks"] == 0 and not item["valid"].any() and not item["visibility"].any()
    assert np.isfinite(item["trajectory"]).all() and np.isfinite(item["query_points"]).all()


@pytest.mark.parametrize("offline,random_seq_len", [(True, False), (False, False), (True, True)])
def test_training_step_ignores_everything_where_valid_is_0(shards, offline, random_seq_len):
    """Batches of 2 clips with different N (16 and 28 tracks) and fewer frames than the
    sequence: padded to N = 24 and T = 20 (with random_seq_len, each draws its own
    length from 10 … 19 and the batch is padded to the longer). The loss is the same
    whatever the predictions are where valid = 0, and changes where valid = 1."""
    ds = open_shards(shards)
    rng = np.random.default_rng(1)
    assert ds[0]["tracks"].shape[1] != ds[3]["tracks"].shape[1]
    items = [training_sample(ds[i], traj_per_sample=24, sequence_len=20, crop_size=(64, 96),
                             random_seq_len=random_seq_len, rng=rng) for i in (0, 3)]
    if random_seq_len:
        items[1] = training_sample(ds[3], traj_per_sample=24, sequence_len=20, crop_size=(64, 96), random_seq_len=True,
                                   rng=np.random.default_rng(7))
        assert items[0]["video"].shape[0] != items[1]["video"].shape[0]
    batch = collate_training(items)
    t = max(item["video"].shape[0] for item in items)
    assert batch["trajectory"].shape == (2, t, 24, 2) and batch["video"].shape == (2, t, 3, 64, 96)
    assert min(batch["labelled_tracks"]) < 24                      # there is padding to ignore
    preds = predictions(batch, offline, rng)
    loss = training_loss(batch, preds, offline)
    assert np.isfinite(loss) and loss > 0

    s, starts = windows(t, offline)
    invalid = ~batch["valid"]
    changed = [[p.copy() for p in window] for window in preds]
    for w, a in enumerate(starts):
        for p in changed[w]:
            p[invalid[:, a:a + s]] += rng.normal(0, 50.0, p[invalid[:, a:a + s]].shape)
    assert training_loss(batch, changed, offline) == loss

    visible = batch["valid"] & batch["visibility"]
    moved = [[p.copy() for p in window] for window in preds]
    for w, a in enumerate(starts):
        for p in moved[w]:
            p[visible[:, a:a + s]] += 5.0
    assert training_loss(batch, moved, offline) > loss


def test_collate_refuses_samples_with_different_n(shards):
    ds = open_shards(shards)
    rng = np.random.default_rng(0)
    a = training_sample(ds[0], traj_per_sample=8, sequence_len=6, rng=rng)
    b = training_sample(ds[1], traj_per_sample=9, sequence_len=6, rng=rng)
    with pytest.raises(ValueError, match="differ in shape"):
        collate_training([a, b])


def test_torch_dataset_and_cotrackers_collate(shards):
    """Where torch is installed: the Dataset's items stack with co-tracker's own
    collate_fn_train (cotracker/datasets/utils.py @ 82e02e8, reproduced) and with ours."""
    torch = pytest.importorskip("torch")
    from pseudotrack_data.torch_training import CoTrackerBatch, CoTrackerTrainingDataset, collate_cotracker_train
    dataset = CoTrackerTrainingDataset(shards, traj_per_sample=24, sequence_len=12, crop_size=(48, 64))
    batch = [dataset[i] for i in range(len(dataset))]
    gotit = [g for _, g in batch]
    video = torch.stack([b.video for b, _ in batch], dim=0)       # collate_fn_train, as written there
    trajectory = torch.stack([b.trajectory for b, _ in batch], dim=0)
    visibility = torch.stack([b.visibility for b, _ in batch], dim=0)
    valid = torch.stack([b.valid for b, _ in batch], dim=0)
    query_points = torch.stack([b.query_points for b, _ in batch], dim=0)
    assert all(gotit) and video.shape == (4, 12, 3, 48, 64) and trajectory.shape == (4, 12, 24, 2)
    assert visibility.dtype == torch.bool and valid.shape == (4, 12, 24) and query_points.shape == (4, 24, 3)
    ours, ours_gotit = collate_cotracker_train(batch)
    assert isinstance(ours, CoTrackerBatch) and ours_gotit == gotit
    assert torch.equal(ours.trajectory, trajectory) and torch.equal(ours.valid, valid)
    loader = torch.utils.data.DataLoader(dataset, batch_size=2, shuffle=True, num_workers=2,
                                         collate_fn=collate_cotracker_train, generator=torch.Generator().manual_seed(0))
    for data, got in loader:
        assert data.video.shape == (2, 12, 3, 48, 64) and got == [True, True]
    # RealDataset's random_seq_len (the offline recipe): items of 6 … 11 frames, a batch padded to its longest.
    varying = CoTrackerTrainingDataset(shards, traj_per_sample=24, sequence_len=12, crop_size=(48, 64),
                                       random_seq_len=True, seed=3)
    items = [varying[i] for i in range(len(varying))]
    lengths = [b.video.shape[0] for b, _ in items]
    assert all(6 <= n < 12 for n in lengths) and len(set(lengths)) > 1
    data, _ = collate_cotracker_train(items)
    assert data.video.shape == (4, max(lengths), 3, 48, 64)
    for b, (item, _) in enumerate(items):
        assert not data.valid[b, lengths[b]:].any() and torch.equal(data.trajectory[b, :lengths[b]], item.trajectory)
