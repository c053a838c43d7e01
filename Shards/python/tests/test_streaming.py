"""Against mosaicml-streaming itself, when it is importable (it is not in the default test
venv: it needs torch, torchvision and transformers; see Shards/python/README.md)."""

import os
import re

import pytest

from conftest import assert_same_sample, streaming_copy
from pseudotrack_data import open_shards

streaming = pytest.importorskip("streaming")


@pytest.fixture
def fresh_copy(shard_dir, tmp_path):
    with streaming_copy(shard_dir, tmp_path) as dst:
        yield dst


def test_streaming_dataset_reads_every_sample_identically(fresh_copy):
    ours = open_shards(fresh_copy)
    expected = list(ours)
    theirs = streaming.StreamingDataset(local=fresh_copy, shuffle=False, batch_size=1)
    assert len(theirs) == len(expected)
    for i in range(len(theirs)):
        assert_same_sample(theirs[i], expected[i], f"sample {i}")
        assert all(type(theirs[i][key]) is type(expected[i][key]) for key in expected[i]), i
    # Its iteration order with shuffle=False is index order too.
    for i, got in enumerate(theirs):
        assert got["meta"] == expected[i]["meta"]
    # It left decompressed shards beside the compressed ones: ours reads those as well.
    again = open_shards(fresh_copy)
    assert again[len(again) - 1]["meta"] == expected[-1]["meta"]


def test_readme_example_runs(fresh_copy):
    torch = pytest.importorskip("torch")
    from pseudotrack_data import media_mode
    if media_mode(open_shards(fresh_copy).columns) == "none":
        pytest.skip("these shards were written with media mode 'none'")
    readme = os.path.join(os.path.dirname(__file__), "..", "README.md")
    text = open(readme, encoding="utf-8").read()
    block = re.search(r"<!-- example: streaming -->\s*```python\n(.*?)```", text, re.S)
    assert block, "README.md lost its streaming example"
    code = re.sub(r'^shard_dir = .*$', f"shard_dir = {fresh_copy!r}", block.group(1), count=1, flags=re.M)
    namespace = {}
    exec(compile(code, "README.md example", "exec"), namespace)
    batch, gotit = namespace["batch"], namespace["gotit"]
    first = open_shards(fresh_copy)[0]
    assert isinstance(batch.video, torch.Tensor) and len(gotit) == 2
    assert tuple(batch.video.shape) == (2, 80, 3, first["meta"]["stored"]["height"], first["meta"]["stored"]["width"])
    assert tuple(batch.trajectory.shape) == (2, 80, 384, 2) and tuple(batch.valid.shape) == (2, 80, 384)
