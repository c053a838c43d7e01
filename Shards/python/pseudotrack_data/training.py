"""CoTracker training samples of a fixed size from the shards: exactly ``sequence_len``
frames and ``traj_per_sample`` tracks per sample, as co-tracker's training step
(``train_on_real_data.py`` forward_batch, ``sequence_len`` 80 and ``traj_per_sample`` 384
in CoTracker3's recipe) takes them, so that any batch size stacks. numpy only; the torch
Dataset over it is ``pseudotrack_data.torch_training``.

What a sample is made of, in order:

1. The clip's CoTracker fields (``to_cotracker``); for a rig clip, one view with points
   queried in it, drawn at random.
2. A window of ``sequence_len`` frames at a random start. A shorter clip keeps all its
   frames and is padded at the end with its last frame, where no track has a label.
3. With ``crop_size`` (H, W): a crop of that size at a random place (CoTracker's
   RealDataset crop); a label that leaves the crop is not visible there (as co-tracker's
   Kubric loader marks it). A frame smaller than the crop is an error.
4. A query per track inside the window: its own query when its frame is in the window and
   the point is visible there, else its first visible labelled frame in the window; a
   track with none cannot be queried and is left out.
5. ``traj_per_sample`` of those tracks at random. When fewer exist, copies of the chosen
   ones (or, with none, points at the frame centre) fill the rest with ``valid`` False and
   ``visibility`` False everywhere: they supervise nothing in CoTracker's losses, which
   average over ``valid``.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from .cotracker import to_cotracker
from .rig import is_rig

__all__ = ["TRAINING_FIELDS", "collate_training", "training_sample"]

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
                    frames: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """One fixed-size CoTracker training sample of a decoded shard sample (see the module
    doc): the fields of ``TRAINING_FIELDS`` with T = ``sequence_len``, N =
    ``traj_per_sample`` and (H, W) = ``crop_size`` when given, all numpy; ``seq_name``
    (str); ``labelled_tracks`` (int): how many of the N are the clip's tracks rather than
    padding (0: the sample supervises nothing, CoTracker's ``gotit`` False)."""
    if traj_per_sample < 1 or sequence_len < 1:
        raise ValueError(f"traj_per_sample ({traj_per_sample}) and sequence_len ({sequence_len}) must be positive")
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

    # 3. the crop
    if crop_size is not None:
        ch, cw = int(crop_size[0]), int(crop_size[1])
        if height < ch or width < cw:
            raise ValueError(f"{fields['seq_name'] or 'the clip'}: frames of {height}x{width} are smaller than the "
                             f"crop {ch}x{cw}; write the shards at that size (Pipelines/cotracker3.yaml)")
        y0 = int(rng.integers(0, height - ch + 1))
        x0 = int(rng.integers(0, width - cw + 1))
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


def collate_training(batch: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Stack ``training_sample`` results along a new batch axis (B first), numpy out:
    the fields of ``TRAINING_FIELDS`` [B, ...], ``seq_name`` and ``labelled_tracks`` as
    lists. ValueError when the samples differ in shape (they were made with different
    sizes, or without a crop from clips of different sizes)."""
    if not batch:
        raise ValueError("empty batch")
    out: Dict[str, Any] = {}
    for key in TRAINING_FIELDS:
        items = [np.asarray(b[key]) for b in batch]
        shapes = sorted({x.shape for x in items})
        if len(shapes) > 1:
            raise ValueError(f"{key}: the samples differ in shape {shapes}")
        out[key] = np.stack(items, 0)
    out["seq_name"] = [str(b.get("seq_name", "")) for b in batch]
    out["labelled_tracks"] = [int(b.get("labelled_tracks", 0)) for b in batch]
    return out
