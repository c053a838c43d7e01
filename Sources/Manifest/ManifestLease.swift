// A worker's claim on one clip's remaining tasks. Claiming is atomic (BEGIN IMMEDIATE):
// the first clip with a task that is pending, or running under an expired lease, and
// whose earlier stages are all done, has its remaining pending tasks set running under a
// random token with an expiry. Everything the worker then writes (begin, complete, fail,
// release, renew) is conditional on that token, so a worker whose lease expired and was
// taken over cannot overwrite the newer claim: it gets ManifestError.leaseLost instead.
//
// Attempts count the times a task was begun, or was claimed and its lease expired before
// it began (the worker died in between). A task whose lease expired (its worker died
// or hung) after max_attempts starts ends `failed`, and so does one that failed that many
// times; a permanent error fails it at once. A failed clip never blocks the others.

import Foundation
import GRDB

/// One task inside a lease.
public struct LeasedTask: Sendable, Equatable {
    public var id: Int64
    public var stage: String
    public var stageIndex: Int
    public var attempts: Int
    public var maxAttempts: Int
}

/// An artifact a stage produced, before it is stored.
public struct ArtifactPayload: Sendable {
    public var name: String
    public var format: String
    public var bytes: [UInt8]
    /// A JSON object of facts about the artifact (artifacts.metadata), or nil.
    public var metadata: String?
    /// What the artifact adds to `status` (artifact_counts, migration 0009): counters whose
    /// meaning the writer knows and the manifest does not.
    public var counts: StatusCounts
    public init(name: String, format: String, bytes: [UInt8], metadata: String? = nil, counts: StatusCounts = StatusCounts()) {
        self.name = name; self.format = format; self.bytes = bytes; self.metadata = metadata; self.counts = counts
    }
}

public final class ManifestLease: @unchecked Sendable {
    public let manifest: ManifestDatabase
    public let clipId: Int64
    public let token: String
    public let owner: LeaseOwner
    public let duration: TimeInterval
    public let runId: Int64?
    public private(set) var tasks: [LeasedTask]

    init(manifest: ManifestDatabase, clipId: Int64, token: String, owner: LeaseOwner, duration: TimeInterval,
         runId: Int64?, tasks: [LeasedTask]) {
        self.manifest = manifest; self.clipId = clipId; self.token = token; self.owner = owner
        self.duration = duration; self.runId = runId; self.tasks = tasks
    }

    private var now: Double { Date().timeIntervalSince1970 }

