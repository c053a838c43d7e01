import json
import shutil
import time
import os

import numpy as np
import pytest

from pseudotrack_data import (ShardChecksumError, ShardFormatError, check_dataset, check_sample,
                              decode_column, open_shards)
from mds_writer import MDSWriter, encode_ndarray
from conftest import write_synthetic_shards


def _index(root):
    with open(os.path.join(root, "index.json")) as f:
        return json.load(f)


def test_reads_every_sample_in_index_order(shard_dir):
    ds = open_shards(shard_dir)
    counts = [s["samples"] for s in _index(shard_dir)["shards"]]
    assert len(ds) == sum(counts) > 0
    assert len(ds.shards) == len(counts)
    iterated = list(ds)
    assert len(iterated) == len(ds)
    for i in (0, len(ds) - 1, len(ds) // 2):
        a, b = iterated[i], ds[i]
        assert a["meta"] == b["meta"]
        np.testing.assert_array_equal(a["tracks"], b["tracks"])
    assert ds[-1]["meta"] == iterated[-1]["meta"]
    assert [s["meta"] for s in ds[1:3]] == [s["meta"] for s in iterated[1:3]]
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_synthetic_values_round_trip(synthetic_dir):
    root, written = synthetic_dir
    ds = open_shards(root)
    assert len(ds.shards) > 1, "the synthetic set should span several shards"
    assert len(ds) == len(written)
    for got, (want, _) in zip(ds, written):
        for key in ("tracks", "visibility", "valid", "confidence", "queries"):
            assert got[key].dtype == want[key].dtype
            np.testing.assert_array_equal(got[key], want[key])
        assert got["meta"] == want["meta"]


def test_schema_shapes_and_dtypes(shard_dir):
    ds = open_shards(shard_dir)
    for i, s in enumerate(ds):
        assert s["tracks"].dtype == np.float32 and s["tracks"].ndim == 3 and s["tracks"].shape[2] == 2
        t, n = s["tracks"].shape[:2]
        assert t >= 1 and n >= 1
        assert s["visibility"].dtype == np.uint8 and s["visibility"].shape == (t, n)
        assert s["valid"].dtype == np.uint8 and s["valid"].shape == (t, n)
        assert s["confidence"].dtype == np.float16 and s["confidence"].shape == (t, n)
        assert s["queries"].dtype == np.float32 and s["queries"].shape == (n, 3)
        assert isinstance(s["meta"], dict)
        assert len(s["meta"]["clip"]["frame_indices"]) == t
        assert check_sample(s) == [], f"sample {i}"


def test_directory_conforms_to_the_specification(shard_dir):
    assert check_dataset(shard_dir) == []


def test_every_shard_hash_matches(shard_dir):
    ds = open_shards(shard_dir)
    for info in ds.shards:
        assert "sha1" in info.raw_data.hashes
        if info.zip_data is not None:
            assert "sha1" in info.zip_data.hashes
    ds.verify()


def _compressed_files(root):
    return [s["zip_data"]["basename"] for s in _index(root)["shards"] if s.get("zip_data")]


def test_corrupted_shard_is_detected(shard_copy):
    name = _compressed_files(shard_copy)[-1]
    path = os.path.join(shard_copy, name)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0x40
    open(path, "wb").write(bytes(data))
    ds = open_shards(shard_copy, verify=True, cache_dir=shard_copy + ".cache")
    last = len(ds) - 1
    with pytest.raises(ShardChecksumError, match="sha1"):
        ds[last]
    with pytest.raises(ShardChecksumError):
        open_shards(shard_copy).verify()   # what `check` does; reading alone hashes nothing


def test_truncated_shard_is_detected(shard_copy):
    name = _compressed_files(shard_copy)[0]
    path = os.path.join(shard_copy, name)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-10])
    with pytest.raises(ShardChecksumError, match="bytes"):
        open_shards(shard_copy, verify=False)[0]


def test_sample_count_mismatch_is_detected(shard_copy):
    index = _index(shard_copy)
    index["shards"][0]["samples"] += 1
    with open(os.path.join(shard_copy, "index.json"), "w") as f:
        json.dump(index, f)
    ds = open_shards(shard_copy)
    with pytest.raises(ShardFormatError, match="samples"):
        ds[0]


