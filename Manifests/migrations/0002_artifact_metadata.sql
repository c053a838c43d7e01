-- 0002: artifacts carry a small JSON document of facts about them that queries want
-- without decoding the payload: for the `tracks` artifact of the teacher stage, the
-- teacher that was drawn for the clip, its version and parameters, and the draw itself
-- ({"teacher": "flow", "version": "1", "params": {...}, "draw": {"choose": "random",
-- "ensemble": [...], "weights": [...]}}). Query with json_extract(metadata, '$.teacher').
ALTER TABLE artifacts ADD COLUMN metadata TEXT;
