-- 0007: why a run ended as it did, when the run itself could not say. A run whose process
-- is gone without recording an end state (killed, crashed, or the manifest could not be
-- written, as on a full disk) is closed by the next open of the manifest on its host:
-- end_state 'interrupted' and the cause here. NULL for runs that recorded their own end.
ALTER TABLE runs ADD COLUMN end_cause TEXT;
