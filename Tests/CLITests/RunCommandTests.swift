import Foundation
import GRDB
import XCTest

final class RunCommandTests: CommandLineTestCase {
    private var manifestPath: String { directory + "/m.sqlite" }

    private func ingest(videos: Int, frames: Int) throws -> Int {
        try makeVideos(videos, frames: frames)
        let result = try run(["ingest", directory + "/videos", "--manifest", manifestPath, "--pipeline", try writePipeline()])
        XCTAssertEqual(result.status, 0, result.stderr)
        return videos * (frames / 24)
    }

    private func database() throws -> DatabaseQueue { try DatabaseQueue(path: manifestPath) }

    private func count(_ sql: String) throws -> Int {
        try database().read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }

    /// Every task ended exactly once, and each clip has exactly one stored result.
    private func assertEveryClipFinishedExactlyOnce(clips: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try count("SELECT COUNT(*) FROM clips"), clips, file: file, line: line)
        XCTAssertEqual(try count("SELECT COUNT(*) FROM tasks WHERE state IN ('done', 'skipped')"), clips, file: file, line: line)
        XCTAssertEqual(try count("SELECT COUNT(*) FROM task_attempts WHERE outcome IN ('done', 'skipped')"), clips,
                       "one finishing attempt per task", file: file, line: line)
        XCTAssertEqual(try count("SELECT COUNT(*) FROM artifacts"), clips, file: file, line: line)
        XCTAssertEqual(try count("SELECT COUNT(DISTINCT clip_id) FROM artifacts"), clips, file: file, line: line)
        XCTAssertEqual(try count("SELECT COUNT(*) FROM tasks WHERE state IN ('running', 'pending', 'failed')"), 0, file: file, line: line)
    }

    private func waitForFinishedTasks(_ n: Int, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? count("SELECT COUNT(*) FROM tasks WHERE state IN ('done', 'skipped')")) ?? 0 >= n { return }
            usleep(20_000)
        }
        XCTFail("no progress within \(timeout) s")
    }

    func testTwoWorkerProcessesFinishEveryClipExactlyOnce() throws {
        let clips = try ingest(videos: 4, frames: 240)
        let result = try run(["run", "--manifest", manifestPath, "--out", directory + "/out", "--workers", "2", "--progress", "log"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("clips: \(clips) done"), result.stdout)
        try assertEveryClipFinishedExactlyOnce(clips: clips)
        XCTAssertEqual(try count("SELECT COUNT(DISTINCT lease_owner) FROM task_attempts"), 2, "both workers labelled clips")
        let status = try statusJSON(manifestPath)
        let lastRun = status["last_run"] as! [String: Any]
        XCTAssertEqual(lastRun["end_state"] as? String, "finished")
        XCTAssertEqual(lastRun["clips_done"] as? Int, clips)
        XCTAssertEqual(lastRun["frames_done"] as? Int, clips * 24)
        XCTAssertEqual((status["clips"] as! [String: Int])["done"], clips)
    }

    func testAWorkerKilledOutrightIsResumedAndEveryClipFinishesExactlyOnce() throws {
        let clips = try ingest(videos: 4, frames: 240)
        for round in 0..<2 {
            let (process, _, _) = try start(["run", "--manifest", manifestPath, "--out", directory + "/out", "--workers", "1", "--progress", "none"])
            try waitForFinishedTasks(3 + round * 10)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        }
        let finishedBefore = try count("SELECT COUNT(*) FROM tasks WHERE state IN ('done', 'skipped')")
        XCTAssertLessThan(finishedBefore, clips, "the kills interrupted the run")
        let result = try run(["run", "--manifest", manifestPath, "--out", directory + "/out", "--workers", "1", "--progress", "none"])
        XCTAssertEqual(result.status, 0, result.stderr)
        try assertEveryClipFinishedExactlyOnce(clips: clips)
        XCTAssertLessThanOrEqual(try count("SELECT COUNT(*) FROM task_attempts WHERE outcome = 'expired'"), 2,
                                 "at most the task in flight at each kill was redone")
        XCTAssertEqual(try count("SELECT COUNT(*) FROM runs WHERE command = 'run' AND end_state IS NULL"), 0,
                       "the next open closed the killed runs")
        XCTAssertEqual(try count("SELECT COUNT(*) FROM runs WHERE command = 'run' AND end_state = 'interrupted' AND end_cause LIKE '%ended without recording%'"), 2,
                       "the killed runs, with the cause")
    }

    func testSIGTERMStopsClaimingReleasesAndExitsResumable() throws {
        let clips = try ingest(videos: 4, frames: 240)
        let (process, out, _) = try start(["run", "--manifest", manifestPath, "--out", directory + "/out", "--workers", "2", "--progress", "none"])
        try waitForFinishedTasks(4)
        kill(process.processIdentifier, SIGTERM)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 75, stdout)
        XCTAssertTrue(stdout.contains("interrupted"), stdout)
        XCTAssertEqual(try count("SELECT COUNT(*) FROM tasks WHERE state = 'running'"), 0, "nothing left leased")
        XCTAssertEqual(try count("SELECT COUNT(*) FROM task_attempts WHERE outcome = 'expired'"), 0)
        XCTAssertLessThan(try count("SELECT COUNT(*) FROM tasks WHERE state = 'done'"), clips)
        let interrupted = try database().read { try String.fetchOne($0, sql: "SELECT end_state FROM runs WHERE command = 'run'") }
        XCTAssertEqual(interrupted, "interrupted")

        let result = try run(["run", "--manifest", manifestPath, "--out", directory + "/out", "--progress", "none"])
        XCTAssertEqual(result.status, 0, result.stderr)
        try assertEveryClipFinishedExactlyOnce(clips: clips)
    }
}
