"""Read PseudoTrack's training shards (MDS, as mosaicml-streaming writes and reads them)
with numpy and zstandard, turn samples into CoTracker's training fields, and export
them to CoTracker's Kubric layout or TAP-Vid pickles. The format is specified in
Shards/README.md of the PseudoTrack repository."""

from .cotracker import collate_cotracker, to_cotracker
from .export import export_cotracker_kubric, export_tapvid, write_png
from .mds import (DECODABLE_ENCODINGS, FileInfo, ShardChecksumError, ShardDataset, ShardFormatError,
                  ShardInfo, decode_column, open_shards)
from .schema import (LABEL_COLUMNS, MEDIA_COLUMNS, RIG_COLUMNS, SCHEMA_COLUMNS, check_dataset,
                     check_sample, media_mode)
from .video import decode_mp4, sample_frames

__version__ = "0.1.0"

__all__ = [
    "DECODABLE_ENCODINGS", "FileInfo", "LABEL_COLUMNS", "MEDIA_COLUMNS", "RIG_COLUMNS",
    "SCHEMA_COLUMNS", "ShardChecksumError", "ShardDataset", "ShardFormatError", "ShardInfo",
    "check_dataset", "check_sample", "collate_cotracker", "decode_column", "decode_mp4",
    "export_cotracker_kubric", "export_tapvid", "media_mode", "open_shards", "sample_frames",
    "to_cotracker", "write_png",
]
