"""Makes a synthetic manifest of many clips from a labelled one, for the report's bench
(ops/bench/report.sh): the labelled manifest is copied, and its sources, videos, clips,
tasks and the metadata of its `tracks` and `labels` artifacts are cloned until there are
COUNT clips. Clones point at the same video files; their artifacts keep their metadata
(teacher, the quality stage's counts: what the report's tables and plots read) but not
their arrays (a one-byte payload), so a clone drawn into the gallery gets an error card.
Only Python's sqlite3: no engine code.

Usage: python3 ops/bench/report_manifest.py LABELLED.sqlite OUT.sqlite COUNT
"""
import shutil
import sqlite3
import sys

source, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.copyfile(source, target)
db = sqlite3.connect(target)
db.execute("PRAGMA journal_mode = DELETE")
db.execute("PRAGMA synchronous = OFF")  # a scratch file: no need to wait for the disk
clips = db.execute("SELECT COUNT(*) FROM clips").fetchone()[0]
if clips == 0:
    sys.exit(f"{source}: no clips to clone")
sources = db.execute("SELECT id FROM sources WHERE state = 'ingested' ORDER BY id").fetchall()
columns = {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in ["sources", "videos", "clips", "tasks", "artifacts"]}


def clone(table, where, overrides, args):
    names = [c for c in columns[table] if c != "id"]
    select = ", ".join(overrides.get(c, c) for c in names)
    cursor = db.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {select} FROM {table} WHERE {where}", args)
    return cursor.lastrowid


copy = 0
while clips < count:
    copy += 1
    for (sid,) in sources:
        if clips >= count:
            break
        new = clone("sources", "id = ?", {"sha256": f"sha256 || '-{copy}'", "uri": f"uri || '#{copy}'"}, [sid])
        clone("videos", "source_id = ?", {"source_id": str(new)}, [sid])
        for (cid,) in db.execute("SELECT id FROM clips WHERE source_id = ? ORDER BY id", [sid]).fetchall():
            if clips >= count:
                break
            nc = clone("clips", "id = ?", {"source_id": str(new)}, [cid])
            clone("tasks", "clip_id = ?", {"clip_id": str(nc), "lease_owner": "NULL", "lease_token": "NULL"}, [cid])
            clone("artifacts", "clip_id = ? AND name IN ('tracks', 'labels')",
                  {"clip_id": str(nc), "data": "X'00'", "raw_bytes": "1"}, [cid])
            clips += 1
    db.commit()
db.commit()
print(f"{target}: {db.execute('SELECT COUNT(*) FROM clips').fetchone()[0]} clips")
