import Foundation
import GRDB
import XCTest

/// Issue 17 through the command line: no code from a manifest, nothing read outside the
/// corpus, an exit status that tells the truth.
final class HostileCommandTests: CommandLineTestCase {
    private var manifestPath: String { directory + "/m.sqlite" }

    private func ingest(_ pipeline: String) throws {
        let result = try run(["ingest", directory + "/videos", "--manifest", manifestPath, "--pipeline", pipeline])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    // MARK: finding 2, code from a manifest

    func testExternalTeacherCommandsRunOnlyFromAPipelineGivenOnTheCommandLine() throws {
        try makeVideos(1, frames: 24)
        let marker = directory + "/ran"
        let pipeline = directory + "/external.yaml"
        try """
        seed: 1
        stages: [decode-check, points, teacher]
        clips: {length: 24, min_length: 24, resolution: {mode: native}}
        teachers: [{name: evil, command: [/bin/sh, -c, "touch \(marker)"], startup_timeout: 2, timeout: 2}]
        run: {lease_seconds: 4, max_attempts: 1}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        try ingest(pipeline)
        let refused = try run(["run", "--manifest", manifestPath, "--out", directory + "/out", "--workers", "1", "--progress", "none"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--trust-manifest-commands") && refused.stderr.contains("touch"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "no command ran")
        _ = try run(["run", "--manifest", manifestPath, "--out", directory + "/out", "--workers", "1", "--progress", "none",
                     "--pipeline", pipeline])
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the pipeline given on the command line runs its command")
    }

    // MARK: finding 3, reading outside the corpus

    func testProtocolNamesAndPlaylistsAreRefused() throws {
        try makeVideos(1, frames: 24)
        for name in ["concat:\(directory!)/videos/v0.mp4|\(directory!)/videos/v0.mp4", "file:\(directory!)/videos/v0.mp4",
                     "http://127.0.0.1:9/x.mp4", "subfile,,start,0,end,0,,:\(directory!)/videos/v0.mp4"] {
            let result = try run(["probe", name])
            XCTAssertNotEqual(result.status, 0, name)
            XCTAssertTrue(result.stderr.contains("only local files"), "\(name): \(result.stderr)")
        }
        // An HLS playlist saved as .mp4 whose segment is a file outside the corpus.
        let secret = directory + "/secret.mp4"
        try FileManager.default.moveItem(atPath: directory + "/videos/v0.mp4", toPath: secret)
        try "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\n\(secret)\n#EXT-X-ENDLIST\n"
            .write(toFile: directory + "/videos/playlist.mp4", atomically: true, encoding: .utf8)
        try "#EXTM3U\n#EXTINF:1.0,\n../secret.mp4\n#EXT-X-ENDLIST\n".write(toFile: directory + "/videos/list.m3u8", atomically: true, encoding: .utf8)
        let probe = try run(["probe", directory + "/videos/playlist.mp4"])
        XCTAssertNotEqual(probe.status, 0)
        XCTAssertTrue(probe.stderr.contains("'hls'"), probe.stderr)
        let result = try run(["ingest", directory + "/videos", directory + "/videos/list.m3u8", "--manifest", manifestPath, "--json",
                              "--pipeline", try writePipeline()])
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(summary["ingested"] as? Int, 0)
        XCTAssertEqual((summary["failed"] as! [[String: Any]]).count, 2)
    }

    // MARK: finding 4, --out /

    func testTheRootIsNotAnOutputDirectory() throws {
        try makeVideos(1, frames: 24)
        try ingest(try writePipeline())
        let result = try run(["run", "--manifest", manifestPath, "--out", "/", "--workers", "1", "--progress", "none"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("root directory"), result.stderr)
        XCTAssertNotNil(try? FileManager.default.contentsOfDirectory(atPath: "/bin"), "nothing removed")
    }

    // MARK: finding 5, success reported for failure

    func testAClipThatKillsWorkersEndsFailedWithTheCauseAndTheRunSaysSo() throws {
        try makeVideos(3, frames: 48)
        try ingest(try writePipeline())
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["PSEUDOTRACK_TEST_CRASH_ON=v1.mp4", "SWIFT_BACKTRACE=enable=no", executable.path,
                             "run", "--manifest", manifestPath, "--out", directory + "/out", "--workers", "2", "--progress", "none"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1, stderr)
        XCTAssertTrue(stderr.contains("SIGSEGV"), stderr)
        let db = try DatabaseQueue(path: manifestPath)
        let (done, failed, errors) = try db.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE state = 'done'")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE state = 'failed' AND failure_cause = 'worker-died'")!,
             try String.fetchAll(db, sql: "SELECT error FROM tasks WHERE state = 'failed'"))
        }
        XCTAssertEqual(done, 4, "the other videos' clips finished")
        XCTAssertEqual(failed, 2, "both clips of the crashing video ended failed")
        XCTAssertTrue(errors.allSatisfy { $0.contains("SIGSEGV") }, "\(errors)")
        let end = try db.read { try String.fetchOne($0, sql: "SELECT end_state FROM runs WHERE command = 'run'") }
        XCTAssertEqual(end, "failed")
    }

    func testAnUnwritableOutputOrAFullDiskFailsTheRun() throws {
        try makeVideos(2, frames: 24)
        let mount = directory + "/full"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
        mounted.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]
        mounted.standardError = Pipe()
        try mounted.run(); mounted.waitUntilExit()
        guard mounted.terminationStatus == 0 else { throw XCTSkip("cannot mount a small tmpfs here (needs root)") }
        defer {
            let u = Process(); u.executableURL = URL(fileURLWithPath: "/bin/umount"); u.arguments = [mount]
            try? u.run(); u.waitUntilExit()
        }
        // Fill it, then ask for shards of the full pipeline into it.
        try Data(count: 60 << 10).write(to: URL(fileURLWithPath: mount + "/filler"))
        let full = directory + "/shards.yaml"
        try """
        seed: 1
        stages: [decode-check, points, teacher, shards]
        teachers: [{name: klt-online}]
        clips: {length: 24, min_length: 24, resolution: {mode: native}}
        run: {lease_seconds: 4, max_attempts: 3}
        """.write(toFile: full, atomically: true, encoding: .utf8)
        let other = directory + "/m2.sqlite"
        let ingested = try run(["ingest", directory + "/videos", "--manifest", other, "--pipeline", full])
        XCTAssertEqual(ingested.status, 0, ingested.stderr + ingested.stdout)
        let result = try run(["run", "--manifest", other, "--out", mount + "/out", "--workers", "1", "--progress", "none"])
        XCTAssertNotEqual(result.status, 0, result.stdout)
        XCTAssertTrue(result.stderr.contains("No space left") || result.stderr.contains("cannot write"), result.stderr)
        let pending = try DatabaseQueue(path: other).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tasks WHERE state = 'pending'")! }
        XCTAssertEqual(pending, 2, "the shards tasks are given back, not failed")
        let failed = try DatabaseQueue(path: other).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tasks WHERE state = 'failed'")! }
        XCTAssertEqual(failed, 0)
        let end = try DatabaseQueue(path: other).read { try String.fetchOne($0, sql: "SELECT end_state FROM runs WHERE command = 'run'") }
        XCTAssertEqual(end, "failed")
    }
}
