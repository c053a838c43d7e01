"""The uncompressed copies of compressed shards that the reader seeks into, and the bound
on how much disk they take.

A compressed shard is decompressed once into a directory of copies, so that each sample
is then one ``os.pread`` (shard format §5; mosaicml-streaming reads the same way). The
copies are kept for later runs and for other worker processes, but not without end:
before a copy is written, the least recently used copies under the bounded directory are
removed until the new copy fits in ``limit`` bytes. Only files named like MDS shards
(``*.mds``) and this module's own unfinished copies (``*.mds.<pid>.<thread>.tmp``) are
counted and removed: anything else in a ``cache_dir`` the user chose is left alone. A copy is marked used (its access
time) whenever a reader takes it, so the shards being trained from stay and those of a
dataset no longer read (or of an older version of one) go first. A copy already open
keeps being read after its removal (POSIX keeps an unlinked file until it is closed); a
reader that opens it later writes it again.

The default bound is the smaller of 16 GiB and a quarter of the file system that holds
the copies: a shuffled epoch over a dataset larger than the bound decompresses some shards
more than once, which costs CPU, whereas filling a small /tmp (often memory) stops
everything. A copy larger than the bound on its own is still written, alone.
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import List, Optional, Sequence, Tuple

__all__ = ["DEFAULT_LIMIT_BYTES", "ShardCopies", "default_limit"]

#: The default bound's upper end, in bytes.
DEFAULT_LIMIT_BYTES = 16 << 30

#: A ``.tmp`` file younger than this is a copy being written; older ones are left over by
#: a writer that died, and are removed like any other file.
_WRITING_SECONDS = 3600.0

#: The names of the files this bound counts and removes: copies, and copies being written.
_COPY_NAME = re.compile(r".*\.mds(\.\d+\.\d+\.tmp)?$")


def default_limit(directory: str) -> int:
    """The smaller of ``DEFAULT_LIMIT_BYTES`` and a quarter of the size of the file system
    that holds ``directory`` (or its nearest existing parent)."""
    probe = os.path.abspath(directory)
    while not os.path.isdir(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    try:
        st = os.statvfs(probe)
    except (OSError, AttributeError):  # not POSIX
        return DEFAULT_LIMIT_BYTES
    return max(1, min(DEFAULT_LIMIT_BYTES, st.f_frsize * st.f_blocks // 4))


class ShardCopies:
    """Copies of one dataset's shards in ``directory``; the total size of every file under
    ``bounded`` (``directory`` itself or a parent shared by several datasets' copies) is
    kept at most ``limit`` bytes (None: ``default_limit(bounded)``) when a copy is written."""

    def __init__(self, directory: str, *, bounded: Optional[str] = None, limit: Optional[int] = None):
        self.directory = os.fspath(directory)
        self.bounded = os.fspath(bounded) if bounded is not None else self.directory
        rel = os.path.relpath(os.path.abspath(self.directory), os.path.abspath(self.bounded))
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise ValueError(f"{self.directory} is not inside {self.bounded}")
        if limit is not None and int(limit) < 1:
            raise ValueError(f"cache_limit must be a positive number of bytes, not {limit}")
        self.limit = int(limit) if limit is not None else default_limit(self.bounded)

    def path(self, parts: Sequence[str]) -> str:
        return os.path.join(self.directory, *parts)

    def find(self, parts: Sequence[str], size: int) -> Optional[str]:
        """The copy at ``parts`` when it exists with ``size`` bytes, marked used; else None."""
        path = self.path(parts)
        try:
            st = os.stat(path)
            if st.st_size != size:
                return None
            os.utime(path, ns=(time.time_ns(), st.st_mtime_ns))  # used now; mtime stays when it was written
        except OSError:
            return None
        return path

    def store(self, parts: Sequence[str], data: bytes) -> str:
        """Write ``data`` as the copy at ``parts`` (atomically: another process may write the
        same copy) after removing the least recently used files that keep it from fitting."""
        path = self.path(parts)
        self.make_room(len(data), keep=path)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        for attempt in (0, 1):
            os.makedirs(os.path.dirname(path), exist_ok=True)  # merged datasets name part-NNNNN/shard...
            try:
                with open(tmp, "wb") as f:
                    f.write(data)
                break
            except FileNotFoundError:  # another reader removed the empty directory just now
                if attempt:
                    raise
        os.replace(tmp, path)
        return path

    def files(self) -> List[Tuple[float, int, str]]:
        """(last use, bytes, path) of every copy (``*.mds``, ``*.mds.<pid>.<thread>.tmp``)
        under the bounded directory."""
        out = []
        for dirpath, _, names in os.walk(self.bounded):
            for name in names:
                if not _COPY_NAME.match(name):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:  # removed meanwhile by another reader
                    continue
                out.append((max(st.st_atime, st.st_mtime), st.st_size, path))
        return out

    def make_room(self, needed: int, keep: Optional[str] = None) -> int:
        """Remove the least recently used copies under the bounded directory until ``needed``
        more bytes fit in the limit (copies being written are left alone); the bytes left."""
        now = time.time()
        entries = self.files()
        total = sum(size for _, size, _ in entries)
        for used, size, path in sorted(entries):
            if total + needed <= self.limit:
                break
            if path == keep or (path.endswith(".tmp") and now - used < _WRITING_SECONDS):
                continue
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
            except OSError:  # e.g. open elsewhere on a system that refuses to unlink it
                continue
            total -= size
        for dirpath, _, _ in sorted(os.walk(self.bounded), key=lambda w: -len(w[0])):
            if dirpath != self.bounded:
                try:
                    os.rmdir(dirpath)  # only when empty
                except OSError:
                    pass
        return total
