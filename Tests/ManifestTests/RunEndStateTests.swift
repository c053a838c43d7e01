import Foundation
import GRDB
@testable import Manifest
import XCTest

/// Issue 17, finding 8: a run that could not record its end (killed, or its last write
/// refused by a full disk) does not stay "running" for ever: the next open closes it.
final class RunEndStateTests: ManifestTestCase {
    /// The id of a process of this host that has exited.
    private func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testARunWhoseProcessIsGoneIsClosedAsInterruptedWithTheCause() throws {
        let pipeline = try XCTUnwrap(try manifest.pipeline())
        var gone = RunRecord(command: "run", engineVersion: "test", pipeline: pipeline, workers: 2)
        gone.pid = try deadPid()
        gone = try manifest.begin(gone)
        let live = try manifest.begin(RunRecord(command: "run", engineVersion: "test", pipeline: pipeline, workers: 1))
        let finished = try manifest.begin(RunRecord(command: "ingest", engineVersion: "test", pipeline: pipeline, workers: 1))
        try manifest.end(run: finished.id!, state: "finished", clipsDone: 0, framesDone: 0)

        let reopened = try ManifestDatabase(path: manifest.path)
        let rows = try reopened.read { db in
            try Row.fetchAll(db, sql: "SELECT id, end_state, end_cause, ended_at FROM runs ORDER BY id")
        }
        XCTAssertEqual(rows[0]["id"] as Int64, gone.id!)
        XCTAssertEqual(rows[0]["end_state"] as String?, "interrupted")
        let cause: String = try XCTUnwrap(rows[0]["end_cause"])
        XCTAssertTrue(cause.contains("pid \(gone.pid)") && cause.contains("full disk"), cause)
        XCTAssertNotNil(rows[0]["ended_at"] as Double?)
        XCTAssertEqual(rows[1]["id"] as Int64, live.id!)
        XCTAssertNil(rows[1]["end_state"] as String?, "this process's own run is still running")
        XCTAssertEqual(rows[2]["end_state"] as String?, "finished")
        XCTAssertNil(rows[2]["end_cause"] as String?)
        // status reports the cause of the last run that could not say it.
        try reopened.write { db in try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [live.id!]) }
        XCTAssertEqual(try reopened.status().lastRun?.endCause, cause)
    }
}
