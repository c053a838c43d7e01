import Foundation
import GRDB
import XCTest

/// The shards of a run killed outright several times and resumed: every clip exactly
/// once, and `pseudotrack verify` passes.
final class ShardsCommandTests: CommandLineTestCase {
    private var manifestPath: String { directory + "/m.sqlite" }
    private var out: String { directory + "/out" }

    private func count(_ sql: String) throws -> Int {
        try DatabaseQueue(path: manifestPath).read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }

    private func waitForShardedClips(_ n: Int, timeout: TimeInterval = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? count("SELECT COUNT(*) FROM shard_samples")) ?? 0 >= n { return }
            usleep(10_000)
        }
        XCTFail("no progress within \(timeout) s")
    }

    func testARunKilledSeveralTimesAndResumedWritesEveryClipExactlyOnce() throws {
        try makeVideos(5, frames: 240)
        let pipeline = directory + "/pipeline.yaml"
        try """
        seed: 3
        stages: [decode-check, points, teacher, shards]
        clips: {length: 24, min_length: 24, resolution: {mode: native}}
        run: {lease_seconds: 4, max_attempts: 3}
        points: {count: 128, frames: 4, min_points: 8}
        teachers: [{name: klt-online}, {name: klt-offline}]
        shards: {size_limit: 150000}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let ingest = try run(["ingest", directory + "/videos", "--manifest", manifestPath, "--pipeline", pipeline])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        let clips = try count("SELECT COUNT(*) FROM clips")
        XCTAssertEqual(clips, 50)

        for (round, threshold) in [3, 12, 24].enumerated() {
            let (process, _, _) = try start(["run", "--manifest", manifestPath, "--out", out, "--workers", "1", "--progress", "none"])
            try waitForShardedClips(threshold)
            usleep(useconds_t(37_000 * round))   // land the kill at different points of a shard's life
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        }
        let sealedBefore = try count("SELECT COUNT(*) FROM shard_samples")
        XCTAssertLessThan(sealedBefore, clips, "the kills interrupted the run")

        let result = try run(["run", "--manifest", manifestPath, "--out", out, "--workers", "2", "--progress", "none"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try count("SELECT COUNT(*) FROM tasks WHERE state IN ('pending', 'running', 'failed')"), 0)
        XCTAssertGreaterThan(try count("SELECT COUNT(*) FROM task_attempts WHERE parked_at IS NOT NULL AND outcome = 'expired'"), 0,
                             "the kills lost samples waiting in an open shard, which were written again")
        let labelled = try count("SELECT COUNT(*) FROM tasks WHERE stage = 'shards' AND state = 'done'")
        XCTAssertGreaterThan(labelled, 40)
        XCTAssertEqual(try count("SELECT COUNT(*) FROM shard_samples"), labelled)
        XCTAssertEqual(try count("SELECT COUNT(DISTINCT clip_id) FROM shard_samples"), labelled, "no clip in two shards")
        XCTAssertEqual(try count("""
            SELECT COUNT(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.stage = 'shards' AND a.outcome = 'done'
            """), labelled, "one sealing attempt per clip")
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertFalse(files.contains { $0.hasSuffix(".tmp") }, "\(files)")
        XCTAssertEqual(files.filter { $0.hasSuffix(".mds.zstd") }.count, try count("SELECT COUNT(*) FROM shards"))

        let verify = try run(["verify", "--manifest", manifestPath, "--out", out])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("\(labelled) clips"), verify.stdout)

        // A damaged shard is caught, naming the file.
        let victim = out + "/shard.00000.mds.zstd"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: victim)))
        bytes[bytes.count - 10] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: victim))
        let damaged = try run(["verify", "--manifest", manifestPath, "--out", out, "--skip-video"])
        XCTAssertEqual(damaged.status, 1)
        XCTAssertTrue(damaged.stdout.contains("shard.00000.mds.zstd: SHA-1 differs"), damaged.stdout)
    }
}