def test_missing_shard_file_is_reported(shard_copy):
    os.remove(os.path.join(shard_copy, _compressed_files(shard_copy)[0]))
    with pytest.raises(ShardFormatError, match="missing"):
        open_shards(shard_copy)[0]


def test_uncompressed_file_beside_is_read(shard_copy):
    """mosaicml-streaming leaves shard.NNNNN.mds beside the .zstd after reading a local
    directory; the reader then takes that file (checking its own hash)."""
    import zstandard
    ds = open_shards(shard_copy)
    first = ds[0]
    info = ds.shards[0]
    packed = open(os.path.join(shard_copy, info.zip_data.basename), "rb").read()
    raw = zstandard.ZstdDecompressor().decompressobj().decompress(packed)
    open(os.path.join(shard_copy, info.raw_data.basename), "wb").write(raw)
    again = open_shards(shard_copy)[0]
    assert again["meta"] == first["meta"]
    bad = bytearray(raw)
    bad[-1] ^= 1
    open(os.path.join(shard_copy, info.raw_data.basename), "wb").write(bytes(bad))
    with pytest.raises(ShardChecksumError):
        open_shards(shard_copy, verify=True)[0]


def test_a_sample_is_read_alone_from_a_copy_decompressed_once(shard_copy, tmp_path):
    """Reading seeks to the sample in an uncompressed copy made once per shard (as
    mosaicml-streaming reads), and a copy of the wrong size is made again."""
    cache = str(tmp_path / "cache")
    ds = open_shards(shard_copy, cache_dir=cache)
    k, local = ds.locate(len(ds) - 1)
    want = ds[len(ds) - 1]
    path = ds.shard_path(k)
    assert os.path.dirname(path) == cache and os.path.getsize(path) == ds.shards[k].raw_data.bytes
    stamp = os.stat(path).st_mtime_ns
    again = open_shards(shard_copy, cache_dir=cache)
    assert again[len(ds) - 1]["meta"] == want["meta"] and os.stat(path).st_mtime_ns == stamp
    with open(path, "r+b") as f:
        f.truncate(100)
    fresh = open_shards(shard_copy, cache_dir=cache)
    assert fresh[len(ds) - 1]["meta"] == want["meta"]
    assert os.path.getsize(path) == ds.shards[k].raw_data.bytes
    assert not any(name.endswith(".tmp") for name in os.listdir(cache))


def test_ndarray_encoding_forms():
    """Bare 'ndarray' (dtype byte + shape), 'ndarray:DTYPE' (shape only) and
    'ndarray:DTYPE:SHAPE' (values only) all decode; shape widths widen with the largest axis."""
    for dtype in ("uint8", "int8", "uint16", "int16", "float16", "uint32", "int32", "float32",
                  "uint64", "int64", "float64"):
        a = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
        for enc in ("ndarray", f"ndarray:{dtype}", f"ndarray:{dtype}:2,3,4"):
            got = decode_column(enc, encode_ndarray(enc, a))
            assert got.dtype == a.dtype and got.shape == a.shape
            np.testing.assert_array_equal(got, a)
    wide = np.zeros((1, 300), np.uint8)
    data = encode_ndarray("ndarray", wide)
    assert data[0] == 8 and data[1] == (2 << 2) | 1  # uint8, 2 axes, uint16 shape values
    assert decode_column("ndarray", data).shape == (1, 300)
    with pytest.raises(ShardFormatError):
        decode_column("ndarray:float32", encode_ndarray("ndarray:float32", np.zeros(3, np.float32))[:-1])