    /// Marks `task` started: counts the attempt and opens its audit row.
    public func begin(_ task: LeasedTask) throws {
        try manifest.write { db in
            try db.execute(sql: """
                UPDATE tasks SET attempts = attempts + 1, started_at = ?, run_id = ?, lease_expires_at = ?
                WHERE id = ? AND lease_token = ? AND state = 'running'
                """, arguments: [now, runId, now + duration, task.id, token])
            guard db.changesCount == 1 else { throw ManifestError.leaseLost(task: task.id, stage: task.stage) }
            let attempt = try Int.fetchOne(db, sql: "SELECT attempts FROM tasks WHERE id = ?", arguments: [task.id])!
            try db.execute(sql: """
                INSERT INTO task_attempts (task_id, attempt, lease_owner, lease_token, run_id, started_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [task.id, attempt, owner.description, token, runId, now])
        }
    }

    /// Extends the lease on every task still running under it. Throws leaseLost when none is.
    public func renew() throws {
        try manifest.write { db in
            try db.execute(sql: "UPDATE tasks SET lease_expires_at = ? WHERE lease_token = ? AND state = 'running'",
                           arguments: [now + duration, token])
            if db.changesCount == 0, let first = tasks.first {
                throw ManifestError.leaseLost(task: first.id, stage: first.stage)
            }
        }
    }

    /// Stores the stage's artifacts and marks `task` done, in one transaction.
    public func complete(_ task: LeasedTask, artifacts: [ArtifactPayload], seconds: Double) throws {
        let stored = try artifacts.map { (record: try ArtifactRecord(clipId: clipId, stage: task.stage, payload: $0), counts: $0.counts) }
        try manifest.write { db in
            try requireHeld(task, db)
            try store(stored, db)
            try finish(task, state: "done", outcome: "done", error: nil, seconds: seconds, db)
        }
        tasks.removeAll { $0.id == task.id }
    }

    /// Marks `task` skipped with `reason` (the clip cannot be labelled), and every later
    /// task of the clip skipped too.
    public func skip(_ task: LeasedTask, reason: String, artifacts: [ArtifactPayload] = [], seconds: Double) throws {
        let stored = try artifacts.map { (record: try ArtifactRecord(clipId: clipId, stage: task.stage, payload: $0), counts: $0.counts) }
        try manifest.write { db in
            try requireHeld(task, db)
            try store(stored, db)
            try finish(task, state: "skipped", outcome: "skipped", error: reason, seconds: seconds, db)
            try db.execute(sql: """
                UPDATE tasks SET state = 'skipped', error = ?, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                                 finished_at = ?
                WHERE clip_id = ? AND stage_index > ? AND state IN ('pending', 'running')
                """, arguments: ["skipped by \(task.stage): \(reason)", now, clipId, task.stageIndex])
        }
        tasks.removeAll()
    }

    /// Records a failure of `task`. It goes back to pending for another attempt unless it
    /// has had max_attempts or the error is `permanent`; then it ends failed, with `cause`
    /// (default: `.input` for a permanent error, `.error` otherwise). The lease's other
    /// tasks are released.
    public func fail(_ task: LeasedTask, error: String, permanent: Bool, seconds: Double, cause: FailureCause? = nil) throws {
        try manifest.write { db in
            try requireHeld(task, db)
            let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM tasks WHERE id = ?", arguments: [task.id])!
            let final = permanent || attempts >= task.maxAttempts
            try finish(task, state: final ? "failed" : "pending", outcome: "failed", error: error, seconds: seconds, db)
            if final {
                try db.execute(sql: "UPDATE tasks SET failure_cause = ? WHERE id = ?",
                               arguments: [(cause ?? (permanent ? .input : .error)).rawValue, task.id])
            }
            try releaseAll(db)
        }
        tasks.removeAll()
    }

    /// Gives the remaining tasks back, uncounted: a task begun but not finished (a worker
    /// asked to stop) does not use up an attempt.
    public func release() throws {
        try manifest.write { db in try releaseAll(db) }
        tasks.removeAll()
    }

    private func releaseAll(_ db: Database) throws {
        try db.execute(sql: """
            UPDATE task_attempts SET ended_at = ?, outcome = 'released'
            WHERE lease_token = ? AND outcome IS NULL
            """, arguments: [now, token])
        try db.execute(sql: """
            UPDATE tasks SET attempts = attempts - (started_at IS NOT NULL AND state = 'running' AND attempts > 0
                                                    AND EXISTS (SELECT 1 FROM task_attempts a WHERE a.task_id = tasks.id
                                                                AND a.lease_token = ?1 AND a.outcome = 'released')),
                             state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
            WHERE lease_token = ?1 AND state = 'running'
            """, arguments: [token])
    }

    /// Inserts a stage's artifacts and their counts. A task is redone only after a failure,
    /// which stores nothing; replacing keeps (clip, name) unique even if an older engine left
    /// one behind (the replaced artifact's counts go with it).
    private func store(_ artifacts: [(record: ArtifactRecord, counts: StatusCounts)], _ db: Database) throws {
        for (var artifact, counts) in artifacts {
            try db.execute(sql: "DELETE FROM artifacts WHERE clip_id = ? AND name = ?", arguments: [clipId, artifact.name])
            try artifact.insert(db)
            for (counter, keys) in counts.counts {
                for (key, n) in keys {
                    try db.execute(sql: "INSERT INTO artifact_counts (artifact_id, counter, key, n) VALUES (?, ?, ?, ?)",
                                   arguments: [artifact.id, counter, key, n])
                }
            }
        }
    }

    private func requireHeld(_ task: LeasedTask, _ db: Database) throws {
        guard try isHeld(task, db) else { throw ManifestError.leaseLost(task: task.id, stage: task.stage) }
    }

    func isHeld(_ task: LeasedTask, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tasks WHERE id = ? AND lease_token = ? AND state = 'running')",
                          arguments: [task.id, token])!
    }

    /// Records that `task`'s work is done and waits in an open shard: if the worker dies
    /// before the shard is sealed, this attempt is not counted against the clip.
    public func park(_ task: LeasedTask) throws {
        try manifest.write { db in
            try requireHeld(task, db)
            try db.execute(sql: "UPDATE task_attempts SET parked_at = ? WHERE task_id = ? AND lease_token = ? AND outcome IS NULL",
                           arguments: [now, task.id, token])
        }
    }

    /// Marks `task` done inside the caller's transaction (a shard being sealed).
    func finishDone(_ task: LeasedTask, seconds: Double, _ db: Database) throws {
        try finish(task, state: "done", outcome: "done", error: nil, seconds: seconds, db)
        tasks.removeAll { $0.id == task.id }
    }

    private func finish(_ task: LeasedTask, state: String, outcome: String, error: String?, seconds: Double, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE tasks SET state = ?, error = ?, finished_at = ?, seconds = ?, run_id = ?,
                             lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
            WHERE id = ? AND lease_token = ?
            """, arguments: [state, error, now, seconds, runId, task.id, token])
        try db.execute(sql: """
            UPDATE task_attempts SET ended_at = ?, outcome = ?, error = ?
            WHERE task_id = ? AND lease_token = ? AND outcome IS NULL
            """, arguments: [now, outcome, error, task.id, token])
    }
}

extension ManifestDatabase {
    /// Claims the next clip with work to do, or returns nil when nothing is claimable now
    /// (everything is done, failed, skipped, or running under a live lease).
    public func claim(owner: LeaseOwner, duration: TimeInterval = 60, runId: Int64? = nil) throws -> ManifestLease? {
        try write { db in
            let now = Date().timeIntervalSince1970
            try Self.expireDeadLocalOwners(db)
            while true {
                // The first claimable task in clip order: a pending one, or a running one whose
                // lease expired. Two queries, each walking the tasks_by_state index from its
                // state's first clip, instead of one whose OR scans the table in clip order
                // (12 ms per claim at 20,000 clips, growing with the manifest).
                func first(_ condition: String, _ arguments: StatementArguments) throws -> Row? {
                    try Row.fetchOne(db, sql: """
                        SELECT t.id, t.clip_id, t.state, t.attempts, t.max_attempts, t.stage, t.stage_index FROM tasks t
                        WHERE \(condition)
                          AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.clip_id = t.clip_id
                                          AND p.stage_index < t.stage_index AND p.state <> 'done')
                        ORDER BY t.clip_id, t.stage_index LIMIT 1
                        """, arguments: arguments)
                }
                let candidates = [try first("t.state = 'pending'", []),
                                  try first("t.state = 'running' AND t.lease_expires_at < ?", [now])].compactMap { $0 }
                let row = candidates.min { a, b in
                    (a["clip_id"] as Int64, a["stage_index"] as Int) < (b["clip_id"] as Int64, b["stage_index"] as Int)
                }
                guard let row else { return nil }
                let taskId: Int64 = row["id"], clipId: Int64 = row["clip_id"]
                if (row["state"] as String) == "running" {
                    // The lease expired: its worker died or hung. An attempt whose sample was
                    // waiting in the worker's open shard is not counted (ManifestLease.park).
                    // A worker that died after claiming but before beginning this task used
                    // an attempt too (else such a clip is claimed again without bound).
                    try db.execute(sql: """
                        INSERT INTO task_attempts (task_id, attempt, lease_owner, lease_token, run_id, started_at, ended_at, outcome, error)
                        SELECT id, attempts + 1, lease_owner, lease_token, NULL, ?2, ?2, 'expired', 'lease expired before the task began'
                        FROM tasks WHERE id = ?1 AND lease_token IS NOT NULL AND lease_owner IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM task_attempts a WHERE a.task_id = ?1 AND a.lease_token = tasks.lease_token)
                        """, arguments: [taskId, now])
                    if db.changesCount == 1 {
                        try db.execute(sql: "UPDATE tasks SET attempts = attempts + 1 WHERE id = ?", arguments: [taskId])
                    }
                    try db.execute(sql: """
                        UPDATE tasks SET attempts = attempts - 1
                        WHERE id = ?1 AND attempts > 0 AND EXISTS (SELECT 1 FROM task_attempts a WHERE a.task_id = ?1
                                                                   AND a.outcome IS NULL AND a.parked_at IS NOT NULL)
                        """, arguments: [taskId])
                    try db.execute(sql: """
                        UPDATE task_attempts SET ended_at = ?, outcome = 'expired', error = 'lease expired'
                        WHERE task_id = ? AND outcome IS NULL
                        """, arguments: [now, taskId])
                    let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM tasks WHERE id = ?", arguments: [taskId])!
                    let maxAttempts: Int = row["max_attempts"]
                    if attempts >= maxAttempts {
                        // The cause the parent `run` saw (recordWorkerDeath), when it saw one.
                        try db.execute(sql: """
                            UPDATE tasks SET state = 'failed', finished_at = ?, failure_cause = 'worker-died',
                                   error = 'the worker died or hung in each of ' || attempts || ' attempts (lease expired'
                                           || COALESCE('; the last: ' || (SELECT a.error FROM task_attempts a WHERE a.task_id = tasks.id
                                                                          AND a.outcome = 'expired' AND a.error LIKE 'worker %'
                                                                          ORDER BY a.attempt DESC LIMIT 1), '')
                                           || ')',
                                   lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                            WHERE id = ?
                            """, arguments: [now, taskId])
                        // Later tasks that were leased with it go back to pending (they stay blocked).
                        try db.execute(sql: """
                            UPDATE tasks SET state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                            WHERE clip_id = ? AND state = 'running' AND lease_expires_at < ?
                            """, arguments: [clipId, now])
                        continue
                    }
                }
                let token = LeaseOwner.randomToken()
                try db.execute(sql: """
                    UPDATE tasks SET state = 'running', lease_owner = ?, lease_token = ?, lease_expires_at = ?
                    WHERE clip_id = ? AND (state = 'pending' OR (state = 'running' AND lease_expires_at < ?))
                    """, arguments: [owner.description, token, now + duration, clipId, now])
                let tasks = try Row.fetchAll(db, sql: """
                    SELECT id, stage, stage_index, attempts, max_attempts FROM tasks
                    WHERE lease_token = ? ORDER BY stage_index
                    """, arguments: [token]).map {
                        LeasedTask(id: $0["id"], stage: $0["stage"], stageIndex: $0["stage_index"],
                                   attempts: $0["attempts"], maxAttempts: $0["max_attempts"])
                    }
                return ManifestLease(manifest: self, clipId: clipId, token: token, owner: owner, duration: duration,
                                     runId: runId, tasks: tasks)
            }
        }
    }

    /// Expires at once the leases of processes of this host that no longer exist.
    static func expireDeadLocalOwners(_ db: Database) throws {
        let owners = try String.fetchAll(db, sql: "SELECT DISTINCT lease_owner FROM tasks WHERE state = 'running' AND lease_owner IS NOT NULL")
        for text in owners {
            guard let owner = LeaseOwner(parsing: text), owner.isDeadLocalProcess else { continue }
            try db.execute(sql: "UPDATE tasks SET lease_expires_at = 0 WHERE state = 'running' AND lease_owner = ?", arguments: [text])
        }
    }
}
