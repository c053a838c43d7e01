-- 0008: the counts `status` reads, kept exact by triggers. Before 0008 `status` counted
-- rows: at 1,000,000 clips (6,000,000 tasks, 5,000,000 artifacts) that took about 28 s.
-- The triggers below run inside the statement that changes a row, so a count changes in
-- the same transaction as what it counts, whatever code (or SQL) wrote it: a claim, a
-- lease taken over after it expired, a failure sent back to pending for a retry or ended
-- failed, a skip, a seal, an ingest that replaces a failed source. A manifest restored
-- from its copy brings its counts with it (the copy is one consistent snapshot). The
-- counts of an existing manifest are built once, from its rows, below.
--
-- status_counts (counter, key, n):
--   'sources'         source state           sources in that state
--   'clips'           clip state             clips in that state (clips.tasks_state)
--   'tasks:<stage>'   task state             the stage's tasks in that state
--   'teachers'        teacher name ('?')     `tracks` artifacts with metadata, by $.teacher
--   'quality'         'clips', 'labels_in', 'labels_out', 'tracks_in', 'tracks_out'
--                                            `labels` artifacts whose $.quality is an object, and the sums of those integers
--   'labels_removed'  rule                   the sum of $.quality.labels_removed.<rule> (integers)
--   'labels_made'     how                    the sum of $.quality.labels_made.<how> (integers)
--   'shards'          'tracks'               the sum of shard_samples.tracks
-- A count that falls to 0 keeps its row; readers skip rows with n = 0.

CREATE TABLE status_counts (
    counter          TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    n                INTEGER NOT NULL,
    PRIMARY KEY (counter, key)
) WITHOUT ROWID;

-- A clip's tasks by state, and the clip's state from them: failed if any task failed,
-- else skipped if any was skipped, else done if all are done (a clip with no tasks is
-- done), else running if any is running, else pending.
ALTER TABLE clips ADD COLUMN tasks_total   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clips ADD COLUMN tasks_done    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clips ADD COLUMN tasks_running INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clips ADD COLUMN tasks_failed  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clips ADD COLUMN tasks_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clips ADD COLUMN tasks_state TEXT GENERATED ALWAYS AS (
    CASE WHEN tasks_failed > 0 THEN 'failed' WHEN tasks_skipped > 0 THEN 'skipped'
         WHEN tasks_done = tasks_total THEN 'done' WHEN tasks_running > 0 THEN 'running' ELSE 'pending' END) VIRTUAL;

-- What one `tracks` or `labels` artifact adds to the counts (artifact_id, counter, key, n).
-- JSON that is not valid adds nothing (and never makes a write fail).
CREATE VIEW artifact_status_counts AS
    SELECT id AS artifact_id, 'teachers' AS counter,
           COALESCE(CAST(json_extract(CASE WHEN json_valid(metadata) THEN metadata END, '$.teacher') AS TEXT), '?') AS key, 1 AS n
    FROM artifacts WHERE name = 'tracks' AND metadata IS NOT NULL
    UNION ALL
    SELECT id, 'quality', 'clips', 1
    FROM artifacts WHERE name = 'labels' AND json_valid(metadata) AND json_type(metadata, '$.quality') = 'object'
    UNION ALL
    SELECT a.id, 'quality', q.key, q.value
    FROM artifacts a, json_each(CASE WHEN a.name = 'labels' AND json_valid(a.metadata) THEN a.metadata END, '$.quality') q
    WHERE q.type = 'integer' AND q.key IN ('labels_in', 'labels_out', 'tracks_in', 'tracks_out')
    UNION ALL
    SELECT a.id, 'labels_removed', r.key, r.value
    FROM artifacts a, json_each(CASE WHEN a.name = 'labels' AND json_valid(a.metadata)
                                          AND json_type(a.metadata, '$.quality.labels_removed') = 'object' THEN a.metadata END,
                                '$.quality.labels_removed') r
    WHERE r.type = 'integer'
    UNION ALL
    SELECT a.id, 'labels_made', r.key, r.value
    FROM artifacts a, json_each(CASE WHEN a.name = 'labels' AND json_valid(a.metadata)
                                          AND json_type(a.metadata, '$.quality.labels_made') = 'object' THEN a.metadata END,
                                '$.quality.labels_made') r
    WHERE r.type = 'integer';

