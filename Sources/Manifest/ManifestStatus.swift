// The state of a manifest at a glance: sources, clips (a clip is done when every stage of
// the pipeline is done for it), per-stage task counts, failures with their causes, and
// the last run's throughput. `pseudotrack status` prints it.

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
    /// Clips labelled by each teacher (the teacher stage's draw, artifacts.metadata).
    public var teachers: [String: Int] = [:]
    /// Sealed training shards (all output directories).
    public struct Shards: Codable, Sendable {
        public var shards = 0, clips = 0, tracks = 0, rawBytes = 0, zipBytes = 0
        public var directory: String?
        enum CodingKeys: String, CodingKey { case shards, clips, tracks, rawBytes = "raw_bytes", zipBytes = "zip_bytes", directory }
    }
    public var shards = Shards()
    /// The quality stage's totals: labels in and out, and labels removed by each rule.
    public struct Quality: Codable, Sendable {
        public var clips = 0, labelsIn = 0, labelsOut = 0, tracksIn = 0, tracksOut = 0
        public var removed: [String: Int] = [:]
        enum CodingKeys: String, CodingKey {
            case clips, labelsIn = "labels_in", labelsOut = "labels_out", tracksIn = "tracks_in", tracksOut = "tracks_out", removed
        }
    }
    public var quality = Quality()
    public var failures: [Failure] = []
    public var failuresTotal = 0
    public var lastRun: LastRun?

    enum CodingKeys: String, CodingKey {
        case manifest, pipelineSha256 = "pipeline_sha256", stageOrder = "stage_order", videos, clips, stages,
             skipped, teachers, shards, quality, failures, failuresTotal = "failures_total", lastRun = "last_run"
    }
}

extension ManifestDatabase {
    /// Summarises the manifest. `failureLimit` caps the failures listed (all are counted).
    public func status(failureLimit: Int = 1000) throws -> ManifestStatus {
        try read { db in
            let pipeline = try ManifestPipeline.fetchOne(db, key: 1)
            var status = ManifestStatus(manifest: path, pipelineSha256: pipeline?.pipelineSha256,
                                        stageOrder: pipeline?.stageNames ?? [])
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM sources GROUP BY state") {
                let n: Int = row["n"]
                switch row["state"] as String {
                case "ingested": status.videos.ingested = n
                case "duplicate": status.videos.duplicates = n
                default: status.videos.failed = n
                }
                status.videos.total += n
            }
            let clipStates = try Row.fetchAll(db, sql: """
                SELECT CASE WHEN f > 0 THEN 'failed' WHEN s > 0 THEN 'skipped' WHEN d = n THEN 'done'
                            WHEN r > 0 THEN 'running' ELSE 'pending' END AS state, COUNT(*) AS n
                FROM (SELECT clip_id, COUNT(*) AS n, SUM(state = 'done') AS d, SUM(state = 'failed') AS f,
                             SUM(state = 'skipped') AS s, SUM(state = 'running') AS r
                      FROM tasks GROUP BY clip_id)
                GROUP BY state
                """)
            status.clips.total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clips") ?? 0
            for row in clipStates {
                let n: Int = row["n"]
                switch row["state"] as String {
                case "failed": status.clips.failed = n
                case "skipped": status.clips.skipped = n
                case "done": status.clips.done = n
                case "running": status.clips.running = n
                default: status.clips.pending = n
                }
            }
            // Clips with no tasks (a pipeline with no stages) count as done.
            status.clips.done += status.clips.total - clipStates.reduce(0) { $0 + ($1["n"] as Int) }
            for row in try Row.fetchAll(db, sql: "SELECT stage, state, COUNT(*) AS n FROM tasks GROUP BY stage, state") {
                status.stages[row["stage"] as String, default: [:]][row["state"] as String] = row["n"]
            }
            for name in status.stageOrder {
                var counts = status.stages[name] ?? [:]
                for state in ["pending", "running", "done", "failed", "skipped"] where counts[state] == nil { counts[state] = 0 }
                status.stages[name] = counts
            }
            status.skipped = try Row.fetchAll(db, sql: """
                SELECT error, COUNT(*) AS n FROM tasks t
                WHERE state = 'skipped' AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.clip_id = t.clip_id
                                                        AND p.stage_index < t.stage_index AND p.state = 'skipped')
                GROUP BY error ORDER BY n DESC LIMIT 50
                """).map { ManifestStatus.Skip(reason: ($0["error"] as String?) ?? "", clips: $0["n"]) }
            for row in try Row.fetchAll(db, sql: """
                SELECT json_extract(metadata, '$.teacher') AS teacher, COUNT(*) AS n FROM artifacts
                WHERE name = 'tracks' AND metadata IS NOT NULL GROUP BY teacher
                """) {
                status.teachers[(row["teacher"] as String?) ?? "?"] = row["n"]
            }
            // Summed by SQLite's JSON functions: a manifest of 100,000 clips is not parsed row by row here.
            let labelled = "FROM artifacts WHERE name = 'labels' AND json_valid(metadata) AND json_type(metadata, '$.quality') = 'object'"
            if let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*), SUM(json_extract(metadata, '$.quality.labels_in')), SUM(json_extract(metadata, '$.quality.labels_out')),
                       SUM(json_extract(metadata, '$.quality.tracks_in')), SUM(json_extract(metadata, '$.quality.tracks_out')) \(labelled)
                """) {
                status.quality.clips = row[0]
                status.quality.labelsIn = row[1] ?? 0; status.quality.labelsOut = row[2] ?? 0
                status.quality.tracksIn = row[3] ?? 0; status.quality.tracksOut = row[4] ?? 0
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT r.key AS rule, SUM(r.value) AS n FROM (SELECT metadata \(labelled)) a, json_each(a.metadata, '$.quality.labels_removed') r
                WHERE r.type = 'integer' GROUP BY r.key
                """) {
                status.quality.removed[row["rule"] as String] = row["n"]
            }
            if try db.tableExists("shards"), let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS shards, COALESCE(SUM(samples), 0) AS clips, COALESCE(SUM(raw_bytes), 0) AS raw,
                       COALESCE(SUM(zip_bytes), 0) AS zip, MIN(directory) AS directory,
                       (SELECT COALESCE(SUM(tracks), 0) FROM shard_samples) AS tracks FROM shards
                """) {
                status.shards = ManifestStatus.Shards(shards: row["shards"], clips: row["clips"], tracks: row["tracks"],
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
            status.failuresTotal = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sources WHERE state = 'failed'") ?? 0)
                + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE state = 'failed'") ?? 0)
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
