// The counts `status` is made of — sources, clips and each stage's tasks by state, the
// tracks in sealed shards, and whatever counters the stored artifacts state (their
// writer's; the manifest does not know what they mean) — read from the `status_counts`
// table that triggers keep exact inside every write (migrations 0008 and 0009), or
// counted from the rows. Reading them costs the same at a thousand clips as at a million
// (`pseudotrack bench manifest`: 1,000,000 clips, see Manifests/README.md); counting them
// scans every task and artifact. Counting serves a manifest made before 0008 opened
// read-only (nothing is migrated then; its artifacts' counts come from their metadata
// through the caller's ArtifactCounting), and is what the tests hold the counters to
// after every kind of write.

import Foundation
import GRDB

/// counter → key → n, without zeros. The manifest's own counters (`sources`, `clips`,
/// `tasks:<stage>`, `shards`) as in Manifests/migrations/0008_status_counts.sql; the others
/// are what artifacts stated (0009).
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

    /// Adds n to (counter, key); a count that reaches 0 is removed.
    public mutating func add(_ counter: String, _ key: String, _ n: Int) {
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

    /// The counters stated by artifacts: every counter but the manifest's own.
    public var artifactCounters: [String: [String: Int]] {
        counts.filter { counter, _ in !["sources", "clips", "shards"].contains(counter) && !counter.hasPrefix(Self.tasksPrefix) }
    }

    /// The sum of several counts.
    public mutating func add(_ other: StatusCounts) {
        for (counter, keys) in other.counts { for (key, n) in keys { add(counter, key, n) } }
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

    /// The same counts, counted from the rows (every task and artifact is read). The
    /// artifacts' counts are those they stated (0009), or else, for a manifest from before
    /// 0009, `counting` applied to each artifact that has metadata (none without it).
    static func recount(_ db: Database, counting: ArtifactCounting?) throws -> StatusCounts {
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
        if try db.tableExists("artifact_counts") {
            try add("SELECT counter, key, SUM(n) FROM artifact_counts GROUP BY counter, key")
        } else if let counting {
            let rows = try Row.fetchCursor(db, sql: "SELECT name, metadata FROM artifacts WHERE metadata IS NOT NULL")
            while let row = try rows.next() { result.add(counting(row[0], row[1])) }
        }
        if try db.tableExists("shard_samples") {
            try add("SELECT 'shards', 'tracks', COALESCE(SUM(tracks), 0) FROM shard_samples")
        }
        return result
    }
}

/// What an artifact, stored before its writer stated its counts (migration 0009), adds to
/// `status`, from its name and metadata: given by the code that knows what the artifacts
/// are (Pipeline's ArtifactCounters).
public typealias ArtifactCounting = @Sendable (_ name: String, _ metadata: String) -> StatusCounts

extension ManifestDatabase {
    /// The counters `status` reads (or, before migration 0008, the counts from the rows).
    public func statusCounts(counting: ArtifactCounting? = nil) throws -> StatusCounts {
        try read { db in try StatusCounts.kept(db) ? StatusCounts.read(db) : StatusCounts.recount(db, counting: counting) }
    }

    /// The same counts, counted from the rows: what the counters must equal.
    public func recountStatus(counting: ArtifactCounting? = nil) throws -> StatusCounts {
        try read { db in try StatusCounts.recount(db, counting: counting) }
    }
}
