-- 0001_initial: the first manifest schema.
-- Never edit a migration that has shipped; change the schema by adding the next one.
-- Times are Unix seconds (REAL). Paths are absolute. See Manifests/README.md.

-- One row per invocation of `pseudotrack ingest` or `pseudotrack run` (its worker processes add to it).
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    command          TEXT    NOT NULL CHECK (command IN ('ingest', 'run')),
    engine_version   TEXT    NOT NULL,
    pipeline_sha256  TEXT    NOT NULL,
    pipeline_text    TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    host             TEXT    NOT NULL,
    pid              INTEGER NOT NULL,
    workers          INTEGER NOT NULL DEFAULT 1,
    started_at       REAL    NOT NULL,
    updated_at       REAL,                 -- the last recorded progress
    ended_at         REAL,                 -- set when the run ends (NULL: running, or killed)
    end_state        TEXT    CHECK (end_state IN ('finished', 'interrupted', 'failed')),
    clips_done       INTEGER NOT NULL DEFAULT 0,
    frames_done      INTEGER NOT NULL DEFAULT 0
);

-- The pipeline a manifest was ingested with; clips and tasks follow from it.
CREATE TABLE manifest_pipeline (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    pipeline_sha256  TEXT    NOT NULL,
    pipeline_text    TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    stages           TEXT    NOT NULL   -- JSON array of stage names, in order
);

-- What the user handed to ingest: a video file, or a rig directory of several views.
CREATE TABLE sources (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('video', 'rig')),
    uri              TEXT    NOT NULL,
    sha256           TEXT,
    bytes            INTEGER,
    state            TEXT    NOT NULL CHECK (state IN ('ingested', 'duplicate', 'failed')),
    duplicate_of     INTEGER REFERENCES sources(id),
    error_kind       TEXT,
    error            TEXT,
    run_id           INTEGER REFERENCES runs(id),
    ingested_at      REAL    NOT NULL
);
CREATE UNIQUE INDEX sources_one_per_content ON sources(sha256) WHERE state = 'ingested';
CREATE INDEX sources_by_uri ON sources(uri);

-- The video streams of a source: one for a plain video, one per camera for a rig.
CREATE TABLE videos (
    id                  INTEGER PRIMARY KEY,
    source_id           INTEGER NOT NULL REFERENCES sources(id),
    view_index          INTEGER NOT NULL DEFAULT 0,
    view_name           TEXT    NOT NULL DEFAULT 'main',
    path                TEXT    NOT NULL,
    sha256              TEXT    NOT NULL,
    container           TEXT    NOT NULL,
    codec               TEXT    NOT NULL,
    pixel_format        TEXT    NOT NULL,
    coded_width         INTEGER NOT NULL,
    coded_height        INTEGER NOT NULL,
    width               INTEGER NOT NULL,
    height              INTEGER NOT NULL,
    frame_rate          REAL    NOT NULL,
    frame_count         INTEGER NOT NULL,
    container_frame_count INTEGER NOT NULL,
    duration            REAL    NOT NULL,
    rotation            INTEGER NOT NULL,
    variable_frame_rate INTEGER NOT NULL,
    time_base_num       INTEGER NOT NULL,
    time_base_den       INTEGER NOT NULL,
    frame_timestamps    BLOB    NOT NULL,  -- zstd of little-endian int64 presentation timestamps
    calibration         TEXT,              -- JSON {K, extrinsics_w2c} for rig views
    depth               TEXT,              -- JSON depth source for rig views
    UNIQUE (source_id, view_index)
);

-- Clips cut from a source: the same frames in every view.
CREATE TABLE clips (
    id               INTEGER PRIMARY KEY,
    source_id        INTEGER NOT NULL REFERENCES sources(id),
    clip_index       INTEGER NOT NULL,
    frame_count      INTEGER NOT NULL,     -- T
    frame_step       INTEGER NOT NULL,
    frame_indices    TEXT    NOT NULL,     -- JSON array of the T source frame indices
    geometry         TEXT    NOT NULL,     -- JSON FrameGeometry: source size to stored size
    stored_width     INTEGER NOT NULL,
    stored_height    INTEGER NOT NULL,
    scale_x          REAL    NOT NULL,     -- stored = source * scale + offset
    scale_y          REAL    NOT NULL,
    offset_x         REAL    NOT NULL,
    offset_y         REAL    NOT NULL,
    seed             INTEGER NOT NULL,     -- the clip's own seed, from the run seed and the source hash
    UNIQUE (source_id, clip_index)
);

-- One task per clip and stage.
CREATE TABLE tasks (
    id               INTEGER PRIMARY KEY,
    clip_id          INTEGER NOT NULL REFERENCES clips(id),
    stage            TEXT    NOT NULL,
    stage_index      INTEGER NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'running', 'done', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 3,
    lease_owner      TEXT,
    lease_token      TEXT,
    lease_expires_at REAL,
    error            TEXT,                 -- the last failure, or why the clip was skipped
    started_at       REAL,
    finished_at      REAL,
    seconds          REAL,
    run_id           INTEGER REFERENCES runs(id),
    UNIQUE (clip_id, stage)
);
CREATE INDEX tasks_by_state ON tasks(state, clip_id);
CREATE INDEX tasks_by_clip ON tasks(clip_id, stage_index);
CREATE INDEX tasks_by_token ON tasks(lease_token);

-- Every start of a task, and how it ended: the audit trail of leases.
CREATE TABLE task_attempts (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER NOT NULL REFERENCES tasks(id),
    attempt          INTEGER NOT NULL,
    lease_owner      TEXT    NOT NULL,
    lease_token      TEXT    NOT NULL,
    run_id           INTEGER REFERENCES runs(id),
    started_at       REAL    NOT NULL,
    ended_at         REAL,
    outcome          TEXT    CHECK (outcome IN ('done', 'skipped', 'failed', 'released', 'expired')),
    error            TEXT
);
CREATE INDEX task_attempts_by_task ON task_attempts(task_id);

-- A stage's output for a clip.
CREATE TABLE artifacts (
    id               INTEGER PRIMARY KEY,
    clip_id          INTEGER NOT NULL REFERENCES clips(id),
    stage            TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    format           TEXT    NOT NULL,     -- what the bytes are, with a version, e.g. 'decode-check.v1+json'
    compression      TEXT    NOT NULL DEFAULT 'zstd',
    raw_bytes        INTEGER NOT NULL,
    sha256           TEXT    NOT NULL,     -- of the uncompressed bytes
    data             BLOB    NOT NULL,
    created_at       REAL    NOT NULL,
    UNIQUE (clip_id, name)
);
