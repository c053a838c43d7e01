// `pseudotrack partition status OUT`: every partition's status, read from its manifest
// copy (as fresh as its last sealed shard), and their sums.

import Foundation
import Manifest
import Pipeline

public struct PartitionedStatus: Encodable, Sendable {
    public struct Entry: Encodable, Sendable {
        public var partition: Int
        public var name: String
        /// nil: no manifest copy yet.
        public var status: PipelineStatus?
    }
    public struct Videos: Encodable, Sendable { public var total = 0, ingested = 0, duplicates = 0, failed = 0 }
    public struct Clips: Encodable, Sendable { public var total = 0, pending = 0, running = 0, done = 0, failed = 0, skipped = 0 }
    public struct Totals: Encodable, Sendable {
        public var videos = Videos()
        public var clips = Clips()
        public var shards = 0, shardClips = 0, zipBytes = 0
        public var failures = 0
        /// Sum over partitions of their last run's clips per second.
        public var clipsPerSecond = 0.0
        enum CodingKeys: String, CodingKey {
            case videos, clips, shards, shardClips = "shard_clips", zipBytes = "zip_bytes", failures, clipsPerSecond = "clips_per_second"
        }
    }

    public var output: String
    public var count: Int
    public var partitions: [Entry] = []
    public var totals = Totals()

    public init(dataset: PartitionedDataset, failureLimit: Int) throws {
        output = dataset.output.path
        let indexes = try dataset.partitionIndexes()
        count = indexes.count
        for index in indexes {
            let status = try dataset.manifest(index)?.pipelineStatus(failureLimit: failureLimit)
            partitions.append(Entry(partition: index, name: Partition.name(index), status: status))
            guard let s = status else { continue }
            totals.videos.total += s.videos.total; totals.videos.ingested += s.videos.ingested
            totals.videos.duplicates += s.videos.duplicates; totals.videos.failed += s.videos.failed
            totals.clips.total += s.clips.total; totals.clips.pending += s.clips.pending; totals.clips.running += s.clips.running
            totals.clips.done += s.clips.done; totals.clips.failed += s.clips.failed; totals.clips.skipped += s.clips.skipped
            totals.shards += s.shards.shards; totals.shardClips += s.shards.clips; totals.zipBytes += s.shards.zipBytes
            totals.failures += s.failuresTotal
            totals.clipsPerSecond += s.lastRun?.clipsPerSecond ?? 0
        }
    }
}
