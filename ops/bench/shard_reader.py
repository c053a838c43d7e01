"""Samples per second under shuffled access: pseudotrack_data's reader against
mosaicml-streaming's StreamingDataset on the same shards (`make bench`).

Usage: python ops/bench/shard_reader.py [SHARD_DIR] [--runs 5] [--reads 2000]

Without SHARD_DIR it writes its own: 600 samples of the engine's schema (labels of 384
tracks by 80 frames and a 200 kB video_mp4 of random bytes, as incompressible as H.264)
in 64 MiB zstd shards, with mosaicml-streaming's own MDSWriter. Each reader gets a fresh
copy of the directory, reads one sample of every shard first (both decompress a shard
once, into a local file), then `--reads` samples in a random order, the same order for
both; videos are not decoded (both return the bytes). A third row reads the way
pseudotrack_data did before (each access reads, hashes and decompresses its shard
whole), on a tenth of the reads. Figures: samples per second, median of `--runs`, and
the ratio to StreamingDataset's measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Shards", "python"))
from pseudotrack_data import open_shards  # noqa: E402
from pseudotrack_data.schema import LABEL_COLUMNS  # noqa: E402


def write_shards(out: str, samples: int = 600) -> None:
    from streaming import MDSWriter
    rng = np.random.default_rng(0)
    t, n = 80, 384
    columns = {**LABEL_COLUMNS, "video_mp4": "bytes"}
    with MDSWriter(out=out, columns=columns, compression="zstd", hashes=["sha1"], size_limit=1 << 26) as writer:
        for i in range(samples):
            writer.write({
                "tracks": rng.uniform(0, 512, (t, n, 2)).astype(np.float32),
                "visibility": rng.integers(0, 2, (t, n), dtype=np.uint8),
                "valid": np.ones((t, n), np.uint8),
                "confidence": rng.uniform(0, 1, (t, n)).astype(np.float16),
                "queries": rng.uniform(0, 80, (n, 3)).astype(np.float32),
                "meta": {"clip_id": f"bench/{i}", "stored": {"width": 512, "height": 384}},
                "video_mp4": rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes(),
            })


def timed(read, order) -> float:
    start = time.perf_counter()
    for i in order:
        sample = read(int(i))
        assert sample["tracks"].shape == (80, 384, 2)
    return len(order) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("shards", nargs="?")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    from streaming import StreamingDataset
    from streaming.base.util import clean_stale_shared_memory

    work = tempfile.mkdtemp(prefix="pseudotrack-reader-bench.")
    try:
        source = args.shards or os.path.join(work, "source")
        if not args.shards:
            write_shards(source)
        ours_rates, theirs_rates, whole_rates = [], [], []
        for run in range(args.runs):
            ds = open_shards(source)
            order = np.random.default_rng(run).integers(0, len(ds), args.reads)
            firsts = [s.first for s in ds.shards]

            copy = os.path.join(work, f"ours-{run}")
            shutil.copytree(source, copy)
            ours = open_shards(copy, cache_dir=os.path.join(work, f"cache-{run}"))
            for i in firsts:
                ours[i]
            ours_rates.append(timed(ours.__getitem__, order))

            clean_stale_shared_memory()
            copy = os.path.join(work, f"theirs-{run}")
            shutil.copytree(source, copy)
            theirs = StreamingDataset(local=copy, shuffle=False, batch_size=1)
            for i in firsts:
                theirs.get_item(i)
            theirs_rates.append(timed(theirs.get_item, order))
            del theirs
            clean_stale_shared_memory()

            whole = open_shards(source, verify=True)

            def read_whole(i: int):
                k, local = whole.locate(i)
                loaded = whole.read_shard(k, verify=True)
                return whole._decode(k, local, bytes(loaded.sample_bytes(local)))
            whole_rates.append(timed(read_whole, order[:max(1, args.reads // 10)]))
        ds = open_shards(source)
        mb = sum(s.raw_data.bytes for s in ds.shards) / 1e6
        ours_m, theirs_m, whole_m = (statistics.median(r) for r in (ours_rates, theirs_rates, whole_rates))
        print(f"shard reader: {len(ds)} samples in {len(ds.shards)} shards ({mb:.0f} MB uncompressed), "
              f"{args.reads} shuffled reads, median of {args.runs}")
        print(f"  StreamingDataset            {theirs_m:9.0f} samples/s  1.00x")
        print(f"  pseudotrack_data            {ours_m:9.0f} samples/s  {ours_m / theirs_m:.2f}x")
        print(f"  whole shard per read (old)  {whole_m:9.1f} samples/s  {whole_m / theirs_m:.3f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
