// A manifest's shard directory (`pseudotrack run --out DIR`): the MDS files on disk and
// the manifest's record of them, kept in agreement. Opening it refuses `/`, a directory
// that cannot be written, a directory that holds another manifest's shards (listed in its
// index.json, or shard files without an index that this manifest did not write), or a
// second directory for one manifest. Recovery (at every worker's start) removes only what
// this manifest's own crashed workers left: temporary files of dead processes, and a shard
// file published but never committed — recognised by its staged twin (MDSDirectory), under
// the manifest's write lock, when no worker can be between the two — then rewrites
// `index.json` from the manifest, which a crash between commit and rewrite leaves one
// shard behind. A file this manifest never wrote is never removed.

import Foundation
import Ingest
import Manifest
import Shards
#if canImport(Glibc)
import Glibc
#endif

/// Why a shard directory cannot be used or written.
public enum ShardOutputError: Error, CustomStringConvertible, Equatable {
    /// The directory is not one this manifest may write into.
    case refused(directory: String, message: String)
    /// Writing failed (permissions, a read-only file system, the disk full).
    case unwritable(directory: String, message: String)
    public var description: String {
        switch self {
        case .refused(let d, let m): return "\(d): \(m)"
        case .unwritable(let d, let m): return "\(d): \(m); the clips waiting for it are left pending, run again once the directory is writable"
        }
    }
}

public struct ShardOutput {
    public let directory: MDSDirectory
    public let manifest: ManifestDatabase

    /// `writing`: the caller will write shards (`run`); `verify` only reads, with a
    /// read-only manifest, and skips the foreign-file and writability checks.
    public init(path: String, manifest: ManifestDatabase, writing: Bool = true) throws {
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        let real = RigPathConfinement.realPath(standardized) ?? standardized
        if real == "/" || standardized == "/" {
            throw ShardOutputError.refused(directory: path, message: "the root directory is not an output directory; give a directory of its own")
        }
        do { directory = try MDSDirectory(path: path) } catch {
            throw ShardOutputError.unwritable(directory: standardized, message: "cannot create the directory (\(error))")
        }
        self.manifest = manifest
        let others = try manifest.shardDirectories().filter { $0 != directory.path }
        if let other = others.first {
            throw ShardOutputError.refused(directory: directory.path, message: "this manifest's shards are in \(other); pass --out \(other)")
        }
        let known = Set(try manifest.shards(in: directory.path).map(\.zipSha1))
        if FileManager.default.fileExists(atPath: directory.indexPath) {
            let index = try MDSIndex(directory: directory)
            if let foreign = index.entries.first(where: { !known.contains($0.zip.sha1) }) {
                throw ShardOutputError.refused(directory: directory.path,
                                               message: "\(foreign.zip.basename) in its index.json was not written for this manifest; use another output directory")
            }
        }
        guard writing else { return }
        let folder = self.directory
        let foreign = try manifest.withSealedShardNames(in: folder.path) { referenced in
            folder.shardFiles().filter { !referenced.contains($0) && !folder.hasStagedTwin($0, deadOnly: false) }
        }
        if !foreign.isEmpty {
            throw ShardOutputError.refused(directory: folder.path, message: """
                holds shard files this manifest did not write (\(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? ", …" : "")); \
                they are left alone: use another output directory
                """)
        }
        try Self.checkWritable(folder)
    }

    /// Creates and removes a file in the directory: a read-only directory fails the run at once.
    static func checkWritable(_ directory: MDSDirectory) throws {
        let probe = directory.temporaryPath(kind: "shard")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ShardOutputError.unwritable(directory: directory.path, message: "cannot write in the output directory (\(String(cString: strerror(errno))))")
        }
        close(descriptor)
        unlink(probe)
    }

    /// Removes this manifest's crash leftovers and rewrites the index. Returns the names removed.
    @discardableResult
    public func recover() throws -> [String] {
        var removed: [String] = []
        try manifest.withSealedShardNames(in: directory.path) { referenced in
            for name in directory.shardFiles() where !referenced.contains(name) && directory.hasStagedTwin(name, deadOnly: true) {
                try directory.remove(name)
                removed.append(name)
            }
        }
        removed += directory.removeDeadTemporaries()
        try writeIndex()
        return removed
    }

    /// Rewrites `index.json` from the manifest's sealed shards, under the directory lock
    /// (a later writer reads the manifest later, so its index is never the older one).
    public func writeIndex() throws {
        try directory.withLock {
            let entries = try manifest.shards(in: directory.path).map(\.entry)
            try directory.writeIndex(entryTexts: entries)
        }
    }
}
