// `pseudotrack merge OUT`: one root index.json over every partition, in mosaicml-streaming's
// merged-index layout (streaming.base.util.merge_index): the partitions' shard entries in
// partition order, each file's basename prefixed by its partition directory
// (`part-00003/shard.00000.mds.zstd`), so StreamingDataset(local=OUT) and
// pseudotrack_data.open_shards(OUT) read the whole dataset. Written to a temporary file,
// fsynced and renamed: a reader sees the old index or the new one.

import Foundation
import Shards
#if canImport(Glibc)
import Glibc
#endif

public struct MergedIndex {
    public struct Summary: Codable, Sendable {
        public var partitions = 0
        public var shards = 0
        public var samples = 0
    }

    public let output: PartitionedOutput

    public init(output: PartitionedOutput) { self.output = output }

    /// The merged entries (JSON objects), in order, from the partitions' own index.json files.
    public func entries() throws -> (entries: [[String: Any]], summary: Summary) {
        var entries: [[String: Any]] = [], summary = Summary()
        for index in output.partitionDirectories() {
            let name = Partition.name(index)
            let path = output.shardDirectory(index) + "/index.json"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  object["version"] as? Int == 2, let shards = object["shards"] as? [[String: Any]] else {
                throw PartitionError.invalid("\(path): not an MDS index (version 2 with a list of shards)")
            }
            summary.partitions += 1
            for (k, var shard) in shards.enumerated() {
                for key in ["raw_data", "zip_data", "raw_meta", "zip_meta"] {
                    guard var file = shard[key] as? [String: Any] else { continue }
                    guard let basename = file["basename"] as? String, !basename.isEmpty, !basename.contains("/"), basename != "..", basename != "." else {
                        throw PartitionError.invalid("\(path): shard \(k)'s \(key) has no plain basename")
                    }
                    file["basename"] = name + "/" + basename
                    shard[key] = file
                }
                summary.shards += 1
                summary.samples += shard["samples"] as? Int ?? 0
                entries.append(shard)
            }
        }
        return (entries, summary)
    }

    /// Writes OUT/index.json and returns what it covers.
    @discardableResult
    public func write() throws -> Summary {
        let (entries, summary) = try self.entries()
        guard summary.partitions > 0 else {
            throw PartitionError.invalid("\(output.path): no partition has an index.json yet (no part-NNNNN/index.json)")
        }
        let data = try JSONSerialization.data(withJSONObject: ["version": 2, "shards": entries] as [String: Any], options: [.sortedKeys, .withoutEscapingSlashes])
        let temporary = "\(output.path)/.index.json.\(getpid()).tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PartitionError.invalid("\(temporary): cannot create: \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress!, $0.count) }
        let synced = Glibc.fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, synced, rename(temporary, output.indexPath) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw PartitionError.invalid("\(output.indexPath): cannot write the merged index: \(message)")
        }
        return summary
    }
}
