// How a manifest is opened without writing anything beside it (`status`, `verify`, and
// the identity check before `ingest` writes). A read-only SQLite connection to a WAL
// database still needs its -wal and -shm files: it creates them when they are missing,
// with the database file's permissions, and leaves them behind (a read-only manifest
// gains a read-only -shm), and where it cannot create them (a read-only mount) the open
// fails. When no -wal holds changes, everything is in the database file itself and the
// file can be read as `immutable` (no locks, no -wal/-shm), which is what is done when
// the directory cannot be written, when the file itself is read-only (nobody writes it,
// so nothing can change under the reader), or when the caller asks for it. Otherwise
// the usual read-only open (it shares the -shm with a live writer).
// https://www.sqlite.org/wal.html#readonly, https://www.sqlite.org/uri.html#uriimmutable

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum ReadOnlyOpening {
    /// The name to give SQLite for a read-only open of `path`: `path` itself, or a
    /// `file:` URI with `immutable=1`. Throws when the file's -wal holds changes that
    /// cannot be read here (its -shm is missing and cannot be created).
    static func sqliteName(for path: String, preferImmutable: Bool = false) throws -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let walHoldsChanges = fileSize(absolute + "-wal") > 0
        let directoryWritable = access((absolute as NSString).deletingLastPathComponent, W_OK) == 0
        if walHoldsChanges {
            if !directoryWritable && !FileManager.default.fileExists(atPath: absolute + "-shm") {
                throw ManifestError.incompatible(path: path, message: """
                    its write-ahead log (\(path)-wal) holds changes, and its -shm index is missing and cannot be \
                    created in a read-only directory; open it once where it is writable (or copy the three files)
                    """)
            }
            return path
        }
        guard preferImmutable || !directoryWritable || !fileIsWritableByAnyone(absolute) else { return path }
        let escaped = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
        return "file:\(escaped)?immutable=1"
    }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// False when no write permission bit is set (a file made read-only on purpose).
    static func fileIsWritableByAnyone(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return true }
        return info.st_mode & 0o222 != 0
    }
}
