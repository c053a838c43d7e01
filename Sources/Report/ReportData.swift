// What the report shows, read from a manifest (read-only) in a handful of queries that
// stay fast at 100,000 clips: the status summary (Pipeline's PipelineStatus), one row per clip
// (state, source, teacher, the quality stage's counts, why it was skipped or failed, from
// the artifacts' metadata through json_extract, never their payloads), the seconds each
// stage took, when each clip ended (throughput over time), and failures by stage and cause.

import Foundation
import GRDB
import Manifest
import Pipeline

public struct ClipRow: Sendable {
    public var id: Int64
    public var source: String
    public var kind: String
    public var clipIndex: Int
    public var frames: Int
    public var state: String
    public var teacher: String?
    public var checker: String?
    public var tracksIn: Int?, tracksOut: Int?, labelsIn: Int?, labelsOut: Int?
    /// The quality stage's labels_removed object as JSON text.
    public var removedJSON: String?
    public var reason: String?
}

public struct StageTime: Sendable { public var stage: String; public var tasks: Int; public var seconds: Double }

public struct ReportData: Sendable {
    public var status: PipelineStatus
    public var pipelineSeed: Int64
    public var clips: [ClipRow]
    public var stageTimes: [StageTime]
    /// When each clip ended (its last task), Unix seconds, ascending.
    public var clipEnds: [Double]
    /// The first task start of any run.
    public var firstStart: Double?
    /// (stage, cause, count) of failed tasks, and failed sources as ("ingest", kind, count).
    public var failures: [(stage: String, cause: String, count: Int)]

    public static func read(_ manifest: ManifestDatabase) throws -> ReportData {
        let status = try manifest.pipelineStatus(failureLimit: 50)
        return try manifest.read { db -> ReportData in
            let seed = try Int64.fetchOne(db, sql: "SELECT seed FROM manifest_pipeline WHERE id = 1") ?? 0
            var clips: [ClipRow] = []
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT c.id, c.clip_index, c.frame_count, s.uri, s.kind, t.state, t.reason,
                       (SELECT json_extract(metadata, '$.teacher') FROM artifacts a WHERE a.clip_id = c.id AND a.name = 'tracks') AS teacher,
                       json_extract(l.metadata, '$.quality.tracks_in'), json_extract(l.metadata, '$.quality.tracks_out'),
                       json_extract(l.metadata, '$.quality.labels_in'), json_extract(l.metadata, '$.quality.labels_out'),
                       json_extract(l.metadata, '$.quality.checker'), json_extract(l.metadata, '$.quality.labels_removed')
                FROM clips c JOIN sources s ON s.id = c.source_id
                LEFT JOIN (SELECT clip_id,
                                  CASE WHEN SUM(state = 'failed') > 0 THEN 'failed' WHEN SUM(state = 'skipped') > 0 THEN 'skipped'
                                       WHEN SUM(state = 'done') = COUNT(*) THEN 'done' WHEN SUM(state = 'running') > 0 THEN 'running'
                                       ELSE 'pending' END AS state,
                                  MAX(CASE WHEN state IN ('failed', 'skipped') THEN error END) AS reason
                           FROM tasks GROUP BY clip_id) t ON t.clip_id = c.id
                LEFT JOIN artifacts l ON l.clip_id = c.id AND l.name = 'labels'
                ORDER BY c.id
                """)
            // Columns by position, the quality stage's counts through json_extract: no JSON parsed here.
            while let row = try cursor.next() {
                clips.append(ClipRow(id: row[0], source: row[3], kind: row[4], clipIndex: row[1], frames: row[2],
                                     state: row[5] ?? "done", teacher: row[7], checker: row[12], tracksIn: row[8], tracksOut: row[9],
                                     labelsIn: row[10], labelsOut: row[11], removedJSON: row[13], reason: row[6]))
            }
            let stageTimes = try Row.fetchAll(db, sql: """
                SELECT stage, COUNT(*) AS n, COALESCE(SUM(seconds), 0) AS s FROM tasks
                WHERE seconds IS NOT NULL GROUP BY stage
                """).map { StageTime(stage: $0["stage"], tasks: $0["n"], seconds: $0["s"]) }
            let order = status.stageOrder
            let sortedTimes = stageTimes.sorted { (order.firstIndex(of: $0.stage) ?? .max) < (order.firstIndex(of: $1.stage) ?? .max) }
            let ends = try Double.fetchAll(db, sql: """
                SELECT MAX(finished_at) AS e FROM tasks GROUP BY clip_id
                HAVING SUM(state IN ('pending', 'running')) = 0 AND MAX(finished_at) IS NOT NULL ORDER BY e
                """)
            let first = try Double.fetchOne(db, sql: "SELECT MIN(started_at) FROM tasks")
            var failures = try Row.fetchAll(db, sql: """
                SELECT stage, COALESCE(failure_cause, 'error') AS cause, COUNT(*) AS n FROM tasks WHERE state = 'failed'
                GROUP BY stage, cause ORDER BY n DESC
                """).map { (stage: $0["stage"] as String, cause: $0["cause"] as String, count: $0["n"] as Int) }
            failures += try Row.fetchAll(db, sql: """
                SELECT COALESCE(error_kind, 'error') AS kind, COUNT(*) AS n FROM sources WHERE state = 'failed' GROUP BY kind ORDER BY n DESC
                """).map { (stage: "ingest", cause: $0["kind"] as String, count: $0["n"] as Int) }
            return ReportData(status: status, pipelineSeed: seed, clips: clips, stageTimes: sortedTimes, clipEnds: ends,
                              firstStart: first, failures: failures)
        }
    }
}
