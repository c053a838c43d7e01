-- 0003: training shards. A clip's `shards` task ends done in the same transaction that
-- records the sealed shard holding it, so the manifest and the shard directory agree
-- after any crash: a shard file the manifest does not list was never sealed, and its
-- clips are written again.

-- One row per sealed shard, in the order of the directory's index.json.
CREATE TABLE shards (
    id               INTEGER PRIMARY KEY,
    directory        TEXT    NOT NULL,     -- absolute path of the shard directory
    shard_index      INTEGER NOT NULL,     -- NNNNN of shard.NNNNN.mds.zstd
    basename         TEXT    NOT NULL,     -- shard.NNNNN.mds.zstd
    samples          INTEGER NOT NULL,
    raw_bytes        INTEGER NOT NULL,     -- uncompressed shard
    raw_sha1         TEXT    NOT NULL,
    zip_bytes        INTEGER NOT NULL,     -- the file on disk
    zip_sha1         TEXT    NOT NULL,
    entry            TEXT    NOT NULL,     -- its index.json entry, exactly as written
    lease_owner      TEXT    NOT NULL,     -- the worker that sealed it
    run_id           INTEGER REFERENCES runs(id),
    sealed_at        REAL    NOT NULL,
    UNIQUE (directory, shard_index)
);

-- Which clip is which sample of which shard. A clip is in at most one shard.
CREATE TABLE shard_samples (
    shard_id         INTEGER NOT NULL REFERENCES shards(id),
    sample_index     INTEGER NOT NULL,     -- position in the shard
    clip_id          INTEGER NOT NULL UNIQUE REFERENCES clips(id),
    tracks           INTEGER NOT NULL,     -- N of the sample
    PRIMARY KEY (shard_id, sample_index)
);

-- When an attempt's sample went into a worker's open shard. If that worker dies before
-- sealing, the attempt is not counted against the clip: its stage work had succeeded.
ALTER TABLE task_attempts ADD COLUMN parked_at REAL;
