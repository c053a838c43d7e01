import ArgumentParser
import Cluster

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write OUT/index.json over every partition of a partitioned output (mosaicml-streaming's merged index).",
        discussion: """
        Shard basenames become part-NNNNN/shard.NNNNN.mds.zstd, so \
        StreamingDataset(local=OUT) and pseudotrack_data.open_shards(OUT) read the whole \
        dataset. Run it again after any partition changed; `pseudotrack partition verify OUT` \
        checks it.
        """)

    @Argument(help: "The partitioned output directory.") var out: String

    func run() throws {
        let output = PartitionedOutput(path: out)
        let summary = try MergedIndex(output: output).write()
        let expected = try output.recordedCount()
        print("\(output.indexPath): \(summary.shards) shards, \(summary.samples) clips from \(summary.partitions) partition(s)"
              + (expected.map { $0 != summary.partitions ? " of \($0) (the others have no shards yet)" : "" } ?? ""))
    }
}
