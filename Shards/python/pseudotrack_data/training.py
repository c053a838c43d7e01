"""CoTracker training samples from the shards, drawn as co-tracker's real-data loader
draws its clips (``cotracker/datasets/real_dataset.py``, RealDataset @ 82e02e8, which
``train_on_real_data.py`` uses: ``sequence_len`` 80 and ``traj_per_sample`` 384 in
CoTracker3's recipe), with exactly ``traj_per_sample`` tracks per sample. numpy only; the
torch Dataset over it is ``pseudotrack_data.torch_training``.

What a sample is made of, in order:

1. The clip's CoTracker fields (``to_cotracker``); for a rig clip, one view with points
   queried in it, drawn at random.
2. Its length T: ``sequence_len``, or with ``random_seq_len`` a length drawn from
   ``sequence_len // 2`` … ``sequence_len - 1`` (RealDataset's ``random_seq_len``, which
   the recipe sets for the offline model). Then a window of T frames at a random start.
   A shorter clip keeps all its frames and is padded at the end with its last frame,
   where no track has a label.
3. With ``crop_size`` (H, W): RealDataset's crop, at the stored scale. Its top-left corner
   is drawn from 0 … H' − H − 1 (0 … W' − W − 1) of a stored frame of H' × W'; a side not
   longer than the crop is kept whole, so a frame smaller than the crop stays smaller, as
   there. A label that leaves the crop is not visible there (as co-tracker's Kubric loader
   marks it).
4. A query per track inside the window: its own query when its frame is in the window and
   the point is visible there, else its first visible labelled frame in the window; a
   track with none cannot be queried and is left out.
5. ``traj_per_sample`` of those tracks at random. When fewer exist, copies of the chosen
   ones (or, with none, points at the frame centre) fill the rest with ``valid`` False and
   ``visibility`` False everywhere: they supervise nothing in CoTracker's losses, which
   average over ``valid``.

Samples of different T, H or W (a random length, frames smaller than the crop) are
stacked by ``collate_training`` after padding each to the batch's largest: frames after a
sample's end repeat its last frame and carry no label, pixels beyond its width or height
are black. A batch of one, the recipe's, is never padded.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from .cotracker import to_cotracker
from .rig import is_rig

__all__ = ["TRAINING_FIELDS", "collate_training", "padded_sample", "training_sample"]

#: The array fields of a training sample, with their layout (batch axis first once collated).
TRAINING_FIELDS = {
    "video": "float32 [T, 3, H, W], 0-255",
    "trajectory": "float32 [T, N, 2], (x, y) pixels, integers at pixel centres",
    "visibility": "bool [T, N]",
    "valid": "bool [T, N] (False: no label, padding included)",
    "query_points": "float32 [N, 3], (t, x, y)",
}


def training_sample(sample: Mapping[str, Any], *, traj_per_sample: int, sequence_len: int,
                    rng: np.random.Generator, crop_size: Optional[Tuple[int, int]] = None,
                    random_seq_len: bool = False, frames: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """One CoTracker training sample of a decoded shard sample (see the module doc): the
    fields of ``TRAINING_FIELDS`` with N = ``traj_per_sample``, T = ``sequence_len`` (with
    ``random_seq_len``: drawn from ``sequence_len // 2`` … ``sequence_len - 1``) and (H, W)
    = ``crop_size`` where the stored frame is larger, all numpy; ``seq_name`` (str);
    ``labelled_tracks`` (int): how many of the N are the clip's tracks rather than padding
    (0: the sample supervises nothing, CoTracker's ``gotit`` False)."""
    if traj_per_sample < 1 or sequence_len < 1:
        raise ValueError(f"traj_per_sample ({traj_per_sample}) and sequence_len ({sequence_len}) must be positive")
    if random_seq_len:  # RealDataset: np.random.randint(int(seq_len / 2), seq_len)
        sequence_len = int(rng.integers(max(1, sequence_len // 2), max(2, sequence_len)))
    view = None
    if is_rig(sample):
        queried = np.unique(np.asarray(sample["query_view"]))
        if queried.size == 0:
            raise ValueError("a rig clip without points")
        view = int(rng.choice(queried))
    fields = to_cotracker(sample, frames=frames, view=view)
    video, tracks = fields["video"], fields["trajectory"]
    visible = fields["visibility"] & fields["valid"]
    valid = fields["valid"].copy()
    queries = fields["query_points"]
    t_count, _, height, width = video.shape

    # 2. the window, padded at the end with the last frame (no labels there)
    if t_count >= sequence_len:
        start = int(rng.integers(0, t_count - sequence_len + 1))
        frames_idx = np.arange(start, start + sequence_len)
        labelled = np.ones(sequence_len, bool)
    else:
        start = 0
        frames_idx = np.minimum(np.arange(sequence_len), t_count - 1)
        labelled = np.arange(sequence_len) < t_count
    video = video[frames_idx]
    tracks = tracks[frames_idx].copy()
    visible = visible[frames_idx] & labelled[:, None]
    valid = valid[frames_idx] & labelled[:, None]

    # 3. the crop, RealDataset's: y0 = 0 if ch >= H else randint(0, H - ch), likewise x0
    if crop_size is not None:
        ch, cw = int(crop_size[0]), int(crop_size[1])
        if ch < 1 or cw < 1:
            raise ValueError(f"crop_size {crop_size} must be positive")
        y0 = 0 if ch >= height else int(rng.integers(0, height - ch))
        x0 = 0 if cw >= width else int(rng.integers(0, width - cw))
        ch, cw = min(ch, height), min(cw, width)
        video = video[:, :, y0:y0 + ch, x0:x0 + cw]
        tracks -= np.array([x0, y0], np.float32)
        inside = ((tracks[..., 0] >= -0.5) & (tracks[..., 0] <= cw - 0.5)
                  & (tracks[..., 1] >= -0.5) & (tracks[..., 1] <= ch - 0.5))
        visible &= inside
        height, width = ch, cw

    # 4. a query per track inside the window
    own_t = np.rint(queries[:, 0]).astype(np.int64) - start
    own_ok = (own_t >= 0) & (own_t < sequence_len)
    own_ok[own_ok] &= visible[own_t[own_ok], np.flatnonzero(own_ok)]
    first = visible.argmax(axis=0)
    eligible = own_ok | visible.any(axis=0)
    query_t = np.where(own_ok, own_t, first)

    # 5. traj_per_sample of them, then padding
    candidates = np.flatnonzero(eligible)
    chosen = rng.permutation(candidates)[:traj_per_sample]
    labelled_tracks = int(chosen.size)
    pad = traj_per_sample - labelled_tracks
    if labelled_tracks:
        fill = chosen[np.arange(pad) % labelled_tracks]
        order = np.concatenate([chosen, fill])
        out_tracks = tracks[:, order]
        q_t = query_t[order]
        out_queries = np.concatenate([q_t[:, None].astype(np.float32), tracks[q_t, order]], axis=1)
    else:
        order = np.zeros(0, np.int64)
        out_tracks = np.broadcast_to(np.array([(width - 1) / 2, (height - 1) / 2], np.float32),
                                     (sequence_len, traj_per_sample, 2))
        out_queries = np.tile(np.array([0, (width - 1) / 2, (height - 1) / 2], np.float32), (traj_per_sample, 1))
    out_visible = np.zeros((sequence_len, traj_per_sample), bool)
    out_valid = np.zeros((sequence_len, traj_per_sample), bool)
    out_visible[:, :labelled_tracks] = visible[:, chosen]
    out_valid[:, :labelled_tracks] = valid[:, chosen]
    return {
        "video": np.ascontiguousarray(video, np.float32),
        "trajectory": np.ascontiguousarray(out_tracks, np.float32),
        "visibility": out_visible,
        "valid": out_valid,
        "query_points": np.ascontiguousarray(out_queries, np.float32),
        "seq_name": fields["seq_name"],
        "labelled_tracks": labelled_tracks,
    }


def padded_sample(item: Mapping[str, Any], frames: int, height: int, width: int) -> Dict[str, Any]:
    """``item``'s fields of ``TRAINING_FIELDS`` padded to ``frames`` × ``height`` ×
    ``width`` (none of them smaller than the item's): the added frames repeat its last
    frame and last positions, with ``visibility`` and ``valid`` False; the added pixels are
    black. Labels and queries keep their coordinates."""
    video = np.asarray(item["video"])
    t, _, h, w = video.shape
    if frames < t or height < h or width < w:
        raise ValueError(f"cannot pad a sample of {t}x{h}x{w} to {frames}x{height}x{width}")
    out = {key: np.asarray(item[key]) for key in TRAINING_FIELDS}
    if (frames, height, width) == (t, h, w):
        return out
    last = np.minimum(np.arange(frames), t - 1)
    padded = np.zeros((frames, 3, height, width), video.dtype)
    padded[:, :, :h, :w] = video[last]
    out["video"] = padded
    out["trajectory"] = out["trajectory"][last]
    for key in ("visibility", "valid"):
        out[key] = out[key][last] & (np.arange(frames) < t)[:, None]
    return out


def collate_training(batch: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Stack ``training_sample`` results along a new batch axis (B first), numpy out:
    the fields of ``TRAINING_FIELDS`` [B, ...], ``seq_name`` and ``labelled_tracks`` as
    lists. Samples shorter or smaller than the batch's largest are padded to it
    (``padded_sample``). ValueError when they differ in N (they were made with different
    ``traj_per_sample``)."""
    if not batch:
        raise ValueError("empty batch")
    counts = sorted({np.asarray(b["query_points"]).shape[0] for b in batch})
    if len(counts) > 1:
        raise ValueError(f"the samples differ in shape: N = {counts} tracks (traj_per_sample)")
    shape = np.max([np.asarray(b["video"]).shape for b in batch], axis=0)
    items = [padded_sample(b, int(shape[0]), int(shape[2]), int(shape[3])) for b in batch]
    out: Dict[str, Any] = {}
    for key in TRAINING_FIELDS:
        out[key] = np.stack([x[key] for x in items], 0)
    out["seq_name"] = [str(b.get("seq_name", "")) for b in batch]
    out["labelled_tracks"] = [int(b.get("labelled_tracks", 0)) for b in batch]
    return out