def test_other_encodings_and_fixed_size_columns(tmp_path):
    columns = {"a_bytes": "bytes", "b_str": "str", "c_int": "int", "d_u16": "uint16", "e_f64": "float64",
               "f_fixed": "ndarray:int16:2,2", "g_json": "json"}
    rows = [{"a_bytes": bytes([i]) * i, "b_str": f"é{i}", "c_int": -i, "d_u16": 7 * i, "e_f64": i / 3,
             "f_fixed": np.full((2, 2), i, np.int16), "g_json": {"i": i, "l": [i] * i}} for i in range(1, 6)]
    with MDSWriter(str(tmp_path), columns, size_limit=200) as w:
        for r in rows:
            w.write(r)
    ds = open_shards(tmp_path)
    assert len(ds.shards) > 1
    assert ds.shards[0].column_sizes == (None, None, 8, 2, 8, 8, None)
    for got, want in zip(ds, rows):
        assert got["a_bytes"] == want["a_bytes"] and got["b_str"] == want["b_str"]
        assert got["c_int"] == want["c_int"] and got["d_u16"] == want["d_u16"]
        assert got["e_f64"] == pytest.approx(want["e_f64"])
        np.testing.assert_array_equal(got["f_fixed"], want["f_fixed"])
        assert got["g_json"] == want["g_json"]


def test_uncompressed_dataset(tmp_path):
    write_synthetic_shards(str(tmp_path), media="none", clips=2, compression=None)
    ds = open_shards(tmp_path)
    assert ds.shards[0].zip_data is None and len(ds) == 2
    assert ds[1]["tracks"].shape[0] == 10


def test_zstd_without_content_size_and_several_frames(tmp_path):
    """A shard compressed as several zstd frames without recorded sizes still reads."""
    import zstandard
    src = tmp_path / "src"
    write_synthetic_shards(str(src), media="none", clips=2, size_limit=None)
    ds = open_shards(src)
    expected = ds[1]["tracks"]
    info = ds.shards[0]
    raw = zstandard.ZstdDecompressor().decompressobj().decompress(open(src / info.zip_data.basename, "rb").read())
    half = len(raw) // 2
    c = zstandard.ZstdCompressor(write_content_size=False)
    packed = c.compress(raw[:half]) + c.compress(raw[half:])
    open(src / info.zip_data.basename, "wb").write(packed)
    index = _index(src)
    index["shards"][0]["zip_data"]["bytes"] = len(packed)
    index["shards"][0]["zip_data"]["hashes"] = {}
    with open(src / "index.json", "w") as f:
        json.dump(index, f)
    again = open_shards(src)
    np.testing.assert_array_equal(again[1]["tracks"], expected)


def test_pickle_columns_need_consent(tmp_path):
    import pickle
    os.makedirs(tmp_path, exist_ok=True)
    with MDSWriter(str(tmp_path), {"x": "bytes"}) as w:
        w.write({"x": pickle.dumps({"a": 1})})
    index = _index(tmp_path)
    for s in index["shards"]:
        s["column_encodings"] = ["pkl"]
    with open(tmp_path / "index.json", "w") as f:
        json.dump(index, f)
    with pytest.raises(ShardFormatError, match="pkl"):
        open_shards(tmp_path)
    assert open_shards(tmp_path, allow_unsafe_types=True)[0]["x"] == {"a": 1}


def test_dataset_pickles_for_worker_processes(shard_dir):
    import pickle
    ds = open_shards(shard_dir)
    first = ds[0]
    clone = pickle.loads(pickle.dumps(ds))
    assert clone[0]["meta"] == first["meta"]


def test_copies_of_shards_in_subdirectories_stay_inside_the_cache(shard_copy, tmp_path):
    """A merged dataset names its shards part-NNNNN/shard...; a basename that leaves the
    directory is refused before anything is written."""
    index = _index(shard_copy)
    entry = index["shards"][0]
    os.makedirs(os.path.join(shard_copy, "part-00000"))
    os.rename(os.path.join(shard_copy, entry["zip_data"]["basename"]),
              os.path.join(shard_copy, "part-00000", entry["zip_data"]["basename"]))
    entry["zip_data"]["basename"] = "part-00000/" + entry["zip_data"]["basename"]
    entry["raw_data"]["basename"] = "part-00000/" + entry["raw_data"]["basename"]
    with open(os.path.join(shard_copy, "index.json"), "w") as f:
        json.dump(index, f)
    cache = str(tmp_path / "cache")
    ds = open_shards(shard_copy, cache_dir=cache)
    assert ds[0]["meta"]["clip_id"]
    assert os.path.isfile(os.path.join(cache, entry["raw_data"]["basename"]))
    entry["raw_data"]["basename"] = "../outside.mds"
    with open(os.path.join(shard_copy, "index.json"), "w") as f:
        json.dump(index, f)
    with pytest.raises(ShardFormatError, match="not a relative path"):
        open_shards(shard_copy, cache_dir=cache)[0]
    assert not os.path.exists(tmp_path / "outside.mds")


