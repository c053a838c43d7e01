// The counts `status` is made of — sources, clips and each stage's tasks by state, clips
// by teacher, the quality stage's label totals, the tracks in sealed shards — read from
// the `status_counts` table that triggers keep exact inside every write (migration 0008),
// or counted from the rows. Reading them costs the same at a thousand clips as at a
// million (`pseudotrack bench manifest`: 1,000,000 clips, see Manifests/README.md);
// counting them scans every task and artifact. Counting serves a manifest made before
// 0008 opened read-only (nothing is migrated then), and is what the tests hold the
// counters to after every kind of write.

import Foundation
import GRDB

/// counter → key → n, without zeros. Counters and keys as in Manifests/migrations/0008_status_counts.sql.
public struct StatusCounts: Equatable, Sendable, CustomStringConvertible {
    public var counts: [String: [String: Int]] = [:]

    public init(counts: [String: [String: Int]] = [:]) { self.counts = counts }

    public subscript(counter: String, key: String) -> Int { counts[counter]?[key] ?? 0 }
    public subscript(counter: String) -> [String: Int] { counts[counter] ?? [:] }

    /// The stages that have a counter, with their tasks by state.
    public var tasksByStage: [String: [String: Int]] {
        var stages: [String: [String: Int]] = [:]
        for (counter, keys) in counts where counter.hasPrefix(Self.tasksPrefix) { stages[String(counter.dropFirst(Self.tasksPrefix.count))] = keys }
        return stages
    }

    static let tasksPrefix = "tasks:"

    mutating func add(_ counter: String, _ key: String, _ n: Int) {
        guard n != 0 else { return }
        counts[counter, default: [:]][key, default: 0] += n
        if counts[counter]?[key] == 0 { counts[counter]?[key] = nil }
        if counts[counter]?.isEmpty == true { counts[counter] = nil }
    }

    public var description: String {
        counts.keys.sorted().map { counter in
            "\(counter): " + counts[counter]!.keys.sorted().map { "\($0)=\(counts[counter]![$0]!)" }.joined(separator: " ")
        }.joined(separator: "; ")
    }

    /// Whether the manifest keeps counters (migration 0008 applied).
    static func kept(_ db: Database) throws -> Bool { try db.tableExists("status_counts") }

    /// The counters the triggers keep.
    static func read(_ db: Database) throws -> StatusCounts {
        var result = StatusCounts()
        for row in try Row.fetchAll(db, sql: "SELECT counter, key, n FROM status_counts WHERE n <> 0") {
            result.add(row[0], row[1], row[2])
        }
        return result
    }

    /// The same counts, counted from the rows (every task and artifact is read).
    static func recount(_ db: Database) throws -> StatusCounts {
        var result = StatusCounts()
        func add(_ sql: String) throws {
            for row in try Row.fetchAll(db, sql: sql) { result.add(row[0], row[1], row[2]) }
        }
        try add("SELECT 'sources', state, COUNT(*) FROM sources GROUP BY state")
        // A clip's state from its tasks; a clip with no tasks is done.
        try add("""
            SELECT 'clips', CASE WHEN f > 0 THEN 'failed' WHEN s > 0 THEN 'skipped' WHEN d = n THEN 'done'
                                 WHEN r > 0 THEN 'running' ELSE 'pending' END AS state, COUNT(*)
            FROM (SELECT c.id, COUNT(t.id) AS n, COALESCE(SUM(t.state = 'done'), 0) AS d, COALESCE(SUM(t.state = 'failed'), 0) AS f,
                         COALESCE(SUM(t.state = 'skipped'), 0) AS s, COALESCE(SUM(t.state = 'running'), 0) AS r
                  FROM clips c LEFT JOIN tasks t ON t.clip_id = c.id GROUP BY c.id)
            GROUP BY state
            """)
        try add("SELECT '\(tasksPrefix)' || stage, state, COUNT(*) FROM tasks GROUP BY stage, state")
        try add("""
            SELECT 'teachers', COALESCE(CAST(json_extract(CASE WHEN json_valid(metadata) THEN metadata END, '$.teacher') AS TEXT), '?') AS teacher,
                   COUNT(*)
            FROM artifacts WHERE name = 'tracks' AND metadata IS NOT NULL GROUP BY teacher
            """)
        let labelled = "FROM artifacts WHERE name = 'labels' AND json_valid(metadata) AND json_type(metadata, '$.quality') = 'object'"
        try add("SELECT 'quality', 'clips', COUNT(*) \(labelled)")
        try add("""
            SELECT 'quality', q.key, SUM(q.value) FROM (SELECT metadata \(labelled)) a, json_each(a.metadata, '$.quality') q
            WHERE q.type = 'integer' AND q.key IN ('labels_in', 'labels_out', 'tracks_in', 'tracks_out') GROUP BY q.key
            """)
        for (counter, path) in [("labels_removed", "$.quality.labels_removed"), ("labels_made", "$.quality.labels_made")] {
            try add("""
                SELECT '\(counter)', r.key, SUM(r.value)
                FROM (SELECT metadata FROM artifacts WHERE name = 'labels' AND json_valid(metadata)
                      AND json_type(metadata, '\(path)') = 'object') a, json_each(a.metadata, '\(path)') r
                WHERE r.type = 'integer' GROUP BY r.key
                """)
        }
        if try db.tableExists("shard_samples") {
            try add("SELECT 'shards', 'tracks', COALESCE(SUM(tracks), 0) FROM shard_samples")
        }
        return result
    }
}

extension ManifestDatabase {
    /// The counters `status` reads (or, before migration 0008, the counts from the rows).
    public func statusCounts() throws -> StatusCounts {
        try read { db in try StatusCounts.kept(db) ? StatusCounts.read(db) : StatusCounts.recount(db) }
    }

    /// The same counts, counted from the rows: what the counters must equal.
    public func recountStatus() throws -> StatusCounts {
        try read { db in try StatusCounts.recount(db) }
    }
}
