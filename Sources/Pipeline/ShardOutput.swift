// A manifest's shard directory (`pseudotrack run --out DIR`): the MDS files on disk and
// the manifest's record of them, kept in agreement. Opening it refuses a directory that
// holds another manifest's shards, or a second directory for one manifest. Recovery
// (at every worker's start) removes what a crash can leave — temporary files of dead
// processes, and shard files published but never committed (found under the manifest's
// write lock, when no worker can be between the two) — and rewrites `index.json` from
// the manifest, which a crash between commit and rewrite leaves one shard behind.

import Foundation
import Manifest
import Shards

public struct ShardOutput {
    public let directory: MDSDirectory
    public let manifest: ManifestDatabase

    public init(path: String, manifest: ManifestDatabase) throws {
        directory = try MDSDirectory(path: path)
        self.manifest = manifest
        let others = try manifest.shardDirectories().filter { $0 != directory.path }
        if let other = others.first {
            throw ManifestError.invalid("\(directory.path): this manifest's shards are in \(other); pass --out \(other)")
        }
        let known = Set(try manifest.shards(in: directory.path).map(\.zipSha1))
        if FileManager.default.fileExists(atPath: directory.indexPath) {
            let index = try MDSIndex(directory: directory)
            if let foreign = index.entries.first(where: { !known.contains($0.zip.sha1) }) {
                throw ManifestError.invalid("\(directory.path): \(foreign.zip.basename) in its index.json was not written for this manifest; use another output directory")
            }
        }
    }

    /// Removes crash leftovers and rewrites the index. Returns the names removed.
    @discardableResult
    public func recover() throws -> [String] {
        var removed = directory.removeDeadTemporaries()
        try manifest.withSealedShardNames(in: directory.path) { referenced in
            for name in directory.shardFiles() where !referenced.contains(name) {
                try directory.remove(name)
                removed.append(name)
            }
        }
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
