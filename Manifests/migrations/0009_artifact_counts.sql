-- 0009: what an artifact adds to `status` is stated by the code that writes it, as
-- generic counters (artifact_counts), instead of being read out of its metadata JSON by
-- SQL that knew the pipeline's artifact names and keys (0008's artifact_status_counts).
-- The manifest no longer knows what a counter means: the stage that stores an artifact
-- stores its counts in the same transaction (ArtifactPayload.counts), and the triggers
-- below add them to status_counts, or take them away when the artifact or the count is
-- deleted. Everything else 0008 counts (sources, clips, tasks, shard tracks) is counted as
-- before.
--
-- artifact_counts (artifact_id, counter, key, n): artifact `artifact_id` adds n to
-- status_counts (counter, key). Deleting the artifact deletes its counts.

CREATE TABLE artifact_counts (
    artifact_id      INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    counter          TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    n                INTEGER NOT NULL,
    PRIMARY KEY (artifact_id, counter, key)
) WITHOUT ROWID;

-- The artifacts already stored keep what 0008 counted for them (status_counts is unchanged).
INSERT INTO artifact_counts (artifact_id, counter, key, n)
    SELECT artifact_id, counter, key, SUM(n) FROM artifact_status_counts GROUP BY artifact_id, counter, key;

DROP TRIGGER artifacts_counted_on_insert;
DROP TRIGGER artifacts_uncounted_on_delete;
DROP TRIGGER artifacts_uncounted_on_update;
DROP TRIGGER artifacts_counted_on_update;
DROP VIEW artifact_status_counts;

CREATE TRIGGER artifact_counts_counted_on_insert AFTER INSERT ON artifact_counts BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES (NEW.counter, NEW.key, NEW.n)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER artifact_counts_counted_on_delete AFTER DELETE ON artifact_counts BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES (OLD.counter, OLD.key, -OLD.n)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER artifact_counts_counted_on_update AFTER UPDATE OF counter, key, n ON artifact_counts BEGIN
    INSERT INTO status_counts (counter, key, n) VALUES (OLD.counter, OLD.key, -OLD.n)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO status_counts (counter, key, n) VALUES (NEW.counter, NEW.key, NEW.n)
        ON CONFLICT (counter, key) DO UPDATE SET n = n + excluded.n;
END;
-- Whether or not foreign keys are enforced on the connection that deletes it.
CREATE TRIGGER artifacts_counts_deleted BEFORE DELETE ON artifacts BEGIN
    DELETE FROM artifact_counts WHERE artifact_id = OLD.id;
END;
