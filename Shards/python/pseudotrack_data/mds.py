"""A reader of MDS shard directories (MosaicML Streaming's format, index version 2).

Written from the shard format specification (the PseudoTrack repository's Shards/README.md); it needs numpy, and zstandard
for compressed shards. It reads any MDS directory whose columns use the encodings
listed in ``DECODABLE_ENCODINGS``, not only PseudoTrack's.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import math
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .shard_copies import ShardCopies

__all__ = [
    "DECODABLE_ENCODINGS", "FileInfo", "ShardChecksumError", "ShardDataset", "ShardFormatError",
    "ShardInfo", "decode_column", "open_shards", "parse_raw_shard",
]

INDEX_BASENAME = "index.json"

#: The keys of a shard entry in index.json, exactly (mosaicml-streaming passes them all to
#: its reader's constructor, so an extra key breaks StreamingDataset).
SHARD_ENTRY_KEYS = frozenset({
    "column_encodings", "column_names", "column_sizes", "compression", "format", "hashes",
    "raw_data", "samples", "size_limit", "version", "zip_data",
})

#: NDArray value dtype codes (the byte before the shape, when the encoding names no dtype).
NDARRAY_DTYPE_CODES: Dict[int, str] = {
    8: "uint8", 9: "int8", 16: "uint16", 17: "int16", 18: "float16",
    32: "uint32", 33: "int32", 34: "float32", 64: "uint64", 65: "int64", 66: "float64",
}
NDARRAY_DTYPE_NAMES: Dict[str, int] = {v: k for k, v in NDARRAY_DTYPE_CODES.items()}
#: Width code (low two bits of the ndim byte) -> type of the shape values.
NDARRAY_SHAPE_TYPES: Dict[int, str] = {0: "uint8", 1: "uint16", 2: "uint32", 3: "uint64"}

#: Fixed-size scalar encodings -> little-endian numpy dtype.
SCALAR_ENCODINGS: Dict[str, str] = {
    "uint8": "<u1", "uint16": "<u2", "uint32": "<u4", "uint64": "<u8",
    "int8": "<i1", "int16": "<i2", "int32": "<i4", "int64": "<i8",
    "float16": "<f2", "float32": "<f4", "float64": "<f8",
}

#: Encodings this reader decodes ("ndarray" also with ":DTYPE" and ":DTYPE:D0,D1,...").
DECODABLE_ENCODINGS = frozenset(
    {"bytes", "str", "json", "int", "str_int", "str_float", "str_decimal", "ndarray", "pkl"}
    | set(SCALAR_ENCODINGS))


class ShardFormatError(ValueError):
    """The directory, its index or a shard file does not follow the format."""


class ShardChecksumError(ShardFormatError):
    """A shard file's size or hash differs from what index.json records."""


@dataclass(frozen=True)
class FileInfo:
    """``raw_data`` / ``zip_data`` of an index entry."""
    basename: str
    bytes: int
    hashes: Mapping[str, str]


@dataclass(frozen=True)
class ShardInfo:
    """One entry of index.json's ``shards``, plus where its samples start globally."""
    index: int
    first: int
    samples: int
    column_names: Tuple[str, ...]
    column_encodings: Tuple[str, ...]
    column_sizes: Tuple[Optional[int], ...]
    compression: Optional[str]
    hashes: Tuple[str, ...]
    size_limit: Optional[int]
    raw_data: FileInfo
    zip_data: Optional[FileInfo]
    entry: Mapping[str, Any]

    @property
    def columns(self) -> Dict[str, str]:
        return dict(zip(self.column_names, self.column_encodings))


# ----------------------------------------------------------------------------- encodings

def _ndarray_params(encoding: str) -> Tuple[Optional[str], Optional[Tuple[int, ...]]]:
    parts = encoding.split(":")
    if parts[0] != "ndarray" or len(parts) > 3:
        raise ShardFormatError(f"not an ndarray encoding: {encoding!r}")
    dtype = parts[1] if len(parts) >= 2 and parts[1] else None
    if dtype is not None and dtype not in NDARRAY_DTYPE_NAMES:
        raise ShardFormatError(f"ndarray dtype {dtype!r} is not one MDS knows ({encoding!r})")
    shape = None
    if len(parts) == 3:
        try:
            shape = tuple(int(d) for d in parts[2].split(","))
        except ValueError:
            raise ShardFormatError(f"bad ndarray shape in {encoding!r}") from None
        if not shape or min(shape) < 1:
            raise ShardFormatError(f"bad ndarray shape in {encoding!r}")
    return dtype, shape


