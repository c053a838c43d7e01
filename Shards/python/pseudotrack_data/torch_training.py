"""CoTracker3's training data from the shards, for torch: a Dataset whose items are what
co-tracker's ``RealDataset.__getitem__`` returns, ``(CoTrackerData, gotit)``, drawn as it
draws them (random window, random crop at the stored scale, with ``random_seq_len`` a
random length) with exactly ``traj_per_sample`` tracks (``training_sample``), and the
collate that stacks them for any batch size. Importing this module needs torch.

co-tracker's own ``collate_fn_train`` (``cotracker/datasets/utils.py``) also accepts these
items when they have one shape: without ``random_seq_len`` and with stored frames at
least as large as the crop, or with batches of one (the recipe's ``--batch_size 1``).
``collate_cotracker_train`` accepts any, padding to the batch's largest
(``padded_sample``), and keeps ``valid``, ``query_points`` and the item class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .mds import open_shards
from .training import TRAINING_FIELDS, collate_training, training_sample

__all__ = ["CoTrackerBatch", "CoTrackerTrainingDataset", "collate_cotracker_train"]


@dataclass(eq=False)
class CoTrackerBatch:
    """The fields of co-tracker's ``CoTrackerData`` (``cotracker/datasets/utils.py``), for
    when co-tracker is not importable; pass ``data_class=CoTrackerData`` to get theirs."""
    video: torch.Tensor
    trajectory: torch.Tensor
    visibility: torch.Tensor
    valid: Optional[torch.Tensor] = None
    segmentation: Optional[torch.Tensor] = None
    seq_name: Any = None
    query_points: Optional[torch.Tensor] = None
    transforms: Any = None
    aug_video: Optional[torch.Tensor] = None


class CoTrackerTrainingDataset(torch.utils.data.Dataset):
    """Items ``(data_class(video, trajectory, visibility, valid, seq_name, query_points),
    gotit)`` as float32 / bool tensors: video [T, 3, H, W] 0-255, trajectory [T, N, 2]
    (x, y), visibility and valid [T, N], query_points [N, 3] (t, x, y), with N =
    ``traj_per_sample`` and T = ``sequence_len`` (with ``random_seq_len``, as RealDataset
    with the offline model: drawn from ``sequence_len // 2`` … ``sequence_len - 1``);
    ``gotit`` is False when the clip had no track to give (the sample is all padding, which
    supervises nothing).

    ``shards``: a shard directory (read with ``open_shards``) or any dataset of decoded
    samples, e.g. mosaicml-streaming's ``StreamingDataset(local=DIR)``. ``crop_size`` (H, W)
    crops at random as CoTracker's RealDataset does, at the stored scale (None: the stored
    size; a side shorter than the crop is kept whole). Random draws
    (length, window, crop, view, tracks) come from a generator seeded by ``seed``, the index and
    torch's seed of the process, so they change with each epoch's worker seeds and are
    reproducible under a seeded DataLoader generator.
    """

    def __init__(self, shards: Union[str, os.PathLike, Sequence[Any]], *, traj_per_sample: int = 384,
                 sequence_len: int = 80, crop_size: Optional[Tuple[int, int]] = (384, 512),
                 random_seq_len: bool = False, seed: int = 0, data_class: Callable[..., Any] = CoTrackerBatch):
        self.samples = open_shards(shards) if isinstance(shards, (str, os.PathLike)) else shards
        self.traj_per_sample = int(traj_per_sample)
        self.sequence_len = int(sequence_len)
        self.crop_size = None if crop_size is None else (int(crop_size[0]), int(crop_size[1]))
        self.random_seq_len = bool(random_seq_len)
        self.seed = int(seed)
        self.data_class = data_class

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Tuple[Any, bool]:
        rng = np.random.default_rng([self.seed, int(index), torch.initial_seed() % (1 << 63)])
        item = training_sample(self.samples[int(index)], traj_per_sample=self.traj_per_sample,
                               sequence_len=self.sequence_len, crop_size=self.crop_size,
                               random_seq_len=self.random_seq_len, rng=rng)
        data = self.data_class(**{key: torch.from_numpy(item[key]) for key in TRAINING_FIELDS},
                               seq_name=item["seq_name"])
        return data, item["labelled_tracks"] > 0


def collate_cotracker_train(batch: Sequence[Tuple[Any, bool]]) -> Tuple[Any, List[bool]]:
    """co-tracker's ``collate_fn_train`` for these items: ``(data, gotit)`` pairs to one
    ``data`` of the items' class with tensors stacked along a new batch axis (B first;
    ``seq_name`` a list) and the list of ``gotit``. Items of different lengths or frame
    sizes are first padded to the batch's largest (``padded_sample``: the added frames
    and pixels carry no label); they must have the same N."""
    if not batch:
        raise ValueError("empty batch")
    items = [b for b, _ in batch]
    cls = type(items[0])
    stacked = collate_training([{key: getattr(b, key).numpy() for key in TRAINING_FIELDS} for b in items])
    out = {key: torch.from_numpy(stacked[key]) for key in TRAINING_FIELDS}
    for f in fields(cls):
        if f.name in out:
            continue
        values = [getattr(b, f.name, None) for b in items]
        if all(isinstance(v, torch.Tensor) for v in values):
            out[f.name] = torch.stack(values, 0)
        elif f.name == "seq_name":
            out[f.name] = values
    return cls(**out), [bool(g) for _, g in batch]
