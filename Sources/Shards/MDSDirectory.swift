// The files of a shard directory and how they change: staged shards and index texts
// under temporary names (`.shard.<host>.<pid>.<nonce>.tmp`,
// `.index.<host>.<pid>.<nonce>.tmp`), published by rename, `index.json` replaced
// atomically under an advisory lock (`.index.lock`) so that concurrent workers never
// interleave their writes, each file and the directory fsynced so that a rename that
// has returned survives a power cut. A temporary file whose process is gone is removed
// by the next run.
//
// A directory may hold files that are not ours (another dataset's shards), and those are
// never removed. A staged shard is published by hard-linking it to its number (link(2)
// fails rather than replace an existing file), and its temporary name is removed only
// after the manifest has committed it: a published shard whose commit never came is the
// one shard file that has a temporary twin of a dead process (the same inode), which is
// how recovery tells our orphan from a file we never wrote. File systems without hard
// links fall back to rename; an orphan there is left in place, never guessed at.

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

    /// Publishes a staged shard as shard number `index` and returns its index entry.
    /// Refuses to replace a file. `keepStaged`: the staged file stays until `retire` (a
    /// caller that commits the shard elsewhere first); otherwise it is removed at once.
    public func publish(_ staged: MDSStagedShard, index: Int, keepStaged: Bool = false) throws -> MDSIndexEntry {
        let entry = staged.entry(index: index)
        let target = path + "/" + entry.zip.basename
        if link(staged.temporaryPath, target) != 0 {
            let error = errno
            if error == EEXIST {
                throw MDSFormatError.file(path: target, message: "a file of that name exists that this manifest did not seal; it is left alone (use another output directory)")
            }
            guard error == EPERM || error == ENOTSUP || error == EOPNOTSUPP || error == EMLINK || error == ENOSYS,
                  access(target, F_OK) != 0, rename(staged.temporaryPath, target) == 0 else {
                throw MDSFormatError.file(path: staged.temporaryPath, message: "cannot publish as \(entry.zip.basename): \(String(cString: strerror(errno)))")
            }
        }
        if !keepStaged { unlink(staged.temporaryPath) }
        try syncDirectory()
        return entry
    }

    /// Removes a published shard's staged twin, once the shard is committed.
    public func retire(_ staged: MDSStagedShard) { unlink(staged.temporaryPath) }

    /// Removes a shard this process published whose commit failed (its staged twin
    /// proves it ours), and the staged file.
    public func withdraw(_ staged: MDSStagedShard, basename: String) {
        if let twin = Self.fileID(staged.temporaryPath), Self.fileID(path + "/" + basename) == twin { unlink(path + "/" + basename) }
        unlink(staged.temporaryPath)
    }

    /// True when the shard file `basename` has a staged twin (the same inode) under a
    /// temporary name of this host: a shard being sealed, or one whose commit never came.
    /// `deadOnly`: only twins of processes that no longer exist count.
    public func hasStagedTwin(_ basename: String, deadOnly: Bool) -> Bool {
        guard let id = Self.fileID(path + "/" + basename) else { return false }
        for name in temporaryFiles() where name.hasPrefix(".shard.") {
            if deadOnly && !Self.isDeadLocal(name) { continue }
            if Self.fileID(path + "/" + name) == id { return true }
        }
        return false
    }

    struct FileID: Equatable { var device: UInt64; var inode: UInt64 }
    static func fileID(_ path: String) -> FileID? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// True when the temporary file `name` belongs to a process of this host that no longer exists.
    static func isDeadLocal(_ name: String) -> Bool {
        let parts = name.split(separator: ".")   // shard or index, host, pid, nonce, tmp
        guard parts.count == 5, String(parts[1]) == host, let pid = Int32(parts[2]) else { return false }
        return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
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
        let descriptor = open(path + "/.index.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)   // a link there is not followed
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
        for name in temporaryFiles() where Self.isDeadLocal(name) {
            if unlink(path + "/" + name) == 0 { removed.append(name) }
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