def encoding_fixed_size(encoding: str) -> Optional[int]:
    """Bytes every value of a fixed-size encoding takes, or None if variable."""
    if encoding == "int":
        return 8
    if encoding in SCALAR_ENCODINGS:
        return np.dtype(SCALAR_ENCODINGS[encoding]).itemsize
    if encoding.split(":")[0] == "ndarray":
        dtype, shape = _ndarray_params(encoding)
        if dtype is not None and shape is not None:
            return int(math.prod(shape)) * np.dtype(dtype).itemsize
    return None


def _decode_ndarray(data: memoryview, dtype: Optional[str], shape: Optional[Tuple[int, ...]]) -> np.ndarray:
    pos = 0
    if dtype is None:
        if len(data) < 1:
            raise ShardFormatError("ndarray value is empty")
        code = data[0]
        dtype = NDARRAY_DTYPE_CODES.get(code)
        if dtype is None:
            raise ShardFormatError(f"unknown ndarray dtype code {code}")
        pos = 1
    if shape is None:
        if len(data) < pos + 1:
            raise ShardFormatError("ndarray value ends before its shape")
        byte = data[pos]
        pos += 1
        ndim, width = byte >> 2, byte & 3
        shape_type = np.dtype(NDARRAY_SHAPE_TYPES[width]).newbyteorder("<")
        end = pos + ndim * shape_type.itemsize
        if len(data) < end:
            raise ShardFormatError("ndarray value ends inside its shape")
        shape = tuple(int(d) for d in np.frombuffer(data, shape_type, ndim, pos))
        pos = end
    value_type = np.dtype(dtype).newbyteorder("<")
    count = int(math.prod(shape))
    if len(data) - pos != count * value_type.itemsize:
        raise ShardFormatError(
            f"ndarray {dtype}{list(shape)} needs {count * value_type.itemsize} value bytes, "
            f"has {len(data) - pos}")
    values = np.frombuffer(data, value_type, count, pos).reshape(shape)
    return values.astype(value_type.newbyteorder("="), copy=True)  # native, writable, owned


def _decoder(encoding: str, allow_unsafe_types: bool) -> Callable[[memoryview], Any]:
    name = encoding.split(":")[0]
    if name == "ndarray":
        dtype, shape = _ndarray_params(encoding)
        return lambda data: _decode_ndarray(data, dtype, shape)
    if ":" in encoding:
        raise ShardFormatError(f"encoding {encoding!r} takes no parameters")
    if encoding == "bytes":
        return bytes
    if encoding == "str":
        return lambda data: bytes(data).decode("utf-8")
    if encoding == "json":
        return lambda data: json.loads(bytes(data).decode("utf-8"))
    if encoding == "int":
        return lambda data: int(np.frombuffer(data, "<i8", 1)[0])
    if encoding in SCALAR_ENCODINGS:
        dtype = np.dtype(SCALAR_ENCODINGS[encoding])
        return lambda data: np.frombuffer(data, dtype, 1)[0].astype(dtype.newbyteorder("="))
    if encoding == "str_int":
        return lambda data: int(bytes(data).decode("utf-8"))
    if encoding == "str_float":
        return lambda data: float(bytes(data).decode("utf-8"))
    if encoding == "str_decimal":
        return lambda data: Decimal(bytes(data).decode("utf-8"))
    if encoding == "pkl":
        if not allow_unsafe_types:
            raise ShardFormatError("a column uses 'pkl' (pickle runs code when read); "
                                   "pass allow_unsafe_types=True to read it anyway")
        return lambda data: pickle.loads(bytes(data))
    raise ShardFormatError(f"encoding {encoding!r} is not decoded by this reader "
                           f"(it decodes {sorted(DECODABLE_ENCODINGS)})")


def decode_column(encoding: str, data: Union[bytes, memoryview], allow_unsafe_types: bool = False) -> Any:
    """Decode one column value from its encoded bytes."""
    return _decoder(encoding, allow_unsafe_types)(memoryview(data))


# ----------------------------------------------------------------------------- shard files

