"""Read PseudoTrack's training shards (MDS, as mosaicml-streaming writes and reads them)
with numpy and zstandard, turn samples into CoTracker's training fields, and export
them to CoTracker's Kubric layout or TAP-Vid pickles, and rig clips to TAPVid-3D and
MVTracker. The format is specified in Shards/README.md of the PseudoTrack repository."""

from .cotracker import collate_cotracker, cotracker_views, to_cotracker
from .export import (encode_jpeg, export_cotracker_kubric, export_mvtracker, export_tapvid, export_tapvid3d,
                     write_png)
from .mds import (DECODABLE_ENCODINGS, FileInfo, ShardChecksumError, ShardDataset, ShardFormatError,
                  ShardInfo, decode_column, open_shards)
from .rig import camera_points, is_rig, project, rig_cameras, rig_view, view_count
from .schema import (LABEL_COLUMNS, MEDIA_COLUMNS, RIG_COLUMNS, SCHEMA_COLUMNS, check_dataset,
                     check_sample, media_mode)
from .video import decode_mp4, sample_frames, sample_views, split_views

__version__ = "0.1.0"

__all__ = [
    "DECODABLE_ENCODINGS", "FileInfo", "LABEL_COLUMNS", "MEDIA_COLUMNS", "RIG_COLUMNS",
    "SCHEMA_COLUMNS", "ShardChecksumError", "ShardDataset", "ShardFormatError", "ShardInfo",
    "camera_points", "check_dataset", "check_sample", "collate_cotracker", "cotracker_views", "decode_column",
    "decode_mp4", "encode_jpeg", "export_cotracker_kubric", "export_mvtracker", "export_tapvid",
    "export_tapvid3d", "is_rig", "media_mode", "open_shards", "project", "rig_cameras", "rig_view",
    "sample_frames", "sample_views", "split_views", "to_cotracker", "view_count", "write_png",
]
