-- 0004: what each video file was when it was ingested, besides its SHA-256: its size in
-- bytes and its modification time (nanoseconds since the epoch, st_mtim). A worker
-- compares them with the file before decoding a clip, so a file replaced or edited after
-- ingest fails its clips ("changed since ingest") instead of being labelled as it is now
-- under the old hash. NULL for videos ingested before 0004 (not checked).
ALTER TABLE videos ADD COLUMN file_bytes INTEGER;
ALTER TABLE videos ADD COLUMN file_mtime_ns INTEGER;
