-- 0005: why a task ended failed, as a class a run's exit status depends on:
-- 'input' (the clip's own data is unusable: a decoding error, a changed or unreadable
-- file; the run still succeeds), 'worker-died' (the worker processes holding it died in
-- every attempt), 'error' (anything else: the output unwritable, the disk full, an
-- external teacher failing). `pseudotrack run` exits non-zero while any task is failed
-- for a cause other than 'input'. NULL for failures recorded before 0005.
ALTER TABLE tasks ADD COLUMN failure_cause TEXT;
