import GRDB
@testable import Manifest
import XCTest

final class ManifestLeaseTests: ManifestTestCase {
    func testClaimTakesTheRemainingTasksOfOneClipInStageOrder() throws {
        try inEachOpening {
            try addSources(1, clips: 2)
            let owner = LeaseOwner()
            let lease = try XCTUnwrap(try manifest.claim(owner: owner))
            XCTAssertEqual(lease.tasks.map(\.stage), ["a", "b", "c"])
            let second = try XCTUnwrap(try manifest.claim(owner: owner))
            XCTAssertNotEqual(second.clipId, lease.clipId)
            XCTAssertNil(try manifest.claim(owner: owner), "both clips are leased")
        }
    }

    func testCompletingEveryStageFinishesTheClip() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
            for task in lease.tasks {
                try lease.begin(task)
                try lease.complete(task, artifacts: [ArtifactPayload(name: task.stage, format: "test", bytes: Array("x\(task.stage)".utf8))], seconds: 0.1)
            }
            XCTAssertEqual(try taskStates(), ["done": 3])
            let status = try manifest.status()
            XCTAssertEqual(status.clips.done, 1)
            XCTAssertEqual(status.clips.total, 1)
            XCTAssertEqual(try manifest.artifact(clip: lease.clipId, name: "b")?.payload(), Array("xb".utf8))
            XCTAssertNil(try manifest.claim(owner: LeaseOwner()))
        }
    }

    func testAStaleTokenCannotOverwriteANewerClaim() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            let slow = try XCTUnwrap(try manifest.claim(owner: LeaseOwner(), duration: 60))
            let task = slow.tasks[0]
            try slow.begin(task)
            try expire(slow)
            let fresh = try XCTUnwrap(try manifest.claim(owner: LeaseOwner(), duration: 60), "an expired lease is claimed again")
            XCTAssertEqual(fresh.clipId, slow.clipId)
            XCTAssertNotEqual(fresh.token, slow.token)
            try fresh.begin(fresh.tasks[0])
            // The first worker wakes up and tries to finish: refused.
            XCTAssertThrowsError(try slow.complete(task, artifacts: [ArtifactPayload(name: "a", format: "t", bytes: [1])], seconds: 1)) { error in
                guard case ManifestError.leaseLost = error else { return XCTFail("\(error)") }
            }
            XCTAssertThrowsError(try slow.renew())
            XCTAssertThrowsError(try slow.fail(task, error: "late", permanent: false, seconds: 0))
            try fresh.complete(fresh.tasks[0], artifacts: [ArtifactPayload(name: "a", format: "t", bytes: [2])], seconds: 1)
            XCTAssertEqual(try manifest.artifact(clip: fresh.clipId, name: "a")?.payload(), [2])
            let outcomes = try manifest.read { try String.fetchAll($0, sql: "SELECT outcome FROM task_attempts ORDER BY id") }
            XCTAssertEqual(outcomes, ["expired", "done"])
        }
    }

    func testRenewalKeepsALeaseAlive() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner(), duration: 60))
            try manifest.write { db in
                try db.execute(sql: "UPDATE tasks SET lease_expires_at = ? WHERE lease_token = ?",
                               arguments: [Date().timeIntervalSince1970 + 0.5, lease.token])
            }
            try lease.renew()
            let expiry = try manifest.read { try Double.fetchOne($0, sql: "SELECT MIN(lease_expires_at) FROM tasks WHERE lease_token = ?", arguments: [lease.token]) }
            XCTAssertGreaterThan(expiry!, Date().timeIntervalSince1970 + 50)
        }
    }

    func testFailuresAreRetriedUpToMaxAttemptsThenFinal() throws {
        try inEachOpening {
            try addSources(1, clips: 2, maxAttempts: 2)
            let owner = LeaseOwner()
            for attempt in 1...2 {
                let lease = try XCTUnwrap(try manifest.claim(owner: owner))
                XCTAssertEqual(lease.clipId, 1, "the failing clip is retried (attempt \(attempt))")
                try lease.begin(lease.tasks[0])
                try lease.fail(lease.tasks[0], error: "boom \(attempt)", permanent: false, seconds: 0)
            }
            let status = try manifest.status()
            XCTAssertEqual(status.clips.failed, 1)
            XCTAssertEqual(status.failures.first?.error, "boom 2")
            XCTAssertEqual(status.failures.first?.stage, "a")
            // The other clip is not blocked.
            let next = try XCTUnwrap(try manifest.claim(owner: owner))
            XCTAssertEqual(next.clipId, 2)
        }
    }

    func testPermanentFailureIsFinalAtOnce() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
            let tasks = lease.tasks
            try lease.begin(tasks[0])
            try lease.complete(tasks[0], artifacts: [], seconds: 0)
            try lease.begin(tasks[1])
            try lease.fail(tasks[1], error: "corrupt stream", permanent: true, seconds: 0)
            XCTAssertEqual(try taskStates(), ["done": 1, "failed": 1, "pending": 1])
            XCTAssertNil(try manifest.claim(owner: LeaseOwner()), "stage c waits on the failed stage b forever")
        }
    }

    func testAWorkerThatKeepsDyingEndsFailed() throws {
        try inEachOpening {
            try addSources(1, clips: 1, maxAttempts: 3)
            for _ in 0..<3 {
                let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
                try lease.begin(lease.tasks[0])
                try expire(lease)
            }
            XCTAssertNil(try manifest.claim(owner: LeaseOwner()))
            let status = try manifest.status()
            XCTAssertEqual(status.clips.failed, 1)
            XCTAssertTrue(status.failures[0].error.contains("lease expired"), status.failures[0].error)
        }
    }

    /// Issue 17, finding 8: a worker that dies after claiming a clip but before beginning its
    /// task used an attempt, so such a clip ends failed instead of being claimed without bound.
    func testAWorkerThatDiesBeforeBeginningUsesAnAttempt() throws {
        try inEachOpening {
            try addSources(1, clips: 1, maxAttempts: 3)
            for round in 1...3 {
                let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()), "claim \(round)")
                try expire(lease)
            }
            XCTAssertNil(try manifest.claim(owner: LeaseOwner()), "three claims that never began are three attempts")
            XCTAssertEqual(try taskStates(), ["failed": 1, "pending": 2])
            let task = try manifest.read { try Row.fetchOne($0, sql: "SELECT attempts, failure_cause, error FROM tasks WHERE stage = 'a'")! }
            XCTAssertEqual(task["attempts"] as Int, 3)
            XCTAssertEqual(task["failure_cause"] as String?, "worker-died")
            let outcomes = try manifest.read { try String.fetchAll($0, sql: "SELECT error FROM task_attempts ORDER BY id") }
            XCTAssertEqual(outcomes, Array(repeating: "lease expired before the task began", count: 3))
        }
    }

    func testSkipEndsTheClipWithTheReason() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
            try lease.begin(lease.tasks[0])
            try lease.skip(lease.tasks[0], reason: "scene-cut: at 12", seconds: 0)
            XCTAssertEqual(try taskStates(), ["skipped": 3])
            let status = try manifest.status()
            XCTAssertEqual(status.clips.skipped, 1)
            XCTAssertEqual(status.skipped.first?.reason, "scene-cut: at 12")
            XCTAssertEqual(status.skipped.first?.clips, 1)
        }
    }

    func testReleaseGivesTasksBackWithoutUsingAnAttempt() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
            let tasks = lease.tasks
            try lease.begin(tasks[0])
            try lease.complete(tasks[0], artifacts: [], seconds: 0)
            try lease.begin(tasks[1])
            XCTAssertEqual(lease.tasks.map(\.stage), ["b", "c"], "a finished task leaves the lease")
            try lease.release()
            XCTAssertEqual(try taskStates(), ["done": 1, "pending": 2])
            let attempts = try manifest.read { try Int.fetchAll($0, sql: "SELECT attempts FROM tasks ORDER BY stage_index") }
            XCTAssertEqual(attempts, [1, 0, 0])
            let again = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
            XCTAssertEqual(again.tasks.map(\.stage), ["b", "c"])
        }
    }

    func testDeadLocalOwnerIsTakenOverWithoutWaiting() throws {
        try inEachOpening {
            try addSources(1, clips: 1)
            // A process of this host that has exited: a child that ran `true`.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/bin/true")
            try child.run()
            child.waitUntilExit()
            let dead = LeaseOwner(pid: child.processIdentifier)
            XCTAssertTrue(dead.isDeadLocalProcess)
            let lease = try XCTUnwrap(try manifest.claim(owner: dead, duration: 3600))
            try lease.begin(lease.tasks[0])
            let taken = try XCTUnwrap(try manifest.claim(owner: LeaseOwner(), duration: 3600))
            XCTAssertEqual(taken.clipId, lease.clipId)
            XCTAssertFalse(LeaseOwner().isDeadLocalProcess, "this process is alive")
        }
    }
}
