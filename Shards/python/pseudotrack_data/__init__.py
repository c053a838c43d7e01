"""Read PseudoTrack's training shards (MDS, as mosaicml-streaming writes and reads them)
with numpy and zstandard, make CoTracker training samples of a fixed size from them, and
export them to CoTracker's Kubric layout, TAP-Vid pickles, and rig clips to TAPVid-3D and
MVTracker. The format (cited as "shard format §N" here) is specified in the PseudoTrack
repository's Shards/README.md. Every function returns numpy; the torch Dataset is in
``pseudotrack_data.torch_training``, which needs torch."""

from .cotracker import collate_cotracker, cotracker_views, to_cotracker
from .export import (TAPVID_CONVENTIONS, encode_jpeg, export_cotracker_kubric, export_mvtracker, export_tapvid,
                     export_tapvid3d, write_png)
from .mds import (DECODABLE_ENCODINGS, FileInfo, ShardChecksumError, ShardDataset, ShardFormatError,
                  ShardInfo, decode_column, open_shards)
from .rig import camera_points, depth_views, is_rig, project, rig_cameras, rig_view, view_count
from .schema import (LABEL_COLUMNS, MEDIA_COLUMNS, RIG_COLUMNS, RIG_DEPTH_COLUMNS, SCHEMA_COLUMNS, check_dataset,
                     check_sample, media_mode)
from .training import TRAINING_FIELDS, collate_training, padded_sample, training_sample
from .video import decode_mp4, sample_frames, sample_views, split_views

__version__ = "0.2.0"

__all__ = [
    "DECODABLE_ENCODINGS", "FileInfo", "LABEL_COLUMNS", "MEDIA_COLUMNS", "RIG_COLUMNS", "RIG_DEPTH_COLUMNS",
    "SCHEMA_COLUMNS", "ShardChecksumError", "ShardDataset", "ShardFormatError", "ShardInfo", "TAPVID_CONVENTIONS",
    "TRAINING_FIELDS", "camera_points", "check_dataset", "check_sample", "collate_cotracker", "collate_training",
    "cotracker_views", "decode_column", "decode_mp4", "depth_views", "encode_jpeg", "export_cotracker_kubric",
    "export_mvtracker", "export_tapvid", "export_tapvid3d", "is_rig", "media_mode", "open_shards", "padded_sample",
    "project", "rig_cameras", "rig_view", "sample_frames", "sample_views", "split_views", "to_cotracker",
    "training_sample", "view_count", "write_png",
]
