import Foundation
import GRDB
@testable import Manifest
import XCTest

/// The counters `status` reads (migrations 0008 and 0009) against a recount of the rows,
/// after every kind of write the engine makes, and on a manifest that migrates to them.
final class StatusCountsTests: ManifestTestCase {
    let sorted: JSONEncoder = { let encoder = JSONEncoder(); encoder.outputFormatting = .sortedKeys; return encoder }()

    /// The counters equal a recount, and a recount is not empty (it counted something).
    func assertCountersExact(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let kept = try manifest.statusCounts(), recounted = try manifest.recountStatus()
        XCTAssertEqual(kept, recounted, "after \(step)", file: file, line: line)
        XCTAssertFalse(recounted.counts.isEmpty, file: file, line: line)
        XCTAssertEqual(try sorted.encode(try manifest.status()), try sorted.encode(try manifest.status(countingRows: true)),
                       "status after \(step)", file: file, line: line)
    }

    func labels(_ labelsIn: Int, _ labelsOut: Int, removed: [String: Int], made: [String: Int] = [:]) -> String {
        let object: [String: Any] = ["quality": ["labels_in": labelsIn, "labels_out": labelsOut, "tracks_in": 10, "tracks_out": 8,
                                                 "labels_removed": removed, "labels_made": made]]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// What this test's `tracks` and `labels` state for status: a writer's counters, which
    /// the manifest sums without reading them. They are what 0008 read from `labels(…)`'s
    /// metadata, so that a manifest migrating through 0008 gets the same.
    static let counting: ArtifactCounting = { name, metadata in
        var counts = StatusCounts()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) as? [String: Any] else {
            if name == "tracks" { counts.add("teachers", "?", 1) }
            return counts
        }
        if name == "tracks" { counts.add("teachers", object["teacher"] as? String ?? "?", 1) }
        if name == "labels", let quality = object["quality"] as? [String: Any] {
            counts.add("quality", "clips", 1)
            for key in ["labels_in", "labels_out", "tracks_in", "tracks_out"] { counts.add("quality", key, quality[key] as? Int ?? 0) }
            for (key, n) in quality["labels_removed"] as? [String: Int] ?? [:] { counts.add("labels_removed", key, n) }
            for (key, n) in quality["labels_made"] as? [String: Int] ?? [:] { counts.add("labels_made", key, n) }
        }
        return counts
    }

    func payload(_ name: String, _ bytes: [UInt8], metadata: String) -> ArtifactPayload {
        ArtifactPayload(name: name, format: "t", bytes: bytes, metadata: metadata, counts: Self.counting(name, metadata))
    }

    /// Runs clip `lease` through what remains of stages a and b (b stores `tracks` with a
    /// teacher and `labels` with quality totals), leaving stage c (the shard) running under
    /// the lease, as a worker does before it seals.
    func label(_ lease: ManifestLease, teacher: String, labelsOut: Int) throws -> LeasedTask {
        for task in lease.tasks where task.stage != "c" {
            try lease.begin(task)
            let artifacts = task.stage == "a" ? [ArtifactPayload(name: "a", format: "t", bytes: [1])] : [
                payload("tracks", [2], metadata: "{\"teacher\": \"\(teacher)\"}"),
                payload("labels", [3], metadata: labels(100, labelsOut, removed: ["cycle": 100 - labelsOut, "motion": 0], made: ["depth": labelsOut])),
            ]
            try lease.complete(task, artifacts: artifacts, seconds: 0.1)
        }
        let shard = try XCTUnwrap(lease.tasks.first)
        XCTAssertEqual(shard.stage, "c")
        try lease.begin(shard)
        return shard
    }

    func seal(_ members: [(ManifestLease, LeasedTask)], tracks: Int) throws {
        try manifest.sealShard(directory: directory + "/out", members: members.map { ShardMember(lease: $0.0, task: $0.1, tracks: tracks, seconds: 0.1) },
                               runId: nil) { index in
            PublishedShard(basename: "shard.\(index).mds.zstd", rawBytes: 10, rawSha1: "r", zipBytes: 5, zipSha1: "z", entry: "{}")
        }
    }

