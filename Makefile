# PseudoTrack. A newcomer on a fresh Debian/Ubuntu machine needs two commands:
#   make demo   installs what is missing, builds, labels sample videos and a synthetic RGB-D
#               rig, prints a summary, writes the HTML report and prints the path to open
#   make test   checks that every module depends only on those below it, builds (optimised)
#               and runs every test
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/release/pseudotrack
DEMO := demo
SAMPLES := samples

.PHONY: demo test build deps bench clean faults

deps:
	bash ops/install-deps.sh

build: deps
	$(SWIFT) build -c release --product pseudotrack

# Image code is 10-100x slower unoptimised: the tests are built in release with testing enabled.
# A Python virtual environment (.venv-test) serves the external-teacher integration test
# (OpenCV through ops/teachers/opencv_lk.py) and the shard reader's pytest suite, which
# runs twice: on shards of the reference writer (tests/mds_writer.py) and on shards the
# engine writes from synthetic videos in the same run (ops/test-shards.sh).
TEST_VENV := .venv-test
# The cluster test (ops/slurm/test-array.sh) labels a corpus as a 4-task array on a real
# one-node Slurm (ops/slurm/local-cluster.sh starts it; it stays up) with faults injected,
# and reads the merged dataset with StreamingDataset too when STREAMING_PYTHON names a
# Python with mosaicml-streaming (default: .venv-bench's, which make bench creates).
STREAMING_PYTHON ?= $(wildcard $(CURDIR)/.venv-bench/bin/python)
TEST_SHARDS := .build/test-shards
# The report's browser test (ops/test-report.sh) opens the report of TEST_SHARDS' manifest in
# headless Chromium; its screenshots are left in TEST_REPORT for a person to look at.
TEST_REPORT := .build/test-report
test: deps
	python3 ops/check-module-layers.py
	bash ops/python-test-env.sh $(TEST_VENV)
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
	PSEUDOTRACK_TEST_PYTHON=$(CURDIR)/$(TEST_VENV)/bin/python \
	  $(SWIFT) test -c release -Xswiftc -enable-testing --skip-build --disable-swift-testing
	$(TEST_VENV)/bin/pytest -q Shards/python/tests
	bash ops/test-shards.sh .build/release/pseudotrack $(TEST_SHARDS)
	PSEUDOTRACK_SHARDS=$(CURDIR)/$(TEST_SHARDS)/out $(TEST_VENV)/bin/pytest -q Shards/python/tests
	bash ops/slurm/test-array.sh $(BIN) .build/test-slurm $(CURDIR)/$(TEST_VENV)/bin/python $(STREAMING_PYTHON)
	bash ops/test-report.sh $(CURDIR)/.build/release/pseudotrack $(TEST_SHARDS) $(TEST_REPORT) $(TEST_VENV)/bin/pytest

# Faults injected on one machine (ops/faults.sh): SIGKILL while a shard is sealed and while
# the manifest copy is written, the node-local manifest lost, a crashing teacher, a full
# output disk, corrupt inputs added mid-corpus; ends with the table of clips lost (0) and
# duplicated (0).
faults: build
	bash ops/python-test-env.sh $(TEST_VENV)
	bash ops/faults.sh $(BIN) .build/faults $(CURDIR)/$(TEST_VENV)/bin/python

demo: build
	bash ops/fetch-samples.sh $(SAMPLES)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN) synthesize $(DEMO)/rigs --kind rig
	$(BIN) ingest $(SAMPLES) $(DEMO)/rigs --manifest $(DEMO)/manifest.sqlite
	$(BIN) run --manifest $(DEMO)/manifest.sqlite --out $(DEMO)/out
	@echo
	$(BIN) status --manifest $(DEMO)/manifest.sqlite
	@echo
	$(BIN) verify --manifest $(DEMO)/manifest.sqlite --out $(DEMO)/out
	@echo
	$(BIN) report --manifest $(DEMO)/manifest.sqlite --out $(DEMO)/out --to $(DEMO)/report

# Speed against the references, in the same run: ffmpeg for decoding, OpenCV for SIFT and
# Lucas-Kanade, zstd for writing shards (on the demo's shards), mosaicml-streaming's
# StreamingDataset for reading them under shuffled access (ops/bench/shard_reader.py), and the whole default
# pipeline against a Python/OpenCV pipeline of CoTracker3's recipe
# (ops/bench/peer_pipeline.py), each on one core, on layered sequences with exact ground
# truth that the bench generates from scikit-image's photographs
# (ops/bench/layered_sequences.py, the val set, cached in bench-results/sequences):
# correct visible labels per CPU-second, precision, recall, tracks and CPU-s per clip by
# stage, side by side (ops/bench/pipeline.sh; SET=dev, RUNS, PIPELINES="a.yaml b.yaml"
# are passed through). The Python side (numpy, OpenCV, scikit-image, mosaicml-streaming)
# lives in a virtual environment of its own, .venv-bench. Decoding and SIFT are measured
# on ../shared/data/videos when it exists, else on the sample videos. The 3D labels of
# ../shared/bench's rigs are scored with depth, without and mixed when that directory exists (ops/bench/rigs.sh). The
# report's build time on the demo's manifest and on 100,000 cloned clips: ops/bench/report.sh.
BENCH_VENV := .venv-bench
BENCH_VIDEOS = $(or $(wildcard ../shared/data/videos/*.mp4),$(SAMPLES))
bench: build
	bash ops/fetch-samples.sh $(SAMPLES)
	bash ops/bench/decode.sh
	test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -c "import cv2, numpy, skimage, streaming" 2>/dev/null || $(BENCH_VENV)/bin/pip install -q numpy opencv-python-headless scikit-image mosaicml-streaming
	$(BENCH_VENV)/bin/python ops/bench/sift_reference.py --skip-agreement --skip-matching $(BENCH_VIDEOS)
	mkdir -p bench-results/teachers
	$(BIN) bench teachers --dump bench-results/teachers --json > bench-results/teachers/engine.json
	$(BENCH_VENV)/bin/python ops/bench/teachers_reference.py bench-results/teachers
	test -f $(DEMO)/out/index.json || $(MAKE) demo
	bash ops/bench/shards.sh $(BIN) $(DEMO)/out
	$(BENCH_VENV)/bin/python ops/bench/shard_reader.py
	bash ops/bench/report.sh $(BIN) $(DEMO)
	PYTHON=$(BENCH_VENV)/bin/python bash ops/bench/pipeline.sh $(BIN)
	PYTHON=$(BENCH_VENV)/bin/python bash ops/bench/rigs.sh $(BIN)

clean:
	rm -rf .build $(DEMO) bench-results $(BENCH_VENV) $(TEST_VENV)
