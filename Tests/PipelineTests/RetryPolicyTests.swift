import Compression
import GRDB
import Ingest
import Manifest
@testable import Pipeline
import PipelineDefinition
import Synthetic
import Teachers
import VideoIO
import XCTest

/// The worker retries only what can pass on retry.
final class RetryPolicyTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-retry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/videos", withIntermediateDirectories: true)
        let clip = SyntheticClip(width: 96, height: 64, frameCount: 24, seed: 6)
        try clip.write(to: directory + "/videos/pan.mp4", settings: VideoEncoderSettings(codec: .h264, width: 96, height: 64))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testADeterministicErrorIsNotRetried() throws {
        let definition = try PipelineDefinition.parse("""
            stages: [points, teacher]
            clips: {length: 12, min_length: 12}
            points: {count: 24, frames: 2, min_points: 4}
            teachers: [{name: klt-online}]
            run: {max_attempts: 3}
            """)
        let manifest = try ManifestDatabase(path: "\(directory!)/m.sqlite")
        try manifest.adopt(ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                            seed: definition.seed, stageNames: definition.stages))
        _ = try Ingestor(manifest: manifest, pipeline: definition).ingest(try Ingestor.expand(["\(directory!)/videos"]), runId: nil)
        // The first clip's points artifact is stored as bytes that are no tensor bundle: its
        // teacher task fails the same way however often it is tried.
        let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
        let points = try XCTUnwrap(lease.tasks.first { $0.stage == "points" })
        try lease.begin(points)
        try lease.complete(points, artifacts: [ArtifactPayload(name: "points", format: "points.v1+safetensors", bytes: [1, 2, 3])], seconds: 0)
        try lease.release()
        let totals = try StageRunner(manifest: manifest, pipeline: definition, runId: nil).run()
        XCTAssertEqual(totals.tasksFailed, 1)
        XCTAssertEqual(totals.clipsFinished, 1, "the other clip is labelled")
        let row = try XCTUnwrap(try manifest.read { db in
            try Row.fetchOne(db, sql: "SELECT state, attempts, failure_cause, error FROM tasks WHERE clip_id = ? AND stage = 'teacher'",
                             arguments: [lease.clipId])
        })
        XCTAssertEqual(row["state"] as String, "failed")
        XCTAssertEqual(row["attempts"] as Int, 1, "one attempt, not max_attempts (3)")
        XCTAssertEqual(row["failure_cause"] as String, "error")
        XCTAssert((row["error"] as String).hasPrefix("teacher: malformed tensor bundle"), row["error"] as String)
    }

    func testOnlyWhatCanPassOnRetryIsRetried() {
        XCTAssertTrue(RetryPolicy.mayPassOnRetry(ExternalTeacherError.broken("the process died")))
        XCTAssertTrue(RetryPolicy.mayPassOnRetry(ExternalTeacherError.startup("no hello")))
        XCTAssertTrue(RetryPolicy.mayPassOnRetry(DatabaseError(resultCode: .SQLITE_BUSY)))
        XCTAssertFalse(RetryPolicy.mayPassOnRetry(ExternalTeacherError.refused("bad clip")))
        XCTAssertFalse(RetryPolicy.mayPassOnRetry(DatabaseError(resultCode: .SQLITE_CONSTRAINT)))
        XCTAssertFalse(RetryPolicy.mayPassOnRetry(VideoError.invalidRequest(path: "a.mp4", message: "no frame 9")))
        XCTAssertFalse(RetryPolicy.mayPassOnRetry(StageError.artifact(name: "points", message: "missing")))
        XCTAssertFalse(RetryPolicy.mayPassOnRetry(ZstdError.decompression("corrupt frame")))
    }
}