-- The counts of the rows already there.
UPDATE clips SET tasks_total = t.total, tasks_done = t.done, tasks_running = t.running,
                 tasks_failed = t.failed, tasks_skipped = t.skipped
FROM (SELECT clip_id, COUNT(*) AS total, SUM(state = 'done') AS done, SUM(state = 'running') AS running,
             SUM(state = 'failed') AS failed, SUM(state = 'skipped') AS skipped
      FROM tasks GROUP BY clip_id) AS t
WHERE clips.id = t.clip_id;
INSERT INTO status_counts (counter, key, n) SELECT 'sources', state, COUNT(*) FROM sources GROUP BY state;
INSERT INTO status_counts (counter, key, n) SELECT 'clips', tasks_state, COUNT(*) FROM clips GROUP BY tasks_state;
INSERT INTO status_counts (counter, key, n) SELECT 'tasks:' || stage, state, COUNT(*) FROM tasks GROUP BY stage, state;
INSERT INTO status_counts (counter, key, n)
    SELECT counter, key, SUM(n) FROM artifact_status_counts GROUP BY counter, key;
INSERT INTO status_counts (counter, key, n) SELECT 'shards', 'tracks', COALESCE(SUM(tracks), 0) FROM shard_samples;

-- Sources that failed, listed by `status` (few among many ingested ones).
CREATE INDEX sources_failed ON sources(id) WHERE state = 'failed';

