import GRDB
@testable import Manifest
import XCTest

final class ArtifactSlimmingTests: ManifestTestCase {
    /// Seals one clip whose stages a and b stored artifacts, in a shard of stage c.
    func sealOneClip() throws -> Int64 {
        try addSources(1, clips: 1)
        let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
        let tasks = lease.tasks
        XCTAssertEqual(tasks.count, 3)
        for task in tasks.prefix(2) {
            try lease.begin(task)
            try lease.complete(task, artifacts: [ArtifactPayload(name: task.stage, format: "test", bytes: [UInt8](repeating: 7, count: 50_000),
                                                                 metadata: "{\"n\": 1}")], seconds: 0.1)
        }
        let shardTask = tasks[2]
        try lease.begin(shardTask)
        try lease.park(shardTask)
        try manifest.sealShard(directory: directory + "/out", members: [ShardMember(lease: lease, task: shardTask, tracks: 5, seconds: 0.1)],
                               runId: nil) { index in
            PublishedShard(basename: "shard.\(index).mds.zstd", rawBytes: 10, rawSha1: "r", zipBytes: 5, zipSha1: "z", entry: "{}")
        }
        return lease.clipId
    }

    func testSealingDropsTheArtifactBytesAndKeepsTheirChecksumsAndMetadata() throws {
        let clip = try sealOneClip()
        XCTAssertEqual(try manifest.status().clips.done, 1)
        let artifact = try XCTUnwrap(try manifest.artifact(clip: clip, name: "a"))
        XCTAssertEqual(artifact.compression, ArtifactRecord.dropped)
        XCTAssertEqual(artifact.rawBytes, 50_000)
        XCTAssertEqual(artifact.sha256.count, 64)
        XCTAssertEqual(artifact.metadata, "{\"n\": 1}")
        XCTAssertEqual(artifact.data.count, 0)
        XCTAssertThrowsError(try artifact.payload()) { error in
            XCTAssert("\(error)".contains("dropped once the clip was sealed"), "\(error)")
        }
    }

    func testKeepingArtifactsKeepsThemWhole() throws {
        ManifestDatabase.keepsSealedArtifacts = true
        defer { ManifestDatabase.keepsSealedArtifacts = false }
        let clip = try sealOneClip()
        XCTAssertEqual(try manifest.artifact(clip: clip, name: "b")?.payload().count, 50_000)
    }
}
