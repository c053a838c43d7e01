// The files of a shard directory and how they change: staged shards and index texts
// under temporary names (`.shard.<host>.<pid>.<nonce>.tmp`,
// `.index.<host>.<pid>.<nonce>.tmp`), published by rename, `index.json` replaced
// atomically under an advisory lock (`.index.lock`) so that concurrent workers never
// interleave their writes, each file and the directory fsynced so that a rename that
// has returned survives a power cut. A temporary file whose process is gone is removed
// by the next run.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct MDSDirectory: Sendable {
    public let path: String

    public init(path: String) throws {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    public var indexPath: String { path + "/index.json" }

    private static let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: ".", with: "_")

    /// A fresh temporary name in the directory for a file of `kind` (`shard` or
    /// `index`), naming this process.
    public func temporaryPath(kind: String = "shard") -> String {
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return "\(path)/.\(kind).\(Self.host).\(getpid()).\(nonce).tmp"
    }

    /// Renames a staged shard to shard number `index` and returns its index entry.
    public func publish(_ staged: MDSStagedShard, index: Int) throws -> MDSIndexEntry {
        let entry = staged.entry(index: index)
        guard rename(staged.temporaryPath, path + "/" + entry.zip.basename) == 0 else {
            throw MDSFormatError.file(path: staged.temporaryPath, message: "cannot rename to \(entry.zip.basename): \(String(cString: strerror(errno)))")
        }
        try syncDirectory()
        return entry
    }

    /// Replaces `index.json` by the index of these entries, each the JSON text of an
    /// MDSIndexEntry (temporary file, fsync, rename).
    public func writeIndex(entryTexts: [String]) throws {
        let temporary = temporaryPath(kind: "index")
        try Self.writeDurably(Array(MDSIndexEntry.indexText(entryTexts: entryTexts).utf8), to: temporary)
        guard rename(temporary, indexPath) == 0 else {
            throw MDSFormatError.file(path: indexPath, message: "cannot replace: \(String(cString: strerror(errno)))")
        }
        try syncDirectory()
    }

    /// Runs `body` holding the directory's exclusive lock (flock on `.index.lock`).
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        let descriptor = open(path + "/.index.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw MDSFormatError.file(path: path + "/.index.lock", message: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw MDSFormatError.file(path: path + "/.index.lock", message: String(cString: strerror(errno))) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Basenames of the published shard files (`shard.*.mds.zstd`).
    public func shardFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasPrefix("shard.") && $0.hasSuffix(".mds.zstd") }.sorted()
    }

    /// Temporary files left in the directory (by crashed or running writers).
    public func temporaryFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { ($0.hasPrefix(".shard.") || $0.hasPrefix(".index.")) && $0.hasSuffix(".tmp") }.sorted()
    }

    /// Removes the temporary files of processes of this host that no longer exist.
    @discardableResult
    public func removeDeadTemporaries() -> [String] {
        var removed: [String] = []
        for name in temporaryFiles() {
            let parts = name.split(separator: ".")   // shard or index, host, pid, nonce, tmp
            guard parts.count == 5, String(parts[1]) == Self.host, let pid = Int32(parts[2]) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                if unlink(path + "/" + name) == 0 { removed.append(name) }
            }
        }
        return removed
    }

    public func remove(_ basename: String) throws {
        guard unlink(path + "/" + basename) == 0 || errno == ENOENT else {
            throw MDSFormatError.file(path: path + "/" + basename, message: "cannot remove: \(String(cString: strerror(errno)))")
        }
    }

    private func syncDirectory() throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw MDSFormatError.file(path: path, message: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        _ = fsync(descriptor)   // some file systems refuse fsync on directories; the rename stands
    }

    /// Writes `bytes` to a new file at `path` and fsyncs it.
    static func writeDurably(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw MDSFormatError.file(path: path, message: "cannot create: \(String(cString: strerror(errno)))") }
        var failure: String? = nil
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let n = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 { if errno == EINTR { continue }; failure = String(cString: strerror(errno)); return }
                written += n
            }
            if fsync(descriptor) != 0 { failure = "fsync: " + String(cString: strerror(errno)) }
        }
        close(descriptor)
        if let failure {
            unlink(path)
            throw MDSFormatError.file(path: path, message: "cannot write: \(failure)")
        }
    }
}
