"""A minimal MDS writer for the tests, written from Shards/README.md alone.

It shares no code with pseudotrack_data (the reader under test) and does not use
mosaicml-streaming, so the tests check the reader against the specification rather
than against itself. ``encode_h264`` makes a real H.264 MP4 with PyAV.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import zstandard

VALUE_DTYPE_CODES = {
    "uint8": 8, "int8": 9, "uint16": 16, "int16": 17, "float16": 18,
    "uint32": 32, "int32": 33, "float32": 34, "uint64": 64, "int64": 65, "float64": 66,
}


def _shape_width(shape: Sequence[int]) -> int:
    biggest = max(shape)
    for code, limit in ((0, 1 << 8), (1, 1 << 16), (2, 1 << 32)):
        if biggest < limit:
            return code
    return 3


def encode_ndarray(encoding: str, value: np.ndarray) -> bytes:
    parts = encoding.split(":")
    value = np.asarray(value)
    if value.ndim == 0 or value.size == 0:
        raise ValueError("MDS ndarrays have at least one axis and no zero-length axis")
    dtype_name = value.dtype.name
    out = bytearray()
    if len(parts) >= 2 and parts[1]:
        if parts[1] != dtype_name:
            raise ValueError(f"{encoding}: value has dtype {dtype_name}")
    else:
        out.append(VALUE_DTYPE_CODES[dtype_name])
    if len(parts) == 3:
        if tuple(int(d) for d in parts[2].split(",")) != value.shape:
            raise ValueError(f"{encoding}: value has shape {value.shape}")
    else:
        width = _shape_width(value.shape)
        out.append((value.ndim << 2) | width)
        fmt = "<" + "BHIQ"[width] * value.ndim
        out += struct.pack(fmt, *value.shape)
    out += value.astype(value.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
    return bytes(out)


def fixed_size(encoding: str) -> Optional[int]:
    parts = encoding.split(":")
    if parts[0] == "ndarray" and len(parts) == 3:
        count = 1
        for d in parts[2].split(","):
            count *= int(d)
        return count * np.dtype(parts[1]).itemsize
    if encoding == "int":
        return 8
    if encoding in VALUE_DTYPE_CODES:
        return np.dtype(encoding).itemsize
    return None


def encode_value(encoding: str, value: Any) -> bytes:
    name = encoding.split(":")[0]
    if name == "ndarray":
        return encode_ndarray(encoding, value)
    if encoding == "bytes":
        return bytes(value)
    if encoding == "str":
        return value.encode("utf-8")
    if encoding == "json":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    if encoding == "int":
        return struct.pack("<q", value)
    if encoding in VALUE_DTYPE_CODES:
        return np.asarray(value, np.dtype(encoding).newbyteorder("<")).tobytes()
    raise ValueError(f"test writer does not encode {encoding!r}")


class MDSWriter:
    """Writes shard.NNNNN.mds.zstd files and index.json into ``out``."""

    def __init__(self, out: str, columns: Dict[str, str], *, compression: Optional[str] = "zstd",
                 hashes: Sequence[str] = ("sha1",), size_limit: Optional[int] = 1 << 26,
                 entries: Optional[List[Dict[str, Any]]] = None):
        """``entries``: the index entries, shared by writers of one directory (each shard
        takes the next number when it is closed); a fresh list by default."""
        os.makedirs(out, exist_ok=True)
        self.out = out
        self.names = sorted(columns)
        self.encodings = [columns[n] for n in self.names]
        self.sizes = [fixed_size(e) for e in self.encodings]
        self.compression = compression
        self.hashes = sorted(hashes)
        self.size_limit = size_limit
        self.config = {
            "column_encodings": self.encodings, "column_names": self.names, "column_sizes": self.sizes,
            "compression": compression, "format": "mds", "hashes": self.hashes,
            "size_limit": size_limit, "version": 2,
        }
        self.config_bytes = json.dumps(self.config, sort_keys=True).encode("utf-8")
        self.pending: List[bytes] = []
        self.entries: List[Dict[str, Any]] = [] if entries is None else entries

    def _shard_size(self, samples: List[bytes]) -> int:
        return 4 + 4 * (len(samples) + 1) + len(self.config_bytes) + sum(len(s) for s in samples)

    def write(self, sample: Dict[str, Any]) -> None:
        if set(sample) != set(self.names):
            raise ValueError(f"sample columns {sorted(sample)} != {self.names}")
        head, body = [], []
        for name, encoding, size in zip(self.names, self.encodings, self.sizes):
            data = encode_value(encoding, sample[name])
            if size is None:
                head.append(len(data))
            elif len(data) != size:
                raise ValueError(f"{name}: {len(data)} bytes for a fixed size of {size}")
            body.append(data)
        encoded = struct.pack(f"<{len(head)}I", *head) + b"".join(body)
        if self.pending and self.size_limit and self._shard_size(self.pending + [encoded]) > self.size_limit:
            self._flush()
        self.pending.append(encoded)

    def _info(self, basename: str, data: bytes) -> Dict[str, Any]:
        return {"basename": basename, "bytes": len(data),
                "hashes": {algo: hashlib.new(algo, data).hexdigest() for algo in self.hashes}}

    def _flush(self) -> None:
        n = len(self.pending)
        start = 4 + 4 * (n + 1) + len(self.config_bytes)
        offsets = [start]
        for s in self.pending:
            offsets.append(offsets[-1] + len(s))
        raw = struct.pack(f"<I{n + 1}I", n, *offsets) + self.config_bytes + b"".join(self.pending)
        basename = f"shard.{len(self.entries):05d}.mds"
        entry: Dict[str, Any] = {"samples": n, "raw_data": self._info(basename, raw), "zip_data": None}
        if self.compression:
            level = int(self.compression.split(":")[1]) if ":" in self.compression else 3
            packed = zstandard.ZstdCompressor(level=level).compress(raw)
            entry["zip_data"] = self._info(basename + ".zstd", packed)
            path, data = os.path.join(self.out, basename + ".zstd"), packed
        else:
            path, data = os.path.join(self.out, basename), raw
        with open(path, "wb") as f:
            f.write(data)
        entry.update(self.config)
        self.entries.append(entry)
        self.pending = []

    def flush(self) -> None:
        """Closes the open shard, if it has samples."""
        if self.pending:
            self._flush()

    def write_index(self) -> None:
        with open(os.path.join(self.out, "index.json"), "w") as f:
            json.dump({"shards": self.entries, "version": 2}, f, sort_keys=True)

    def finish(self) -> None:
        self.flush()
        self.write_index()

    def __enter__(self) -> "MDSWriter":
        return self

    def __exit__(self, exc_type, *rest) -> None:
        if exc_type is None:
            self.finish()


class KindsWriter:
    """One directory, several kinds of sample with different columns (PseudoTrack's video
    and rig clips): one open shard per kind, each filled by the size rule on its own; a
    shard takes the next number when it is closed, so the kinds interleave in the index."""

    def __init__(self, out: str, kinds: Dict[str, Dict[str, str]],
                 options: Optional[Dict[str, Dict[str, Any]]] = None, **common: Any):
        """``kinds``: kind -> columns; ``common``: MDSWriter options for every kind,
        ``options``: kind -> options of that kind's shards only."""
        self.entries: List[Dict[str, Any]] = []
        self.writers = {kind: MDSWriter(out, columns, entries=self.entries,
                                        **{**common, **(options or {}).get(kind, {})})
                        for kind, columns in kinds.items()}

    def write(self, kind: str, sample: Dict[str, Any]) -> None:
        self.writers[kind].write(sample)

    def finish(self) -> None:
        for writer in self.writers.values():
            writer.flush()
        next(iter(self.writers.values())).write_index()

    def __enter__(self) -> "KindsWriter":
        return self

    def __exit__(self, exc_type, *rest) -> None:
        if exc_type is None:
            self.finish()


def encode_h264(frames: np.ndarray, fps: float = 25.0, crf: int = 18) -> bytes:
    """uint8 [T, H, W, 3] RGB (even H and W) -> H.264 yuv420p MP4 bytes, with PyAV."""
    import av
    from fractions import Fraction

    t, h, w, _ = frames.shape
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()
