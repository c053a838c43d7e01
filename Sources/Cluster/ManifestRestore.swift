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
// files it does not list (sealed after the copy was made, on a node that died) and our
// temporary files are removed, and index.json rewritten. The clips of removed shards are
// pending in the chosen manifest, so they are labelled again, once: nothing sealed in a
// shard the manifest lists is lost, and nothing is in two shards. What is read and removed
// is confined to the partition's own directory and our own file names (OutputConfinement).

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
        try OutputConfinement.requireOwnDirectory(shardDirectory, role: "the partition's shard directory")
        try OutputConfinement.requireOwnDirectory((copy as NSString).deletingLastPathComponent, role: "the manifest copies' directory")
        ManifestDatabase.removeCopyTemporaries(of: copy)
        let fm = FileManager.default
        guard OutputConfinement.exists(copy) else { return fm.fileExists(atPath: local) ? .local : .fresh }
        guard OutputConfinement.isRegularFile(copy) else {
            throw PartitionError.invalid("\(copy): the partition's manifest copy is not a regular file (a symbolic link?); it is not read (remove it, or put the copy there)")
        }
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
            // Only a shard of our naming, a regular file in the directory, is read.
            let path = directory + "/" + record.basename
            guard OutputConfinement.isShardName(record.basename), OutputConfinement.isRegularFile(path),
                  let (sha1, bytes) = try? Digest.hexOfFile(path, .sha1), bytes == Int64(record.zipBytes), sha1 == record.zipSha1 else {
                return false
            }
        }
        return true
    }

    /// Copies `copy` to `local` (temporary file, fsync, rename), dropping any old WAL. The
    /// copy is opened without following a link, and must be a regular file.
    static func install(copy: String, at local: String) throws {
        let temporary = "\(local).\(getpid()).restore.tmp"
        unlink(temporary)
        do {
            try FileManager.default.createDirectory(atPath: (local as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try copyRegularFile(copy, to: temporary)
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
    /// Only regular files of our naming are removed (OutputConfinement); a manifest that
    /// records a shard of another name is refused before anything is removed.
    @discardableResult
    public static func reconcile(shardDirectory: String, manifest: ManifestDatabase) throws -> [String] {
        try OutputConfinement.requireOwnDirectory(shardDirectory, role: "the partition's shard directory")
        let directory = try MDSDirectory(path: shardDirectory)
        var removed: [String] = []
        try manifest.withSealedShardNames(in: directory.path) { referenced in
            if let foreign = referenced.sorted().first(where: { !OutputConfinement.isShardName($0) }) {
                throw PartitionError.invalid("\(manifest.path): records a sealed shard named \"\(foreign)\" in \(directory.path), not a name this engine writes (shard.NNNNN.mds.zstd); nothing in the directory was read or removed")
            }
            for name in directory.shardFiles() where OutputConfinement.isShardName(name) && !referenced.contains(name)
                && OutputConfinement.isRegularFile(directory.path + "/" + name) {
                try directory.remove(name)
                removed.append(name)
            }
            for name in directory.temporaryFiles() where OutputConfinement.isTemporaryName(name)
                && OutputConfinement.isRegularFile(directory.path + "/" + name) && unlink(directory.path + "/" + name) == 0 {
                removed.append(name)
            }
        }
        try directory.withLock {
            try directory.writeIndex(entryTexts: try manifest.shards(in: directory.path).map(\.entry))
        }
        return removed
    }

    /// Copies the regular file `source` (not followed if it is a link) to a new file `destination`, fsynced.
    static func copyRegularFile(_ source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw PartitionError.invalid("\(source): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw PartitionError.invalid("\(source): not a regular file")
        }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw PartitionError.invalid("\(destination): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw PartitionError.invalid("\(source): cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, n - written) }
                if w < 0 { if errno == EINTR { continue }; throw PartitionError.invalid("\(destination): cannot write: \(String(cString: strerror(errno)))") }
                written += w
            }
        }
        guard fsync(output) == 0 else { throw PartitionError.invalid("\(destination): fsync: \(String(cString: strerror(errno)))") }
    }
}
