// One invocation of the engine against a manifest: what ran, where, with which pipeline
// and seed, and how it ended. A run that cannot record its own end (killed, crashed, or
// its last write refused by a full disk) is closed by the next writable open of the
// manifest on its host once its process is gone: end_state 'interrupted', with the cause
// in end_cause (0007), so no run is left "running" for ever.

import Foundation
import GRDB

public struct RunRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runs"
    public var id: Int64?
    public var command: String
    public var engineVersion: String
    public var pipelineSha256: String
    public var pipelineText: String
    public var seed: Int64
    public var host: String
    public var pid: Int32
    public var workers: Int
    public var startedAt: Double
    public var updatedAt: Double?
    public var endedAt: Double?
    public var endState: String?
    public var endCause: String?
    public var clipsDone: Int
    public var framesDone: Int

    enum CodingKeys: String, CodingKey {
        case id, command, engineVersion = "engine_version", pipelineSha256 = "pipeline_sha256",
             pipelineText = "pipeline_text", seed, host, pid, workers, startedAt = "started_at",
             updatedAt = "updated_at", endedAt = "ended_at", endState = "end_state", endCause = "end_cause", clipsDone = "clips_done", framesDone = "frames_done"
    }

    public init(command: String, engineVersion: String, pipeline: ManifestPipeline, workers: Int) {
        self.command = command
        self.engineVersion = engineVersion
        self.pipelineSha256 = pipeline.pipelineSha256
        self.pipelineText = pipeline.pipelineText
        self.seed = pipeline.seed
        self.host = ProcessInfo.processInfo.hostName
        self.pid = ProcessInfo.processInfo.processIdentifier
        self.workers = workers
        self.startedAt = Date().timeIntervalSince1970
        self.clipsDone = 0
        self.framesDone = 0
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ManifestDatabase {
    /// Records the start of a run and returns it with its id.
    public func begin(_ run: RunRecord) throws -> RunRecord {
        var run = run
        try write { db in try run.insert(db) }
        return run
    }

    /// Records how a run ended.
    public func end(run id: Int64, state: String, clipsDone: Int, framesDone: Int) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE runs SET ended_at = ?, end_state = ?, clips_done = ?, frames_done = ? WHERE id = ?
                """, arguments: [Date().timeIntervalSince1970, state, clipsDone, framesDone, id])
        }
    }

    /// Closes the runs of this host whose process no longer exists and which recorded no
    /// end state: 'interrupted', with the cause. Runs of other hosts are left alone (their
    /// processes cannot be checked from here).
    func closeRunsOfGoneProcesses() throws {
        let host = ProcessInfo.processInfo.hostName
        let open = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, pid FROM runs WHERE end_state IS NULL AND host = ?", arguments: [host])
        }
        let gone = open.filter { LeaseOwner(host: host, pid: $0["pid"], nonce: "").isDeadLocalProcess }
        guard !gone.isEmpty else { return }
        try write { db in
            for row in gone {
                let pid: Int32 = row["pid"]
                try db.execute(sql: """
                    UPDATE runs SET end_state = 'interrupted', ended_at = COALESCE(ended_at, updated_at, started_at), end_cause = ?
                    WHERE id = ? AND end_state IS NULL
                    """, arguments: ["its process (pid \(pid) on \(host)) ended without recording how the run ended: "
                                     + "killed, crashed, or the manifest could not be written (a full disk?)", row["id"] as Int64])
            }
        }
    }

    /// Adds finished work to a run's counters (called as clips complete, so that a run that
    /// is killed still reports what it did).
    public func count(run id: Int64, clips: Int, frames: Int) throws {
        try write { db in
            try db.execute(sql: "UPDATE runs SET clips_done = clips_done + ?, frames_done = frames_done + ?, updated_at = ? WHERE id = ?",
                           arguments: [clips, frames, Date().timeIntervalSince1970, id])
        }
    }

    /// The run recorded under `id`, with its counters as they stand.
    public func run(id: Int64) throws -> RunRecord? {
        try read { db in try RunRecord.fetchOne(db, key: id) }
    }
}
