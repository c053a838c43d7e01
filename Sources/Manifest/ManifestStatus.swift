// The state of a manifest at a glance: sources, clips (a clip is done when every stage of
// the pipeline is done for it), per-stage task counts, failures with their causes, and
// the last run's throughput. Its counts are counters kept by the write transactions
// (StatusCounts), so it reads a few dozen rows whatever the manifest's size, besides the
// failures and skip reasons it lists. The counters artifacts stated are passed on as they
// are (`artifactCounters`): what they mean is the pipeline's (Pipeline's PipelineStatus,
// which `pseudotrack status` prints).

import Foundation
import GRDB

public struct ManifestStatus: Codable, Sendable {
    public struct Videos: Codable, Sendable { public var total = 0, ingested = 0, duplicates = 0, failed = 0 }
    public struct Clips: Codable, Sendable { public var total = 0, pending = 0, running = 0, done = 0, failed = 0, skipped = 0 }
    public struct Failure: Codable, Sendable {
        public var path: String
        public var clip: Int64?
        public var stage: String?
        public var kind: String?
        public var error: String
    }
    public struct Skip: Codable, Sendable { public var reason: String; public var clips: Int }
    public struct LastRun: Codable, Sendable {
        public var id: Int64
        public var command: String
        public var workers: Int
        public var startedAt: Double
        public var endedAt: Double?
        public var endState: String?
        /// Why the run ended as it did, when it could not record that itself (0007).
        public var endCause: String?
        public var clipsDone: Int
        public var framesDone: Int
        public var clipsPerSecond: Double
        public var framesPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case id, command, workers, startedAt = "started_at", endedAt = "ended_at", endState = "end_state", endCause = "end_cause",
                 clipsDone = "clips_done", framesDone = "frames_done", clipsPerSecond = "clips_per_second",
                 framesPerSecond = "frames_per_second"
        }
    }

    public var manifest: String
    public var pipelineSha256: String?
    public var stageOrder: [String]
    public var videos = Videos()
    public var clips = Clips()
    public var stages: [String: [String: Int]] = [:]
    public var skipped: [Skip] = []
    /// Sealed training shards (all output directories).
    public struct Shards: Codable, Sendable {
        public var shards = 0, clips = 0, tracks = 0, rawBytes = 0, zipBytes = 0
        public var directory: String?
        enum CodingKeys: String, CodingKey { case shards, clips, tracks, rawBytes = "raw_bytes", zipBytes = "zip_bytes", directory }
    }
    public var shards = Shards()
    public var failures: [Failure] = []
    public var failuresTotal = 0
    public var lastRun: LastRun?
    /// The counters the stored artifacts stated (counter → key → n), for their writer to
    /// read; not part of this summary's JSON.
    public var artifactCounters: [String: [String: Int]] = [:]

    enum CodingKeys: String, CodingKey {
        case manifest, pipelineSha256 = "pipeline_sha256", stageOrder = "stage_order", videos, clips, stages,
             skipped, shards, failures, failuresTotal = "failures_total", lastRun = "last_run"
    }
}