def _hash(algo: str, data: bytes) -> Optional[str]:
    """Hex digest as mosaicml-streaming computes it, or None if the algorithm is unknown here."""
    if algo in hashlib.algorithms_available and hasattr(hashlib, algo) and not algo.startswith("shake_"):
        return getattr(hashlib, algo)(data).hexdigest()
    if algo.startswith("xxh"):
        try:
            import xxhash  # optional
        except ImportError:
            return None
        func = getattr(xxhash, algo, None)
        return func(data).hexdigest() if func is not None else None
    return None


def _check_file(data: bytes, info: FileInfo, path: str, verify_hashes: bool) -> None:
    if len(data) != info.bytes:
        raise ShardChecksumError(f"{path}: {len(data)} bytes, index.json says {info.bytes}")
    if verify_hashes:
        for algo, expected in info.hashes.items():
            actual = _hash(algo, data)
            if actual is not None and actual != str(expected).lower():
                raise ShardChecksumError(f"{path}: {algo} {actual}, index.json says {expected}")


def _decompress(compression: str, data: bytes, path: str) -> bytes:
    family = compression.split(":")[0]
    try:
        if family == "zstd":
            import zstandard
            with zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True) as reader:
                return reader.read()
        if family == "gz":
            return gzip.decompress(data)
        if family == "bz2":
            return bz2.decompress(data)
    except ImportError:
        raise
    except Exception as error:  # zstandard.ZstdError, OSError, EOFError...
        raise ShardChecksumError(f"{path}: cannot decompress ({compression}): {error}") from error
    raise ShardFormatError(f"{path}: compression {compression!r} is not supported by this reader")


def parse_raw_shard(raw: bytes, expected_samples: Optional[int] = None, name: str = "shard") -> Tuple[np.ndarray, bytes]:
    """Check an uncompressed shard's layout; return (offsets [N+1] int64, config JSON bytes)."""
    if len(raw) < 4:
        raise ShardFormatError(f"{name}: {len(raw)} bytes, shorter than its sample count")
    n = int(np.frombuffer(raw, "<u4", 1, 0)[0])
    if expected_samples is not None and n != expected_samples:
        raise ShardFormatError(f"{name}: holds {n} samples, index.json says {expected_samples}")
    head = 4 + 4 * (n + 1)
    if len(raw) < head:
        raise ShardFormatError(f"{name}: ends inside its offset table")
    offsets = np.frombuffer(raw, "<u4", n + 1, 4).astype(np.int64)
    if offsets[0] < head or np.any(np.diff(offsets) < 0) or offsets[-1] != len(raw):
        raise ShardFormatError(
            f"{name}: bad offset table (first {offsets[0]}, last {offsets[-1]}, file {len(raw)} bytes, "
            f"header {head})")
    return offsets, raw[head:int(offsets[0])]


class _LoadedShard:
    __slots__ = ("raw", "offsets", "config")

    def __init__(self, raw: bytes, offsets: np.ndarray, config: bytes):
        self.raw, self.offsets, self.config = raw, offsets, config

    def sample_bytes(self, local: int) -> memoryview:
        return memoryview(self.raw)[int(self.offsets[local]):int(self.offsets[local + 1])]


class _OpenShard:
    """An uncompressed shard file opened for reading single samples: its offset table in
    memory, each sample read with one ``os.pread``."""
    __slots__ = ("fd", "offsets", "path")

    def __init__(self, path: str, info: ShardInfo, verify: bool):
        self.path = path
        try:
            size = os.path.getsize(path)
        except FileNotFoundError:
            raise ShardFormatError(f"{path}: missing") from None
        if size != info.raw_data.bytes:
            raise ShardChecksumError(f"{path}: {size} bytes, index.json says {info.raw_data.bytes}")
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            if verify:
                with open(path, "rb") as f:
                    _check_file(f.read(), info.raw_data, path, True)
            head = os.pread(self.fd, 4, 0)
            n = int(np.frombuffer(head, "<u4", 1, 0)[0]) if len(head) == 4 else -1
            if n != info.samples:
                raise ShardFormatError(f"{path}: holds {n} samples, index.json says {info.samples}")
            table = os.pread(self.fd, 4 * (n + 1), 4)
            if len(table) != 4 * (n + 1):
                raise ShardFormatError(f"{path}: ends inside its offset table")
            self.offsets = np.frombuffer(table, "<u4").astype(np.int64)
            if self.offsets[0] < 8 + 4 * n or np.any(np.diff(self.offsets) < 0) or self.offsets[-1] != size:
                raise ShardFormatError(f"{path}: bad offset table (first {self.offsets[0]}, last "
                                       f"{self.offsets[-1]}, file {size} bytes)")
        except BaseException:
            os.close(self.fd)
            raise

    def sample_bytes(self, local: int) -> bytes:
        begin, end = int(self.offsets[local]), int(self.offsets[local + 1])
        data = os.pread(self.fd, end - begin, begin)
        if len(data) != end - begin:
            raise ShardFormatError(f"{self.path}: sample {local} ends after the file")
        return data

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


