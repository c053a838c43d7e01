import ArgumentParser
import Cluster
import Foundation
import Manifest
import Pipeline

struct PartitionVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a merged partitioned output against every partition's manifest copy.",
        discussion: """
        Each partition's shards as `pseudotrack verify` checks them (against the copy of its \
        manifest in OUT/manifests), then: every partition has a manifest copy, OUT/index.json \
        is the merge of the partitions' indexes, and no clip is in two partitions. Exits 1 \
        listing every problem.
        """)

    @Argument(help: "The partitioned output directory.") var out: String
    @Flag(help: "Skip decoding each video_mp4.") var skipVideo = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let dataset = PartitionedDataset(output: PartitionedOutput(path: out))
        var errors: [String] = [], perPartition: [[String: Any]] = []
        var shards = 0, clips = 0, tracks = 0
        for index in try dataset.partitionIndexes() {
            let name = Cluster.Partition.name(index)
            guard let manifest = try dataset.manifest(index) else { continue }   // crossCheck reports it
            do {
                let output = try ShardOutput(path: dataset.output.shardDirectory(index), manifest: manifest, writing: false)
                let result = ShardVerifier(output: output, decodeVideo: !skipVideo).verify()
                errors += result.errors.map { "\(name): \($0)" }
                shards += result.shards; clips += result.clips; tracks += result.tracks
                perPartition.append(["partition": index, "shards": result.shards, "clips": result.clips, "errors": result.errors.count])
            } catch { errors.append("\(name): \(error)") }
        }
        errors += dataset.crossCheck()
        if json {
            let object: [String: Any] = ["passed": errors.isEmpty, "errors": errors, "shards": shards, "clips": clips,
                                         "tracks": tracks, "partitions": perPartition]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for error in errors { print("error: \(error)") }
            print("\(dataset.output.path): \(perPartition.count) partitions, \(shards) shards, \(clips) clips, \(tracks) tracks")
            print(errors.isEmpty ? "verified" : "FAILED: \(errors.count) problem(s)")
        }
        if !errors.isEmpty { throw ExitCode(1) }
    }
}
