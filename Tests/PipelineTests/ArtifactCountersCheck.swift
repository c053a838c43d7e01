import Foundation
import GRDB
import Manifest
import Pipeline
import XCTest

/// The counts the stages state with their artifacts (ArtifactCounters) are what migration
/// 0008 read out of the same artifacts' metadata (its view `artifact_status_counts`, recreated
/// here as a temporary view from the migration's own text), so `status` says the same as
/// before 0009. And `pseudotrack status --json` keeps the manifest summary's keys beside
/// `teachers` and `quality`.
func assertStatedCountsAreThoseOfMigration0008(_ manifest: ManifestDatabase, file: StaticString = #filePath, line: UInt = #line) throws {
    let migration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Manifests/migrations/0008_status_counts.sql")
    let sql = try String(contentsOf: migration, encoding: .utf8)
    let start = try XCTUnwrap(sql.range(of: "CREATE VIEW artifact_status_counts AS"), file: file, line: line)
    let body = sql[start.upperBound...].prefix { $0 != ";" }
    func sums(_ db: Database, _ table: String) throws -> [String: Int] {
        let rows = try Row.fetchAll(db, sql: "SELECT counter, key, SUM(n) AS n FROM \(table) GROUP BY counter, key HAVING SUM(n) <> 0")
        return Dictionary(uniqueKeysWithValues: rows.map { ("\($0["counter"] as String)/\($0["key"] as String)", $0["n"] as Int) })
    }
    let (stated, read) = try manifest.write { db -> ([String: Int], [String: Int]) in
        try db.execute(sql: "CREATE TEMP VIEW migration_0008_counts AS \(body)")
        defer { try? db.execute(sql: "DROP VIEW temp.migration_0008_counts") }
        return (try sums(db, "artifact_counts"), try sums(db, "migration_0008_counts"))
    }
    XCTAssertFalse(stated.isEmpty, file: file, line: line)
    XCTAssertEqual(stated, read, file: file, line: line)
    let status = try manifest.pipelineStatus()
    XCTAssertEqual(status.teachers.values.reduce(0, +), stated.filter { $0.key.hasPrefix("teachers/") }.values.reduce(0, +), file: file, line: line)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: encoder.encode(status)) as? [String: Any], file: file, line: line)
    let keys: Set<String> = ["manifest", "pipeline_sha256", "stage_order", "videos", "clips", "stages", "skipped", "teachers", "shards",
                             "quality", "failures", "failures_total", "last_run"]
    XCTAssertEqual(Set(json.keys), keys.subtracting(status.lastRun == nil ? ["last_run"] : []), file: file, line: line)
    XCTAssertEqual((json["quality"] as? [String: Any])?["clips"] as? Int, status.quality.clips, file: file, line: line)
}
