-- 0006: marks the file as a PseudoTrack manifest in SQLite's header (PRAGMA application_id,
-- 0x5054524B, "PTRK"; `file` and other tools read it too). `ingest` refuses to write into
-- a non-empty SQLite database without this mark (or, for manifests made before 0006, the
-- PseudoTrack migrations in grdb_migrations and the tasks table): somebody else's database
-- must not gain our tables or be switched to WAL (issue 17, finding 8).
PRAGMA application_id = 1347703371;