    func testCountersEqualARecountAfterEveryKindOfWrite() throws {
        // Ingest: sources, clips and their tasks; a failed source, then the same path ingested.
        try addSources(6, clips: 2, maxAttempts: 2)
        let failedSource = SourceRecord(kind: .video, uri: "/videos/broken.mp4", sha256: nil, bytes: nil, state: .failed,
                                        error: "unreadable", runId: nil, ingestedAt: 0)
        _ = try manifest.record([IngestedSource(source: failedSource)], stages: stages, maxAttempts: 2)
        _ = try manifest.record([IngestedSource(source: failedSource)], stages: stages, maxAttempts: 2)
        try assertCountersExact("ingest with a failed source recorded twice")
        XCTAssertEqual(try manifest.statusCounts()["sources", "failed"], 1)
        XCTAssertEqual(try manifest.statusCounts()["clips", "pending"], 12)

        // A clip labelled and sealed; its artifacts' bytes dropped by the seal.
        let owner = LeaseOwner()
        let first = try XCTUnwrap(try manifest.claim(owner: owner))
        try assertCountersExact("a claim")
        XCTAssertEqual(try manifest.statusCounts()["clips", "running"], 1)
        let firstShard = try label(first, teacher: "flow", labelsOut: 70)
        try assertCountersExact("two stages done")
        try seal([(first, firstShard)], tracks: 8)
        try assertCountersExact("a seal")

        // A worker dies mid-clip (after stage a, inside stage b): its lease expires and
        // another worker takes the clip over, and finishes it.
        let dying = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
        try dying.begin(dying.tasks[0])
        try dying.complete(dying.tasks[0], artifacts: [ArtifactPayload(name: "a", format: "t", bytes: [1])], seconds: 0.1)
        XCTAssertEqual(dying.tasks.first?.stage, "b")
        try dying.begin(dying.tasks[0])
        try expire(dying)
        try assertCountersExact("a lease that expired (not yet taken over)")
        let takeover = try XCTUnwrap(try manifest.claim(owner: owner))
        XCTAssertEqual(takeover.clipId, dying.clipId, "the expired lease is taken over")
        try assertCountersExact("a lease taken over")
        let takeoverShard = try label(takeover, teacher: "klt", labelsOut: 90)

        // A failure retried: back to pending, then done.
        let retried = try XCTUnwrap(try manifest.claim(owner: owner))
        try retried.begin(retried.tasks[0])
        try retried.fail(retried.tasks[0], error: "disk full", permanent: false, seconds: 0)
        try assertCountersExact("a failure sent back for a retry")
        let retry = try XCTUnwrap(try manifest.claim(owner: owner))
        XCTAssertEqual(retry.clipId, retried.clipId)
        let retryShard = try label(retry, teacher: "flow", labelsOut: 50)
        try seal([(takeover, takeoverShard), (retry, retryShard)], tracks: 9)
        try assertCountersExact("a retry done and sealed with the taken-over clip")

        // A permanent failure, a failure that used up its attempts, a skip, a release.
        let broken = try XCTUnwrap(try manifest.claim(owner: owner))
        try broken.begin(broken.tasks[0])
        try broken.fail(broken.tasks[0], error: "corrupt", permanent: true, seconds: 0)
        for _ in 0..<2 {
            let flaky = try XCTUnwrap(try manifest.claim(owner: owner))
            try flaky.begin(flaky.tasks[0])
            try flaky.fail(flaky.tasks[0], error: "flaky", permanent: false, seconds: 0)
        }
        let skipped = try XCTUnwrap(try manifest.claim(owner: owner))
        try skipped.begin(skipped.tasks[0])
        try skipped.skip(skipped.tasks[0], reason: "too dark", seconds: 0)
        let released = try XCTUnwrap(try manifest.claim(owner: owner))
        try released.begin(released.tasks[0])
        try released.release()
        try assertCountersExact("failures, a skip and a release")

        // A worker that keeps dying ends its clip failed (worker-died); its death recorded.
        for _ in 0..<2 {
            let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner(pid: 999_999)))
            try lease.begin(lease.tasks[0])
            try manifest.recordWorkerDeath(pid: 999_999, cause: "killed by signal 9")
        }
        XCTAssertNotNil(try manifest.claim(owner: owner))
        try assertCountersExact("a clip failed by a worker that died in every attempt")

        // An artifact's counts rewritten and added to by hand, one artifact's metadata
        // rewritten (its counts are what its writer stated: they stay), one deleted.
        try manifest.write { db in
            let labelsId = try Int64.fetchOne(db, sql: "SELECT id FROM artifacts WHERE name = 'labels' AND clip_id = ?", arguments: [first.clipId])
            try db.execute(sql: "UPDATE artifact_counts SET n = 10 WHERE artifact_id = ? AND counter = 'quality' AND key = 'labels_out'",
                           arguments: [labelsId])
            try db.execute(sql: "UPDATE artifact_counts SET n = 90 WHERE artifact_id = ? AND counter = 'labels_removed' AND key = 'cycle'",
                           arguments: [labelsId])
            try db.execute(sql: "INSERT INTO artifact_counts (artifact_id, counter, key, n) VALUES (?, 'labels_removed', 'new-rule', 3)",
                           arguments: [labelsId])
            try db.execute(sql: "UPDATE artifact_counts SET key = '?' WHERE counter = 'teachers' AND artifact_id = (SELECT id FROM artifacts WHERE name = 'tracks' AND clip_id = ?)",
                           arguments: [takeover.clipId])
            try db.execute(sql: "UPDATE artifacts SET metadata = '{not json' WHERE name = 'tracks' AND clip_id = ?", arguments: [first.clipId])
            try db.execute(sql: "DELETE FROM artifacts WHERE name = 'labels' AND clip_id = ?", arguments: [retry.clipId])
        }
        try assertCountersExact("artifact counts rewritten, metadata rewritten and an artifact deleted by hand")
        let counts = try manifest.statusCounts()
        XCTAssertEqual(counts["quality", "labels_out"], 10 + 90)
        XCTAssertEqual(counts["quality", "clips"], 2)
        XCTAssertEqual(counts["labels_removed"], ["cycle": 90 + 10, "new-rule": 3])
        XCTAssertEqual(counts["labels_made"], ["depth": 70 + 90])
        XCTAssertEqual(counts["teachers"], ["flow": 2, "?": 1])
        XCTAssertEqual(try manifest.status().artifactCounters["teachers"], ["flow": 2, "?": 1])
        XCTAssertEqual(counts["shards", "tracks"], 8 + 9 + 9)
        XCTAssertEqual(counts["clips"], ["done": 3, "failed": 3, "skipped": 1, "running": 1, "pending": 4])

        // The copy another node restores brings exact counters with it.
        let copy = directory + "/copy.sqlite"
        try manifest.publishCopy(to: copy)
        let restored = try ManifestDatabase(path: copy)
        XCTAssertEqual(try restored.statusCounts(), try manifest.recountStatus())
        XCTAssertEqual(try restored.statusCounts(), try restored.recountStatus())
    }

    /// A manifest written before 0008 gets its counters from its rows when it migrates
    /// (0008 reads its artifacts' metadata, 0009 keeps what it read as their counts);
    /// opened read-only (nothing migrates), its status is counted from the rows, its
    /// artifacts' counts from their metadata by the caller's counting.
    func testAnOlderManifestMigratesWithCountersBuiltFromItsRows() throws {
        try addSources(3, clips: 3)
        let lease = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
        let shard = try label(lease, teacher: "flow", labelsOut: 60)
        try seal([(lease, shard)], tracks: 7)
        let failing = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
        try failing.begin(failing.tasks[0])
        try failing.fail(failing.tasks[0], error: "corrupt", permanent: true, seconds: 0)
        _ = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
        let expected = try manifest.recountStatus()
        let expectedStatus = try manifest.status()

        // The same rows in a manifest at 0007: 0008's and 0009's objects dropped, their
        // migrations forgotten.
        let path = "\(directory!)/m.sqlite"
        manifest = nil
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: """
                DROP TABLE artifact_counts; DROP TABLE status_counts; DROP INDEX sources_failed;
                ALTER TABLE clips DROP COLUMN tasks_state;
                ALTER TABLE clips DROP COLUMN tasks_total; ALTER TABLE clips DROP COLUMN tasks_done; ALTER TABLE clips DROP COLUMN tasks_running;
                ALTER TABLE clips DROP COLUMN tasks_failed; ALTER TABLE clips DROP COLUMN tasks_skipped;
                DELETE FROM grdb_migrations WHERE identifier IN ('0008_status_counts', '0009_artifact_counts');
                PRAGMA wal_checkpoint(TRUNCATE);
                """)
        }
        try queue.close()

        let old = try ManifestDatabase(path: path, readOnly: true)
        XCTAssertEqual(try old.schemaVersions().last, "0007_run_end_cause")
        XCTAssertEqual(try old.statusCounts(counting: Self.counting), expected, "read-only, unmigrated: counted from the rows")
        XCTAssertEqual(try sorted.encode(try old.status(counting: Self.counting)), try sorted.encode(expectedStatus))
        XCTAssertEqual(try old.status(counting: Self.counting).artifactCounters, expected.artifactCounters)
        XCTAssertEqual(try old.status().artifactCounters, [:], "without the caller's counting, nothing is read from metadata")

        manifest = try ManifestDatabase(path: path)
        XCTAssertEqual(try manifest.schemaVersions().last, "0009_artifact_counts")
        XCTAssertEqual(try manifest.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM status_counts") }.map { $0 > 0 }, true)
        XCTAssertEqual(try manifest.statusCounts(), expected)
        XCTAssertEqual(try manifest.statusCounts()["clips"], ["done": 1, "failed": 1, "running": 1, "pending": 6])
        // And they stay exact from there.
        let next = try XCTUnwrap(try manifest.claim(owner: LeaseOwner()))
        try next.begin(next.tasks[0])
        try next.skip(next.tasks[0], reason: "static", seconds: 0)
        try assertCountersExact("writes after the migration")
    }
}