extension ManifestDatabase {
    /// Summarises the manifest. `failureLimit` caps the failures listed (all are counted).
    /// The counts come from the counters the write transactions keep (StatusCounts);
    /// `countingRows` counts them from the rows instead, as before migration 0008, with
    /// `counting` for artifacts stored before 0009.
    public func status(failureLimit: Int = 1000, countingRows: Bool = false, counting: ArtifactCounting? = nil) throws -> ManifestStatus {
        try read { db in
            let pipeline = try ManifestPipeline.fetchOne(db, key: 1)
            var status = ManifestStatus(manifest: path, pipelineSha256: pipeline?.pipelineSha256,
                                        stageOrder: pipeline?.stageNames ?? [])
            let counts = try !countingRows && StatusCounts.kept(db) ? StatusCounts.read(db) : StatusCounts.recount(db, counting: counting)
            let sources = counts["sources"]
            status.videos = ManifestStatus.Videos(total: sources.values.reduce(0, +), ingested: sources["ingested"] ?? 0,
                                                  duplicates: sources["duplicate"] ?? 0, failed: sources["failed"] ?? 0)
            let clips = counts["clips"]
            status.clips = ManifestStatus.Clips(total: clips.values.reduce(0, +), pending: clips["pending"] ?? 0,
                                                running: clips["running"] ?? 0, done: clips["done"] ?? 0,
                                                failed: clips["failed"] ?? 0, skipped: clips["skipped"] ?? 0)
            status.stages = counts.tasksByStage
            for name in status.stageOrder {
                var states = status.stages[name] ?? [:]
                for state in ["pending", "running", "done", "failed", "skipped"] where states[state] == nil { states[state] = 0 }
                status.stages[name] = states
            }
            status.skipped = try Row.fetchAll(db, sql: """
                SELECT error, COUNT(*) AS n FROM tasks t
                WHERE state = 'skipped' AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.clip_id = t.clip_id
                                                        AND p.stage_index < t.stage_index AND p.state = 'skipped')
                GROUP BY error ORDER BY n DESC LIMIT 50
                """).map { ManifestStatus.Skip(reason: ($0["error"] as String?) ?? "", clips: $0["n"]) }
            status.artifactCounters = counts.artifactCounters
            if try db.tableExists("shards"), let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS shards, COALESCE(SUM(samples), 0) AS clips, COALESCE(SUM(raw_bytes), 0) AS raw,
                       COALESCE(SUM(zip_bytes), 0) AS zip, MIN(directory) AS directory FROM shards
                """) {
                status.shards = ManifestStatus.Shards(shards: row["shards"], clips: row["clips"], tracks: counts["shards", "tracks"],
                                                      rawBytes: row["raw"], zipBytes: row["zip"], directory: row["directory"])
            }
            let sourceFailures = try Row.fetchAll(db, sql: """
                SELECT uri, error_kind, error FROM sources WHERE state = 'failed' ORDER BY id LIMIT ?
                """, arguments: [failureLimit])
            status.failures = sourceFailures.map {
                ManifestStatus.Failure(path: $0["uri"], clip: nil, stage: "ingest", kind: $0["error_kind"], error: $0["error"] ?? "")
            }
            let taskFailures = try Row.fetchAll(db, sql: """
                SELECT t.clip_id, t.stage, t.error, v.path FROM tasks t
                JOIN clips c ON c.id = t.clip_id JOIN videos v ON v.source_id = c.source_id AND v.view_index = 0
                WHERE t.state = 'failed' ORDER BY t.clip_id LIMIT ?
                """, arguments: [max(0, failureLimit - status.failures.count)])
            status.failures += taskFailures.map {
                ManifestStatus.Failure(path: $0["path"], clip: $0["clip_id"], stage: $0["stage"], kind: nil, error: $0["error"] ?? "")
            }
            status.failuresTotal = status.videos.failed + counts.tasksByStage.values.reduce(0) { $0 + ($1["failed"] ?? 0) }
            if let run = try RunRecord.fetchOne(db, sql: "SELECT * FROM runs WHERE command = 'run' ORDER BY id DESC LIMIT 1") {
                let elapsed = max(1e-9, (run.endedAt ?? run.updatedAt ?? Date().timeIntervalSince1970) - run.startedAt)
                status.lastRun = ManifestStatus.LastRun(id: run.id!, command: run.command, workers: run.workers,
                                                        startedAt: run.startedAt, endedAt: run.endedAt, endState: run.endState, endCause: run.endCause,
                                                        clipsDone: run.clipsDone, framesDone: run.framesDone,
                                                        clipsPerSecond: Double(run.clipsDone) / elapsed,
                                                        framesPerSecond: Double(run.framesDone) / elapsed)
            }
            return status
        }
    }
}
