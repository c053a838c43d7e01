"""Checks a merged partitioned output (ops/slurm/test-array.sh): every clip exactly once.

Usage: check_merged.py [--streaming] [--allow-failed] [--summary] OUT STATUS_JSON
Reads OUT/index.json with pseudotrack_data.open_shards (or, with --streaming, with
mosaicml-streaming's StreamingDataset) and compares it with `pseudotrack partition status
--json`: as many samples as clips done in all partitions, no clip_id twice, no clip left
pending, running or failed (--allow-failed: failed clips are allowed, each recorded with
its cause), and the duplicate file recorded as a duplicate. --summary prints one JSON line
{"clips", "samples", "lost", "duplicated", "failed"} for ops/faults.sh's table.
"""

import json
import sys


def clip_ids(out, streaming):
    if streaming:
        from streaming import StreamingDataset
        dataset = StreamingDataset(local=out, shuffle=False, batch_size=1)
        samples = (dataset[i] for i in range(len(dataset)))
    else:
        from pseudotrack_data import open_shards
        samples = iter(open_shards(out))
    ids = []
    for sample in samples:
        meta = sample["meta"]
        if isinstance(meta, (bytes, str)):
            meta = json.loads(meta)
        ids.append(meta["clip_id"])
    return ids


def main(argv):
    flags = {a for a in argv if a.startswith("--")}
    streaming, allow_failed, summary = "--streaming" in flags, "--allow-failed" in flags, "--summary" in flags
    out, status_path = [a for a in argv if not a.startswith("--")]
    with open(status_path) as f:
        totals = json.load(f)["totals"]
    ids = clip_ids(out, streaming)
    problems = []
    clips = totals["clips"]
    if len(ids) != len(set(ids)):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        problems.append(f"{len(twice)} clip(s) in the dataset twice: {twice[:5]}")
    if len(ids) != clips["done"] or len(ids) != totals["shard_clips"]:
        problems.append(f"{len(ids)} samples, but {clips['done']} clips done and {totals['shard_clips']} in sealed shards")
    if clips["pending"] or clips["running"] or (clips["failed"] and not allow_failed):
        problems.append(f"clips left: {clips['pending']} pending, {clips['running']} running, {clips['failed']} failed")
    if totals["videos"]["duplicates"] < 1:
        problems.append("the same content under two paths was not recorded as a duplicate")
    reader = "StreamingDataset" if streaming else "open_shards"
    if summary:
        lost = clips["pending"] + clips["running"] + max(0, clips["done"] - len(set(ids)))
        print(json.dumps({"clips": clips["total"], "samples": len(ids), "lost": lost,
                          "duplicated": len(ids) - len(set(ids)), "failed": clips["failed"]}))
    for p in problems:
        print(f"check_merged ({reader}): {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_merged ({reader}): {len(ids)} clips, each once; {clips['skipped']} skipped; "
          f"{totals['videos']['duplicates']} duplicate(s), {totals['videos']['failed']} failed input(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
