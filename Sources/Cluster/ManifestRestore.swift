// A partition task's manifest when the task may start on any node. The working manifest
// is node-local; OUT/manifests/part-NNNNN.sqlite is the latest consistent copy. At a
// task's start (one task per partition at a time: the scheduler's guarantee):
//   - no copy yet: the local manifest if any, else a new one;
//   - no local manifest (a new node): the copy is restored;
//   - both (the node ran this partition before): the local one is kept only if it
//     extends the copy — the copy's sealed shards are its first ones, and the shard files
//     of the others are on the output with their recorded size and SHA-1 (another node
//     may have run the partition since, and removed or replaced them); otherwise it is
//     set aside (renamed *.stale-TIME) and the copy restored.
// Then the partition's shard directory is made to agree with the chosen manifest: shard
// files it does not list (sealed after the copy was made, on a node that died) and every
// temporary file are removed, and index.json rewritten. The clips of removed shards are
// pending in the chosen manifest, so they are labelled again, once: nothing sealed in a
// shard the manifest lists is lost, and nothing is in two shards.

import Checksums
import Foundation
import Manifest
import Shards
#if canImport(Glibc)
import Glibc
#endif

public enum ManifestRestore {
    public enum Choice: Equatable, Sendable {
        /// No copy and no local manifest: a new partition.
        case fresh
        /// The node-local manifest, at least as far as the copy.
        case local
        /// The copy, restored on this node; the stale local manifest set aside, if there was one.
        case restored(staleSetAside: String?)
    }

    /// Chooses and puts in place the working manifest at `local`.
    public static func prepare(local: String, copy: String, shardDirectory: String) throws -> Choice {
        ManifestDatabase.removeCopyTemporaries(of: copy)
        let fm = FileManager.default
        guard fm.fileExists(atPath: copy) else { return fm.fileExists(atPath: local) ? .local : .fresh }
        guard fm.fileExists(atPath: local) else {
            try install(copy: copy, at: local)
            return .restored(staleSetAside: nil)
        }
        let directory = URL(fileURLWithPath: shardDirectory).standardizedFileURL.path
        let copied = try ManifestDatabase(path: copy, readOnly: true).shards(in: directory)
        let kept = try ManifestDatabase(path: local, readOnly: true).shards(in: directory)
        if extends(kept, copied, directory: directory) { return .local }
        let aside = local + ".stale-" + String(Int(Date().timeIntervalSince1970))
        guard rename(local, aside) == 0 else {
            throw PartitionError.invalid("\(local): cannot set the stale manifest aside: \(String(cString: strerror(errno)))")
        }
        for suffix in ["-wal", "-shm"] { _ = rename(local + suffix, aside + suffix) }
        try install(copy: copy, at: local)
        return .restored(staleSetAside: aside)
    }

    /// Whether `kept` starts with `copied` and its further shards are on disk as recorded.
    static func extends(_ kept: [ShardRecord], _ copied: [ShardRecord], directory: String) -> Bool {
        guard kept.count >= copied.count else { return false }
        for (a, b) in zip(kept, copied) where a.basename != b.basename || a.zipSha1 != b.zipSha1 { return false }
        for record in kept.dropFirst(copied.count) {
            let path = directory + "/" + record.basename
            guard let (sha1, bytes) = try? Digest.hexOfFile(path, .sha1), bytes == Int64(record.zipBytes), sha1 == record.zipSha1 else {
                return false
            }
        }
        return true
    }

    /// Copies `copy` to `local` (temporary file, fsync, rename), dropping any old WAL.
    static func install(copy: String, at local: String) throws {
        let temporary = "\(local).\(getpid()).restore.tmp"
        unlink(temporary)
        do {
            try FileManager.default.createDirectory(atPath: (local as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: copy, toPath: temporary)
            let descriptor = open(temporary, O_RDWR | O_CLOEXEC)
            if descriptor >= 0 { _ = fsync(descriptor); close(descriptor) }
        } catch {
            unlink(temporary)
            throw PartitionError.invalid("\(local): cannot restore the manifest copy \(copy): \(error)")
        }
        unlink(local + "-wal"); unlink(local + "-shm")
        guard rename(temporary, local) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw PartitionError.invalid("\(local): cannot restore the manifest copy: \(message)")
        }
    }

    /// Removes the shard files and temporary files of `shardDirectory` that `manifest`
    /// does not list, and rewrites index.json from it. Returns the names removed.
    @discardableResult
    public static func reconcile(shardDirectory: String, manifest: ManifestDatabase) throws -> [String] {
        let directory = try MDSDirectory(path: shardDirectory)
        var removed: [String] = []
        try manifest.withSealedShardNames(in: directory.path) { referenced in
            for name in directory.shardFiles() where !referenced.contains(name) {
                try directory.remove(name)
                removed.append(name)
            }
            for name in directory.temporaryFiles() where unlink(directory.path + "/" + name) == 0 {
                removed.append(name)
            }
        }
        try directory.withLock {
            try directory.writeIndex(entryTexts: try manifest.shards(in: directory.path).map(\.entry))
        }
        return removed
    }
}
