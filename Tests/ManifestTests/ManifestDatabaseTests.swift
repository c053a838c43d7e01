import GRDB
@testable import Manifest
import XCTest

final class ManifestDatabaseTests: ManifestTestCase {
    /// The largest clip: the most stored pixels of a frame, the most views of a source.
    func testLargestClip() throws {
        XCTAssertEqual(try manifest.largestClip(), LargestClip(storedPixels: 0, views: 1))
        try addSources(2, clips: 2)
        XCTAssertEqual(try manifest.largestClip(), LargestClip(storedPixels: 64 * 48, views: 1))
    }

    func testSchemaIsMigratedAndWAL() throws {
        XCTAssertEqual(try manifest.schemaVersions(), ["0001_initial", "0002_artifact_metadata", "0003_shards", "0004_video_file_identity", "0005_task_failure_cause",
                                                         "0006_application_id", "0007_run_end_cause", "0008_status_counts",
                                                         "0009_artifact_counts"])
        let mode = try manifest.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
        // Opening again applies nothing new and keeps the data.
        try addSources(1, clips: 1)
        let again = try ManifestDatabase(path: manifest.path)
        XCTAssertEqual(try again.status().clips.total, 1)
    }

    func testSameContentIsADuplicateAndNotAddedTwice() throws {
        try inEachOpening {
            try addSources(2, clips: 1)
            // The same two hashes again, once from the same paths and once from new ones.
            XCTAssertEqual(try addSources(2, clips: 1), [.alreadyIngested, .alreadyIngested])
            let copy = SourceRecord(kind: .video, uri: "/elsewhere/copy.mp4", sha256: String(format: "%064x", 1), bytes: 100,
                                    state: .ingested, runId: nil, ingestedAt: 0)
            let outcome = try manifest.record([IngestedSource(source: copy)], stages: stages, maxAttempts: 3)
            XCTAssertEqual(outcome, [.duplicate(of: "/videos/0.mp4")])
            let status = try manifest.status()
            XCTAssertEqual(status.videos.ingested, 2)
            XCTAssertEqual(status.videos.duplicates, 1)
            XCTAssertEqual(status.clips.total, 2)
        }
    }

    func testFailedSourcesAreListedWithTheirCause() throws {
        try inEachOpening {
            let bad = SourceRecord(kind: .video, uri: "/videos/bad.mp4", sha256: nil, bytes: 0, state: .failed,
                                   errorKind: "empty", error: "/videos/bad.mp4: the file is empty (0 bytes)", runId: nil, ingestedAt: 0)
            _ = try manifest.record([IngestedSource(source: bad)], stages: stages, maxAttempts: 3)
            _ = try manifest.record([IngestedSource(source: bad)], stages: stages, maxAttempts: 3)
            let status = try manifest.status()
            XCTAssertEqual(status.videos.failed, 1, "a second failure of the same path replaces the first")
            XCTAssertEqual(status.failures.map(\.path), ["/videos/bad.mp4"])
            XCTAssertEqual(status.failures.first?.kind, "empty")
        }
    }

    func testAnotherPipelineIsRefused() throws {
        try inEachOpening {
            XCTAssertThrowsError(try manifest.adopt(ManifestPipeline(pipelineSha256: "p2", pipelineText: "x", seed: 0, stageNames: ["a"]))) { error in
                guard case ManifestError.pipelineMismatch = error else { return XCTFail("\(error)") }
            }
            XCTAssertNoThrow(try manifest.adopt(ManifestPipeline(pipelineSha256: "p1", pipelineText: "stages: [a, b, c]", seed: 0, stageNames: stages)))
        }
    }

    func testNetworkFileSystemsAreRecognised() {
        XCTAssertEqual(NetworkFileSystem.name(forMagic: 0x6969), "NFS")
        XCTAssertEqual(NetworkFileSystem.name(forMagic: 0xFF53_4D42), "CIFS")
        XCTAssertEqual(NetworkFileSystem.name(forMagic: 0x0BD0_0BD0), "Lustre")
        XCTAssertEqual(NetworkFileSystem.name(forMagic: 0x4750_4653), "GPFS")
        XCTAssertNil(NetworkFileSystem.name(forMagic: 0xEF53), "ext4 is local")
        XCTAssertNil(NetworkFileSystem.name(forMagic: 0x0102_1994), "tmpfs is local")
        XCTAssertNil(NetworkFileSystem.kind(of: directory), "the test directory is on local disk")
        let message = ManifestError.networkFileSystem(path: "/nfs/m.sqlite", kind: "NFS").description
        XCTAssertTrue(message.contains("/nfs/m.sqlite") && message.contains("local disk"))
    }

    func testArtifactChecksumDetectsDamage() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
            try lease.begin(lease.tasks[0])
            try lease.complete(lease.tasks[0], artifacts: [ArtifactPayload(name: "a", format: "t", bytes: Array(repeating: 7, count: 1000))], seconds: 0)
            var artifact = try XCTUnwrap(try manifest.artifact(clip: lease.clipId, name: "a"))
            XCTAssertEqual(try artifact.payload().count, 1000)
            XCTAssertLessThan(artifact.data.count, 100, "stored zstd-compressed")
            artifact.sha256 = String(repeating: "0", count: 64)
            XCTAssertThrowsError(try artifact.payload())
        }
    }
}

final class InMemoryManifestTests: ManifestTestCase {
    /// An in-memory manifest has a file's schema, and each one is its own database.
    func testInMemoryManifestHasTheSchemaAndIsItsOwn() throws {
        let versions = try manifest.schemaVersions()
        try open(.inMemory)
        XCTAssertEqual(manifest.path, ":memory:")
        XCTAssertEqual(try manifest.schemaVersions(), versions)
        try addSources(2, clips: 3)
        XCTAssertEqual(try manifest.status().clips.total, 6)
        let other = try ManifestDatabase.inMemory()
        XCTAssertEqual(try other.status().clips.total, 0)
        XCTAssertNotNil(try manifest.claim(owner: LeaseOwner()))
    }
}