-- Kept exact from here on.
CREATE TRIGGER sources_counted_on_insert AFTER INSERT ON sources BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('sources', NEW.state, 1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER sources_counted_on_delete AFTER DELETE ON sources BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('sources', OLD.state, -1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n - 1;
END;
CREATE TRIGGER sources_counted_on_update AFTER UPDATE OF state ON sources WHEN OLD.state IS NOT NEW.state BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('sources', OLD.state, -1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n - 1;
    INSERT INTO status_counts (counter, key, n) VALUES ('sources', NEW.state, 1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER clips_counted_on_insert AFTER INSERT ON clips BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('clips', NEW.tasks_state, 1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER clips_counted_on_delete AFTER DELETE ON clips BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('clips', OLD.tasks_state, -1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n - 1;
END;
CREATE TRIGGER clips_counted_on_update AFTER UPDATE OF tasks_total, tasks_done, tasks_running, tasks_failed, tasks_skipped ON clips
WHEN OLD.tasks_state IS NOT NEW.tasks_state BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('clips', OLD.tasks_state, -1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n - 1;
    INSERT INTO status_counts (counter, key, n) VALUES ('clips', NEW.tasks_state, 1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tasks_counted_on_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('tasks:' || NEW.stage, NEW.state, 1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + 1;
    UPDATE clips SET tasks_total = tasks_total + 1, tasks_done = tasks_done + (NEW.state = 'done'),
                     tasks_running = tasks_running + (NEW.state = 'running'), tasks_failed = tasks_failed + (NEW.state = 'failed'),
                     tasks_skipped = tasks_skipped + (NEW.state = 'skipped')
    WHERE id = NEW.clip_id;
END;
CREATE TRIGGER tasks_counted_on_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('tasks:' || OLD.stage, OLD.state, -1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n - 1;
    UPDATE clips SET tasks_total = tasks_total - 1, tasks_done = tasks_done - (OLD.state = 'done'),
                     tasks_running = tasks_running - (OLD.state = 'running'), tasks_failed = tasks_failed - (OLD.state = 'failed'),
                     tasks_skipped = tasks_skipped - (OLD.state = 'skipped')
    WHERE id = OLD.clip_id;
END;
-- A task's state changes within its clip: one update of the clip.
CREATE TRIGGER tasks_counted_on_update AFTER UPDATE OF clip_id, stage, state ON tasks
WHEN OLD.clip_id = NEW.clip_id AND (OLD.stage IS NOT NEW.stage OR OLD.state IS NOT NEW.state) BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('tasks:' || OLD.stage, OLD.state, -1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n - 1;
    INSERT INTO status_counts (counter, key, n) VALUES ('tasks:' || NEW.stage, NEW.state, 1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + 1;
    UPDATE clips SET tasks_done = tasks_done - (OLD.state = 'done') + (NEW.state = 'done'),
                     tasks_running = tasks_running - (OLD.state = 'running') + (NEW.state = 'running'),
                     tasks_failed = tasks_failed - (OLD.state = 'failed') + (NEW.state = 'failed'),
                     tasks_skipped = tasks_skipped - (OLD.state = 'skipped') + (NEW.state = 'skipped')
    WHERE id = NEW.clip_id AND OLD.state IS NOT NEW.state;
END;
-- A task moved to another clip (no engine code does this; kept exact all the same).
CREATE TRIGGER tasks_counted_on_move AFTER UPDATE OF clip_id ON tasks WHEN OLD.clip_id IS NOT NEW.clip_id BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('tasks:' || OLD.stage, OLD.state, -1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n - 1;
    INSERT INTO status_counts (counter, key, n) VALUES ('tasks:' || NEW.stage, NEW.state, 1)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + 1;
    UPDATE clips SET tasks_total = tasks_total - 1, tasks_done = tasks_done - (OLD.state = 'done'),
                     tasks_running = tasks_running - (OLD.state = 'running'), tasks_failed = tasks_failed - (OLD.state = 'failed'),
                     tasks_skipped = tasks_skipped - (OLD.state = 'skipped')
    WHERE id = OLD.clip_id;
    UPDATE clips SET tasks_total = tasks_total + 1, tasks_done = tasks_done + (NEW.state = 'done'),
                     tasks_running = tasks_running + (NEW.state = 'running'), tasks_failed = tasks_failed + (NEW.state = 'failed'),
                     tasks_skipped = tasks_skipped + (NEW.state = 'skipped')
    WHERE id = NEW.clip_id;
END;

-- An artifact's contribution is added after it is inserted and taken away before it is
-- deleted; an update of its name or metadata does both.
CREATE TRIGGER artifacts_counted_on_insert AFTER INSERT ON artifacts WHEN NEW.name IN ('tracks', 'labels') BEGIN
    INSERT INTO status_counts (counter, key, n)
        SELECT counter, key, SUM(n) FROM artifact_status_counts WHERE artifact_id = NEW.id GROUP BY counter, key
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER artifacts_uncounted_on_delete BEFORE DELETE ON artifacts WHEN OLD.name IN ('tracks', 'labels') BEGIN
    INSERT INTO status_counts (counter, key, n)
        SELECT counter, key, -SUM(n) FROM artifact_status_counts WHERE artifact_id = OLD.id GROUP BY counter, key
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER artifacts_uncounted_on_update BEFORE UPDATE OF id, name, metadata ON artifacts
WHEN OLD.name IN ('tracks', 'labels') BEGIN
    INSERT INTO status_counts (counter, key, n)
        SELECT counter, key, -SUM(n) FROM artifact_status_counts WHERE artifact_id = OLD.id GROUP BY counter, key
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER artifacts_counted_on_update AFTER UPDATE OF id, name, metadata ON artifacts
WHEN NEW.name IN ('tracks', 'labels') BEGIN
    INSERT INTO status_counts (counter, key, n)
        SELECT counter, key, SUM(n) FROM artifact_status_counts WHERE artifact_id = NEW.id GROUP BY counter, key
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER shard_samples_counted_on_insert AFTER INSERT ON shard_samples BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('shards', 'tracks', NEW.tracks)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER shard_samples_counted_on_delete AFTER DELETE ON shard_samples BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('shards', 'tracks', -OLD.tracks)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER shard_samples_counted_on_update AFTER UPDATE OF tracks ON shard_samples BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES ('shards', 'tracks', NEW.tracks - OLD.tracks)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
