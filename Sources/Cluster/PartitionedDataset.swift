// The checks `pseudotrack partition verify` adds to each partition's own verification
// (ShardVerifier against the partition's manifest copy): every partition 0…N-1 has a
// manifest copy, OUT/index.json is the merge of the partitions' current indexes, and no
// clip (source content and clip index) is sealed in two partitions.

import Foundation
import Manifest

public struct PartitionedDataset {
    public let output: PartitionedOutput

    public init(output: PartitionedOutput) { self.output = output }

    /// The partitions to look at: 0…N-1 from partitions.json, or the directories present.
    public func partitionIndexes() throws -> [Int] {
        if let count = try output.recordedCount() { return Array(0..<count) }
        return output.partitionDirectories()
    }

    /// The manifest copy of partition `index`, read-only, or nil when there is none yet.
    public func manifest(_ index: Int) throws -> ManifestDatabase? {
        let path = output.manifestCopy(index)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ManifestDatabase(path: path, readOnly: true)
    }

    /// Problems across partitions (each partition's own are ShardVerifier's).
    public func crossCheck() -> [String] {
        var errors: [String] = []
        do {
            if try output.recordedCount() == nil { errors.append("\(output.countPath): missing (not a partitioned output?)") }
            var seen: [String: Int] = [:]
            for index in try partitionIndexes() {
                guard let manifest = try manifest(index) else {
                    errors.append("\(Partition.name(index)): no manifest copy at \(output.manifestCopy(index)) (the task has not started, or died before its first copy)")
                    continue
                }
                for shard in try manifest.shardMembers(in: output.shardDirectory(index)) {
                    for member in shard {
                        let key = "\(member.sourceSha256)#\(member.clipIndex)"
                        if let other = seen[key], other != index {
                            errors.append("clip \(member.clipIndex) of content \(member.sourceSha256.prefix(12)) is sealed in \(Partition.name(other)) and in \(Partition.name(index))")
                        }
                        seen[key] = index
                    }
                }
            }
        } catch { errors.append("\(error)") }
        do {
            guard let data = FileManager.default.contents(atPath: output.indexPath) else {
                errors.append("\(output.indexPath): missing; run `pseudotrack merge \(output.path)`")
                return errors
            }
            let merged = try MergedIndex(output: output).entries().entries
            let current = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["shards"] as? [[String: Any]] ?? []
            let normal = { (o: [[String: Any]]) in try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) }
            if try normal(merged) != normal(current) {
                errors.append("\(output.indexPath): not the merge of the partitions' current indexes (\(current.count) shards listed, \(merged.count) now); run `pseudotrack merge \(output.path)` again")
            }
        } catch { errors.append("\(output.indexPath): \(error)") }
        return errors
    }
}