def _cached_files(directory):
    return {os.path.relpath(os.path.join(d, n), directory): os.path.getsize(os.path.join(d, n))
            for d, _, names in os.walk(directory) for n in names}


def test_decompressed_copies_stay_within_the_limit_least_recently_used_going_first(synthetic_dir, tmp_path):
    """A shuffled pass over more shards than the cache may hold: the copies never exceed
    cache_limit, the ones used longest ago (a stale file first) are removed, and a removed
    copy is written again when its shard is read again."""
    root, written = synthetic_dir
    copy = str(tmp_path / "shards")
    shutil.copytree(root, copy)
    probe = open_shards(copy)
    assert len(probe.shards) >= 4 and all(s.zip_data is not None for s in probe.shards)
    sizes = sorted(s.raw_data.bytes for s in probe.shards)
    limit = sizes[-1] + sizes[-2]  # room for two copies, not three
    cache = str(tmp_path / "cache")
    os.makedirs(os.path.join(cache, "older"))
    stale = os.path.join(cache, "older", "shard.00009.mds")         # a copy of an older version
    foreign = os.path.join(cache, "notes.txt")                       # not a copy: never touched
    for path in (stale, foreign):
        with open(path, "wb") as f:
            f.write(b"x" * 100)
        os.utime(path, (1, 1))
    ds = open_shards(copy, cache_dir=cache, cache_limit=limit)
    order = list(range(len(ds)))
    np.random.default_rng(3).shuffle(order)
    for i in order + order[::-1]:
        assert ds[i]["meta"] == written[i][0]["meta"]
        assert sum(v for k, v in _cached_files(cache).items() if k != "notes.txt") <= limit
        ds.close()  # each sample from a fresh open, as a worker process that starts on it
    assert not os.path.exists(stale) and not os.path.exists(os.path.dirname(stale))
    assert os.path.isfile(foreign)
    with pytest.raises(ValueError, match="shard directory itself"):
        open_shards(copy, cache_dir=copy)
    kept = {k for k in range(len(ds.shards)) if os.path.isfile(os.path.join(cache, ds.shards[k].raw_data.basename))}
    assert ds.locate(order[0])[0] in kept and len(kept) <= 2  # the shard read last stays


def test_the_default_cache_bounds_every_datasets_copies_together(synthetic_dir, tmp_path):
    """Copies made with the default cache_dir (one directory per dataset and index.json
    under the temporary directory) share one bound: reading a second dataset removes the
    copies of the first, not its own, and empty directories go with them."""
    import tempfile
    root, written = synthetic_dir
    first, second = str(tmp_path / "first"), str(tmp_path / "second")
    shutil.copytree(root, first)
    shutil.copytree(root, second)
    a = open_shards(first)
    total = sum(s.raw_data.bytes for s in a.shards)
    b = open_shards(second, cache_limit=total)
    shared = os.path.dirname(a.cache_dir)
    assert shared == os.path.dirname(b.cache_dir) == os.path.join(tempfile.gettempdir(), os.path.basename(shared))
    assert a.cache_dir != b.cache_dir
    for i in range(len(a)):
        assert a[i]["meta"] == written[i][0]["meta"]
    assert sum(_cached_files(a.cache_dir).values()) == total
    time.sleep(0.05)
    for i in range(len(b)):
        assert b[i]["meta"] == written[i][0]["meta"]
    assert sum(_cached_files(b.cache_dir).values()) == total
    assert not os.path.exists(a.cache_dir)
    assert sum(_cached_files(shared).values()) <= total
    with pytest.raises(ValueError, match="cache_limit"):
        open_shards(first, cache_limit=0)