def _user() -> str:
    try:
        return str(os.getuid())
    except AttributeError:  # not POSIX
        return os.environ.get("USERNAME", "user")


# ----------------------------------------------------------------------------- dataset

def _file_info(obj: Any, what: str) -> Optional[FileInfo]:
    if obj is None:
        return None
    try:
        return FileInfo(str(obj["basename"]), int(obj["bytes"]), dict(obj.get("hashes") or {}))
    except (KeyError, TypeError, ValueError) as error:
        raise ShardFormatError(f"index.json: bad {what}: {obj!r}") from error


class ShardDataset(Sequence):
    """The samples of an MDS directory, in index order, as dicts of decoded columns.

    ``len(ds)``, ``ds[i]`` (negative indices and slices too) and iteration. Reading a
    sample reads that sample's bytes only (``os.pread`` at its offset), as
    mosaicml-streaming does: a compressed shard is decompressed once, when first
    needed, into ``cache_dir`` (kept for later runs and shared by worker processes;
    default: a directory under the system's temporary directory named after the shard
    directory; at most ``cache_limit`` bytes of copies there, least recently used removed
    first, see ``shard_copies``), or read where it is when the uncompressed file lies beside the
    compressed one. Sizes and the offset table are always checked; SHA-1 and the other
    hashes of index.json only with ``verify=True`` (once per file and process) or by
    ``verify()``. A map-style dataset that torch's DataLoader accepts as it is, with any
    number of workers (each process opens its own files).
    """

    def __init__(self, root: Union[str, os.PathLike], *, verify: bool = False,
                 cache_dir: Optional[Union[str, os.PathLike]] = None, cache_limit: Optional[int] = None,
                 allow_unsafe_types: bool = False):
        self.root = os.fspath(root)
        self.verify_hashes = verify
        self.allow_unsafe_types = allow_unsafe_types
        path = os.path.join(self.root, INDEX_BASENAME)
        try:
            with open(path, "rb") as f:
                index_bytes = f.read()
            self.index = json.loads(index_bytes.decode("utf-8"))
        except FileNotFoundError:
            raise ShardFormatError(f"{path}: no index.json (not an MDS directory)") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ShardFormatError(f"{path}: not JSON: {error}") from error
        if not isinstance(self.index, dict) or self.index.get("version") != 2:
            raise ShardFormatError(f"{path}: index version is not 2")
        entries = self.index.get("shards")
        if not isinstance(entries, list):
            raise ShardFormatError(f"{path}: 'shards' is not a list")
        self.shards: List[ShardInfo] = []
        self._decoders: List[List[Callable[[memoryview], Any]]] = []
        first = 0
        for k, entry in enumerate(entries):
            info = self._parse_entry(k, first, entry)
            self.shards.append(info)
            self._decoders.append([_decoder(e, allow_unsafe_types) for e in info.column_encodings])
            first += info.samples
        self._starts = np.array([s.first for s in self.shards] + [first], np.int64)
        if cache_dir is None:  # one bound over the copies of every dataset read with the default
            key = hashlib.sha1(os.path.realpath(self.root).encode() + b"\0" + index_bytes).hexdigest()[:16]
            bounded = os.path.join(tempfile.gettempdir(), f"pseudotrack_data-{_user()}")
            self.copies = ShardCopies(os.path.join(bounded, key), bounded=bounded, limit=cache_limit)
        else:
            if os.path.realpath(cache_dir) == os.path.realpath(self.root):
                raise ValueError(f"{self.root}: cache_dir must not be the shard directory itself (its copies are "
                                 "removed to keep within cache_limit)")
            self.copies = ShardCopies(os.fspath(cache_dir), limit=cache_limit)
        self.cache_dir = self.copies.directory
        self._open: Dict[int, _OpenShard] = {}
        self._pid = os.getpid()
        self._lock = threading.Lock()

    @staticmethod
    def _parse_entry(k: int, first: int, entry: Any) -> ShardInfo:
        where = f"index.json shard {k}"
        if not isinstance(entry, dict):
            raise ShardFormatError(f"{where}: not an object")
        if entry.get("format") != "mds":
            raise ShardFormatError(f"{where}: format {entry.get('format')!r}, not 'mds'")
        if entry.get("version") != 2:
            raise ShardFormatError(f"{where}: version {entry.get('version')!r}, not 2")
        try:
            names = tuple(str(n) for n in entry["column_names"])
            encodings = tuple(str(e) for e in entry["column_encodings"])
            sizes = tuple(None if s is None else int(s) for s in entry["column_sizes"])
            samples = int(entry["samples"])
            raw = _file_info(entry["raw_data"], "raw_data")
            zipped = _file_info(entry.get("zip_data"), "zip_data")
        except (KeyError, TypeError, ValueError) as error:
            raise ShardFormatError(f"{where}: missing or bad field: {error}") from error
        if not (len(names) == len(encodings) == len(sizes)):
            raise ShardFormatError(f"{where}: column_names, column_encodings and column_sizes differ in length")
        if raw is None:
            raise ShardFormatError(f"{where}: raw_data is null")
        compression = entry.get("compression") or None
        if zipped is not None and compression is None:
            raise ShardFormatError(f"{where}: zip_data without a compression")
        size_limit = entry.get("size_limit")
        return ShardInfo(
            index=k, first=first, samples=samples, column_names=names, column_encodings=encodings,
            column_sizes=sizes, compression=compression, hashes=tuple(entry.get("hashes") or ()),
            size_limit=size_limit if isinstance(size_limit, int) else None,
            raw_data=raw, zip_data=zipped, entry=entry)

    # --- pickling (DataLoader with the spawn start method): open files stay behind
    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_open"] = {}
        del state["_lock"]
        del state["_decoders"]
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._decoders = [[_decoder(e, self.allow_unsafe_types) for e in s.column_encodings]
                          for s in self.shards]

    # --- sizes and columns
    def __len__(self) -> int:
        return int(self._starts[-1])

    @property
    def columns(self) -> Dict[str, str]:
        """Column name -> encoding of every column some shard has, sorted by name. A
        PseudoTrack directory can mix video-clip and rig-clip shards, which agree but for
        the rig columns (only rig shards have them): a sample has its own shard's columns
        (``shards[k].columns``)."""
        merged: Dict[str, str] = {}
        for info in self.shards:
            for name, encoding in zip(info.column_names, info.column_encodings):
                merged.setdefault(name, encoding)
        return dict(sorted(merged.items()))

    def locate(self, index: int) -> Tuple[int, int]:
        """(shard number, index inside that shard) of a global sample index."""
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"sample {index} out of range (dataset has {n})")
        k = int(np.searchsorted(self._starts, index, side="right")) - 1
        return k, index - int(self._starts[k])

    # --- shard files
    def read_shard(self, k: int, verify: Optional[bool] = None) -> _LoadedShard:
        """Read, check and decompress shard ``k`` whole, in memory (what ``verify`` and
        ``check`` do; reading samples does not need it)."""
        info = self.shards[k]
        verify = self.verify_hashes if verify is None else verify
        raw_path = os.path.join(self.root, info.raw_data.basename)
        if os.path.isfile(raw_path) or info.zip_data is None:
            # The uncompressed file, when present (mosaicml-streaming leaves one beside the
            # compressed file after reading a local directory).
            with open(raw_path, "rb") as f:
                raw = f.read()
            _check_file(raw, info.raw_data, raw_path, verify)
        else:
            raw = self._decompressed(k, verify)
        offsets, config = parse_raw_shard(raw, info.samples, info.raw_data.basename)
        return _LoadedShard(raw, offsets, config)

    def _decompressed(self, k: int, verify: bool) -> bytes:
        info = self.shards[k]
        assert info.zip_data is not None
        zip_path = os.path.join(self.root, info.zip_data.basename)
        try:
            with open(zip_path, "rb") as f:
                packed = f.read()
        except FileNotFoundError:
            raise ShardFormatError(f"{zip_path}: missing (neither the shard nor its compressed form exists)") from None
        _check_file(packed, info.zip_data, zip_path, verify)
        raw = _decompress(info.compression or "", packed, zip_path)
        _check_file(raw, info.raw_data, zip_path + " (decompressed)", verify)
        return raw

    def shard_path(self, k: int) -> str:
        """The uncompressed file of shard ``k`` that samples are read from: beside the
        compressed one when it is there, otherwise its copy in ``cache_dir`` (written
        now when missing; a copy of the wrong size is written again)."""
        info = self.shards[k]
        beside = os.path.join(self.root, info.raw_data.basename)
        if info.zip_data is None or os.path.isfile(beside):
            return beside
        parts = info.raw_data.basename.replace("\\", "/").split("/")
        if os.path.isabs(info.raw_data.basename) or any(p in ("", ".", "..") for p in parts):
            raise ShardFormatError(f"index.json shard {k}: raw_data basename {info.raw_data.basename!r} is not a "
                                   "relative path inside the directory")
        cached = self.copies.find(parts, info.raw_data.bytes)
        if cached is not None:
            return cached
        return self.copies.store(parts, self._decompressed(k, self.verify_hashes))

    def _shard(self, k: int) -> "_OpenShard":
        if self._pid != os.getpid():  # a forked worker: its own descriptors
            self._open, self._pid = {}, os.getpid()
        shard = self._open.get(k)
        if shard is None:
            with self._lock:
                shard = self._open.get(k)
                if shard is None:
                    path = self.shard_path(k)
                    try:
                        shard = _OpenShard(path, self.shards[k], self.verify_hashes)
                    except ShardFormatError:
                        if os.path.exists(path):
                            raise
                        # another reader removed the copy just now (shard_copies' bound): write it again
                        shard = _OpenShard(self.shard_path(k), self.shards[k], self.verify_hashes)
                    self._open[k] = shard
        return shard

    def verify(self) -> None:
        """Read every shard and check sizes, hashes, sample counts and every sample's
        column sizes; raises ShardFormatError / ShardChecksumError on the first problem."""
        for k, info in enumerate(self.shards):
            loaded = self.read_shard(k, verify=True)
            for local in range(info.samples):
                self._split(k, loaded.sample_bytes(local), f"shard {k} sample {local}")

    # --- samples
    def _split(self, k: int, data: memoryview, where: str) -> List[memoryview]:
        info = self.shards[k]
        sizes: List[int] = []
        pos = 0
        variable = sum(1 for s in info.column_sizes if not s)
        if len(data) < 4 * variable:
            raise ShardFormatError(f"{where}: shorter than its column sizes")
        table = np.frombuffer(data, "<u4", variable, 0) if variable else ()
        v = 0
        for s in info.column_sizes:
            if s:
                sizes.append(s)
            else:
                sizes.append(int(table[v]))
                v += 1
        pos = 4 * variable
        if pos + sum(sizes) != len(data):
            raise ShardFormatError(f"{where}: column sizes add up to {pos + sum(sizes)} bytes, sample has {len(data)}")
        parts = []
        for size in sizes:
            parts.append(data[pos:pos + size])
            pos += size
        return parts

    def raw_sample(self, index: int) -> bytes:
        """The encoded bytes of one sample (its column-size table and payloads)."""
        k, local = self.locate(index)
        return self._shard(k).sample_bytes(local)

    def _decode(self, k: int, local: int, data: bytes) -> Dict[str, Any]:
        info = self.shards[k]
        parts = self._split(k, memoryview(data), f"shard {k} sample {local}")
        return {name: decode(part) for name, decode, part in zip(info.column_names, self._decoders[k], parts)}

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        k, local = self.locate(int(index))
        return self._decode(k, local, self._shard(k).sample_bytes(local))

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        for k, info in enumerate(self.shards):
            for local in range(info.samples):
                yield self._decode(k, local, self._shard(k).sample_bytes(local))

    def close(self) -> None:
        """Close the open shard files (they are opened again when needed)."""
        with self._lock:
            for shard in self._open.values():
                shard.close()
            self._open = {}

    def __enter__(self) -> "ShardDataset":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ShardDataset({self.root!r}, samples={len(self)}, shards={len(self.shards)})"


def open_shards(root: Union[str, os.PathLike], *, verify: bool = False,
                cache_dir: Optional[Union[str, os.PathLike]] = None, cache_limit: Optional[int] = None,
                allow_unsafe_types: bool = False) -> ShardDataset:
    """Open an MDS directory (one holding index.json) for reading; see ShardDataset."""
    return ShardDataset(root, verify=verify, cache_dir=cache_dir, cache_limit=cache_limit,
                        allow_unsafe_types=allow_unsafe_types)
