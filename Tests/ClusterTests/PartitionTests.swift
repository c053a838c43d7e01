import Checksums
@testable import Cluster
import Foundation
import XCTest

final class PartitionTests: XCTestCase {
    func testFlagsWinOverTheSchedulersEnvironment() throws {
        let slurm = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "7"]
        XCTAssertEqual(try Partition.resolve(index: nil, count: nil, environment: slurm), try Partition(index: 3, count: 8))
        XCTAssertEqual(try Partition.resolve(index: 1, count: 2, environment: slurm), try Partition(index: 1, count: 2))
        // A rerun of one task is an array of one: its count is not the partition count.
        let rerun = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_MAX": "3"]
        XCTAssertThrowsError(try Partition.resolve(index: nil, count: nil, environment: rerun))
        XCTAssertEqual(try Partition.resolve(index: nil, count: nil, environment: rerun.merging(["PSEUDOTRACK_PARTITIONS": "8"]) { $1 }),
                       try Partition(index: 3, count: 8))
        // A Kubernetes Indexed Job sets the index only.
        XCTAssertThrowsError(try Partition.resolve(index: nil, count: nil, environment: ["JOB_COMPLETION_INDEX": "2"]))
        XCTAssertEqual(try Partition.resolve(index: nil, count: 4, environment: ["JOB_COMPLETION_INDEX": "2"]), try Partition(index: 2, count: 4))
        XCTAssertThrowsError(try Partition.resolve(index: nil, count: 4, environment: ["JOB_COMPLETION_INDEX": "4"]))
        XCTAssertThrowsError(try Partition.resolve(index: nil, count: 4, environment: ["JOB_COMPLETION_INDEX": "x"]))
        XCTAssertThrowsError(try Partition.resolve(index: nil, count: nil, environment: [:]))
        XCTAssertEqual(try Partition(index: 7, count: 8).name, "part-00007")
    }

    func testSameContentUnderTwoPathsFallsInOnePartitionAndTheSplitIsEven() throws {
        let directory = NSTemporaryDirectory() + "pt-partition-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/copy", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var generator = SystemRandomNumberGenerator()
        var counts = [Int](repeating: 0, count: 4)
        for k in 0..<200 {
            let bytes = (0..<(100 + k * 37)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/v\(k).mp4"))
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/copy/other-name-\(k).mp4"))
            let a = PartitionKey.partition(of: "\(directory)/v\(k).mp4", count: 4)
            XCTAssertEqual(a, PartitionKey.partition(of: "\(directory)/copy/other-name-\(k).mp4", count: 4), "file \(k)")
            XCTAssertEqual(a, PartitionKey.partition(of: "\(directory)/v\(k).mp4", count: 4))
            counts[a] += 1
        }
        // 200 files in 4 partitions: each gets 50 ± a few standard deviations (6.1).
        for c in counts { XCTAssert((25...75).contains(c), "\(counts)") }
        // Different content with the same size and start but a different end shares a key;
        // a different start does not (the key reads the first 4 KiB).
        let big = [UInt8](repeating: 7, count: 10_000)
        try Data(big).write(to: URL(fileURLWithPath: "\(directory)/a.mp4"))
        try Data(big.prefix(9_999) + [8]).write(to: URL(fileURLWithPath: "\(directory)/b.mp4"))
        try Data([9] + big.dropFirst()).write(to: URL(fileURLWithPath: "\(directory)/c.mp4"))
        XCTAssertEqual(PartitionKey.key(of: "\(directory)/a.mp4"), PartitionKey.key(of: "\(directory)/b.mp4"))
        XCTAssertNotEqual(PartitionKey.key(of: "\(directory)/a.mp4"), PartitionKey.key(of: "\(directory)/c.mp4"))
        // A missing file keys on its path: deterministic, recorded failed by one partition.
        XCTAssertEqual(PartitionKey.key(of: "\(directory)/missing.mp4"), PartitionKey.key(of: "\(directory)/missing.mp4"))
        XCTAssertNotEqual(PartitionKey.key(of: "\(directory)/missing.mp4"), PartitionKey.key(of: "\(directory)/missing2.mp4"))
        // A rig directory keys on its rig.json.
        for rig in ["rig1", "rig2"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(rig)", withIntermediateDirectories: true)
            try Data("{\"cameras\": []}".utf8).write(to: URL(fileURLWithPath: "\(directory)/\(rig)/rig.json"))
        }
        XCTAssertEqual(PartitionKey.key(of: "\(directory)/rig1"), PartitionKey.key(of: "\(directory)/rig2"))
    }

    func testOutputRecordsItsPartitionCountOnce() throws {
        let directory = NSTemporaryDirectory() + "pt-out-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = PartitionedOutput(path: directory)
        try output.prepare(for: Partition(index: 1, count: 3))
        try output.prepare(for: Partition(index: 0, count: 3))
        XCTAssertEqual(try output.recordedCount(), 3)
        XCTAssertThrowsError(try output.prepare(for: Partition(index: 0, count: 4))) { error in
            XCTAssert("\(error)".contains("split into 3 partitions"), "\(error)")
        }
        XCTAssertEqual(output.partitionDirectories(), [0, 1])
        XCTAssertNotEqual(output.localManifest(try Partition(index: 0, count: 3), environment: [:]),
                          PartitionedOutput(path: directory + "-other").localManifest(try Partition(index: 0, count: 3), environment: [:]))
    }

    func testMergedIndexPrefixesEachShardWithItsPartition() throws {
        let directory = NSTemporaryDirectory() + "pt-merge-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = PartitionedOutput(path: directory)
        func shard(_ n: Int, samples: Int) -> [String: Any] {
            ["format": "mds", "version": 2, "samples": samples, "column_names": ["a"], "column_encodings": ["int"], "column_sizes": [8],
             "compression": "zstd", "hashes": ["sha1"], "size_limit": 1 << 26,
             "raw_data": ["basename": "shard.\(String(format: "%05d", n)).mds", "bytes": 10, "hashes": [:]],
             "zip_data": ["basename": "shard.\(String(format: "%05d", n)).mds.zstd", "bytes": 5, "hashes": [:]]]
        }
        for (index, shards) in [(0, [shard(0, samples: 2), shard(1, samples: 1)]), (2, [shard(0, samples: 4)])] {
            try output.prepare(for: Partition(index: index, count: 3))
            let data = try JSONSerialization.data(withJSONObject: ["version": 2, "shards": shards] as [String: Any])
            try data.write(to: URL(fileURLWithPath: output.shardDirectory(index) + "/index.json"))
        }
        try output.prepare(for: Partition(index: 1, count: 3))   // a partition with no index yet
        let summary = try MergedIndex(output: output).write()
        XCTAssertEqual(summary.partitions, 2); XCTAssertEqual(summary.shards, 3); XCTAssertEqual(summary.samples, 7)
        let merged = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output.indexPath))) as! [String: Any]
        let names = (merged["shards"] as! [[String: Any]]).map { ($0["zip_data"] as! [String: Any])["basename"] as! String }
        XCTAssertEqual(names, ["part-00000/shard.00000.mds.zstd", "part-00000/shard.00001.mds.zstd", "part-00002/shard.00000.mds.zstd"])
        XCTAssertEqual(merged["version"] as? Int, 2)
        // A basename that leaves its directory is refused.
        var bad = shard(0, samples: 1)
        bad["zip_data"] = ["basename": "../x.mds.zstd", "bytes": 5, "hashes": [:]]
        try JSONSerialization.data(withJSONObject: ["version": 2, "shards": [bad]] as [String: Any])
            .write(to: URL(fileURLWithPath: output.shardDirectory(1) + "/index.json"))
        XCTAssertThrowsError(try MergedIndex(output: output).write())
    }
}
