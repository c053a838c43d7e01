// The shared output of a corpus split into partitions:
//   OUT/partitions.json             {"count": N}: written by the first task, checked by every other
//   OUT/part-NNNNN/                 partition NNNNN's shards (an MDS directory of its own)
//   OUT/manifests/part-NNNNN.sqlite the latest consistent copy of its manifest (ManifestBackup)
//   OUT/index.json                  the merged index over every partition (`pseudotrack merge`)
// A partition's working manifest stays on the node's local disk (SQLite is not safe on
// network file systems); its default place names the output, so two data sets on one
// node never share a manifest.

import Checksums
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct PartitionedOutput: Sendable {
    /// OUT, absolute and standardised: every node must mount it at the same path (the
    /// manifests record their shard directories by path).
    public let path: String

    public init(path: String) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public var manifestsDirectory: String { path + "/manifests" }
    public var countPath: String { path + "/partitions.json" }
    public var indexPath: String { path + "/index.json" }

    public func shardDirectory(_ index: Int) -> String { path + "/" + Partition.name(index) }
    public func manifestCopy(_ index: Int) -> String { manifestsDirectory + "/" + Partition.name(index) + ".sqlite" }

    /// A node-local manifest path for `partition`: under $TMPDIR (Slurm and Kubernetes
    /// point it at node-local scratch), named after OUT and the partition.
    public func localManifest(_ partition: Partition, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let scratch = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let tag = Digest.hex(Array(path.utf8)).prefix(12)
        return "\(scratch)/pseudotrack-\(tag)-\(partition.name).sqlite"
    }

    /// Creates OUT, its manifests directory and the partition's shard directory, and
    /// records (or checks) the partition count.
    public func prepare(for partition: Partition) throws {
        // OUT itself may be a link (the user pointed at it); what is inside it may not.
        try OutputConfinement.requireOwnDirectory(manifestsDirectory, role: "the manifest copies' directory")
        try OutputConfinement.requireOwnDirectory(shardDirectory(partition.index), role: "the partition's shard directory")
        for directory in [path, manifestsDirectory, shardDirectory(partition.index)] {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw PartitionError.invalid("\(directory): cannot create the directory: \(error)")
            }
        }
        if let count = try recordedCount() {
            guard count == partition.count else {
                throw PartitionError.invalid("\(path) is split into \(count) partitions (\(countPath)); this task says \(partition.count): use the same count, or another output directory")
            }
            return
        }
        let temporary = "\(path)/.partitions.json.\(getpid()).tmp"
        do {
            try Data("{\"count\": \(partition.count)}\n".utf8).write(to: URL(fileURLWithPath: temporary))
        } catch { throw PartitionError.invalid("\(temporary): cannot write: \(error)") }
        // link() publishes only if nobody did first; another task's equal file is fine.
        if link(temporary, countPath) != 0 && errno != EEXIST {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw PartitionError.invalid("\(countPath): cannot write: \(message)")
        }
        unlink(temporary)
        if let count = try recordedCount(), count != partition.count {
            throw PartitionError.invalid("\(path) is split into \(count) partitions (\(countPath)); this task says \(partition.count)")
        }
    }

    /// The partition count recorded in OUT, or nil before the first task started.
    public func recordedCount() throws -> Int? {
        guard let data = FileManager.default.contents(atPath: countPath) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let count = object["count"] as? Int, count >= 1, count <= Partition.maximumCount else {
            throw PartitionError.invalid("\(countPath): not a partition count ({\"count\": N})")
        }
        return count
    }

    /// The partition indexes that have a shard directory in OUT, in order.
    public func partitionDirectories() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("part-"), name.count == 10, let index = Int(name.dropFirst(5)) else { return nil }
            return index
        }.sorted()
    }
}
