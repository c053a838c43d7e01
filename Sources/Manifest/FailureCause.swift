// Why a task ended failed, as a class (tasks.failure_cause, migration 0005). A run
// succeeds when every clip ended done, skipped, or failed for an `input` cause (its own
// data is unusable, and running again would not change that); a failure of another cause
// (`workerDied`, `error`) makes `pseudotrack run` exit non-zero. The parent `run` records
// how a worker died (recordWorkerDeath), so that a clip that kills its workers ends failed
// with that cause rather than an anonymous expired lease.

import Foundation
import GRDB

public enum FailureCause: String, Sendable, Codable {
    case input
    case workerDied = "worker-died"
    case error
}

extension ManifestDatabase {
    /// Records that the worker process `pid` of this host died (`cause`, e.g. "killed by
    /// signal 11 (SIGSEGV)"): its open attempts end `expired` with that cause as their
    /// error ("worker PID …") and its leases expire now. Returns the clips it held.
    @discardableResult
    public func recordWorkerDeath(pid: Int32, host: String = ProcessInfo.processInfo.hostName, cause: String) throws -> [Int64] {
        let prefix = "\(host)|\(pid)|"
        return try write { db in
            let clips = try Int64.fetchAll(db, sql: """
                SELECT DISTINCT clip_id FROM tasks WHERE state = 'running' AND substr(lease_owner, 1, length(?1)) = ?1
                """, arguments: [prefix])
            let now = Date().timeIntervalSince1970
            try db.execute(sql: """
                UPDATE task_attempts SET ended_at = COALESCE(ended_at, ?2), outcome = 'expired', error = ?3
                WHERE substr(lease_owner, 1, length(?1)) = ?1 AND (outcome IS NULL OR (outcome = 'expired' AND error = 'lease expired'))
                  AND parked_at IS NULL
                """, arguments: [prefix, now, "worker \(pid) \(cause)"])
            try db.execute(sql: """
                UPDATE tasks SET lease_expires_at = 0 WHERE state = 'running' AND substr(lease_owner, 1, length(?1)) = ?1
                """, arguments: [prefix])
            // A task already failed by a claim that saw the death first gets the cause too.
            try db.execute(sql: """
                UPDATE tasks SET error = error || '; the last: worker ' || ?2 || ' ' || ?3
                WHERE state = 'failed' AND failure_cause = 'worker-died' AND error NOT LIKE '%; the last:%'
                  AND EXISTS (SELECT 1 FROM task_attempts a WHERE a.task_id = tasks.id AND a.outcome = 'expired'
                              AND substr(a.lease_owner, 1, length(?1)) = ?1)
                """, arguments: [prefix, String(pid), cause])
            return clips
        }
    }

    /// How the run left the clips: unfinished (a task pending or running), and failed for
    /// a cause other than `input`, with a few of their errors.
    public func unfinishedAndFailedByOtherCauses() throws -> (unfinished: Int, failed: Int, examples: [String]) {
        try read { db in
            let unfinished = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT clip_id) FROM tasks WHERE state IN ('pending', 'running')")!
            let failed = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT clip_id) FROM tasks WHERE state = 'failed' AND failure_cause IN ('worker-died', 'error')")!
            let examples = try String.fetchAll(db, sql: """
                SELECT 'clip ' || clip_id || ' (' || stage || '): ' || COALESCE(error, '?') FROM tasks
                WHERE state = 'failed' AND failure_cause IN ('worker-died', 'error') ORDER BY clip_id LIMIT 5
                """)
            return (unfinished, failed, examples)
        }
    }
}
