// A cheap identity of a file — its size and modification time (st_mtim, ns) — taken at
// ingest, around the hash, and compared again before a worker decodes a clip. The shards
// carry the SHA-256 taken at ingest; a file edited or replaced since then would be
// labelled as it is now under that old hash, so its clips fail ("changed since ingest")
// instead. Re-hashing a video per clip would cost a full read of it per clip; size and
// mtime cost one stat. (A change that keeps both, such as `touch -r`, is not caught.)

import Foundation
import VideoIO
#if canImport(Glibc)
import Glibc
#endif

public struct FileIdentity: Equatable {
    var bytes: Int64
    var mtimeNs: Int64

    /// The identity of `path` (following symlinks), or nil when it cannot be stat'ed.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        bytes = Int64(info.st_size)
        mtimeNs = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
    }

    init(bytes: Int64, mtimeNs: Int64) { self.bytes = bytes; self.mtimeNs = mtimeNs }

    /// Throws VideoError.changedSinceIngest when `path` is no longer the file recorded.
    public static func check(_ path: String, recordedBytes: Int64?, recordedMtimeNs: Int64?) throws {
        guard let recordedBytes, let recordedMtimeNs else { return }   // ingested before migration 0004
        guard let now = FileIdentity(path: path) else {
            throw VideoError.unreadable(path: path, message: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file (moved or deleted since ingest)")
        }
        if now.bytes != recordedBytes {
            throw VideoError.changedSinceIngest(path: path, message: "\(recordedBytes) bytes at ingest, \(now.bytes) now")
        }
        if now.mtimeNs != recordedMtimeNs {
            throw VideoError.changedSinceIngest(path: path, message: "modified since ingest")
        }
    }
}
