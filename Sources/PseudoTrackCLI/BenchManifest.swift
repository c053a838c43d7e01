// `pseudotrack bench manifest`: the manifest at corpus scale. Builds a synthetic manifest
// of N clips (default 1,000,000): sources of 100 clips each, the first recorded through
// the same ingest call as real videos (ManifestDatabase.record, the default pipeline's six
// stages) and the others copied from its rows by SQL, then every clip but the last `--pending` finished as a sealed clip leaves it — each task
// done with one attempt row, each stage's artifact row kept without its bytes (sealing
// drops them: ArtifactSlimming) but with metadata of a real run's size, 100 clips per
// sealed shard. Then it times, on that file: claim + begin + complete of a task (the
// median of --samples claims, each of the next claimable task, released after it) and `status` read from the counters
// the write transactions keep (median of --status-runs) against `status` counting the
// rows as it did before migration 0008 (median of --reference-runs, the same file, the
// same run; both must give the same status), and prints the file's bytes per clip.

import ArgumentParser
import Foundation
import GRDB
import Manifest
import Pipeline

struct BenchManifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Claim latency, status time and bytes per clip on a synthetic manifest of many clips.")

    @Option(help: "Clips in the synthetic manifest.") var clips = 1_000_000
    @Option(help: "Clips left pending (claimed by the timing loop).") var pending = 2_000
    @Option(help: "Claims timed.") var samples = 300
    @Option(help: "Where to build it (default: a temporary directory, removed afterwards).") var directory: String?
    @Flag(help: "Time an existing manifest left by a run with --directory instead of building it again.") var reuse = false
    @Option(help: "Times status is read from the counters.") var statusRuns = 5
    @Option(help: "Times status is counted from the rows, as before migration 0008 (the reference; 0 to skip).") var referenceRuns = 3
    @Flag(help: "Print JSON.") var json = false

    static let stages = ["decode-check", "points", "teacher", "full-tracker", "quality", "shards"]

    func run() throws {
        guard clips >= 200, pending >= samples, pending < clips, statusRuns >= 1, referenceRuns >= 0 else {
            throw ValidationError("need clips >= 200, samples <= pending < clips, --status-runs >= 1 and --reference-runs >= 0")
        }
        let folder = directory ?? NSTemporaryDirectory() + "pseudotrack-bench-manifest-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let path = folder + "/manifest.sqlite"
        let reusing = reuse && FileManager.default.fileExists(atPath: path)
        if !reusing { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let manifest = try ManifestDatabase(path: path)
        let started = Date()
        if !reusing {
            try manifest.adopt(ManifestPipeline(pipelineSha256: String(repeating: "b", count: 64), pipelineText: "bench", seed: 0, stageNames: Self.stages))
            // The first source through the ingest call; the others copied from its rows by SQL
            // (the same rows with their own paths, hashes and seeds; the triggers of 0008 count
            // them as they do any insert): a million clips recorded one by one from Swift took
            // over an hour on a loaded machine.
            let sources = (clips + Self.clipsPerSource - 1) / Self.clipsPerSource
            _ = try manifest.record([try Self.source(0, clips: min(Self.clipsPerSource, clips))], stages: Self.stages, maxAttempts: 3)
            for first in stride(from: 1, to: sources, by: 1000) {
                try copySources(first..<min(sources, first + 1000), clips: clips, manifest)
            }
            try finish(manifest, clips: clips - pending)
        }
        let built = Date().timeIntervalSince(started)
        try Self.checkpoint(path)

        // claim + begin + complete, each of the next claimable task (the pending clips are worked through stage by stage).
        var claims: [Double] = []
        let owner = LeaseOwner()
        for _ in 0..<samples {
            let t0 = DispatchTime.now().uptimeNanoseconds
            guard let lease = try manifest.claim(owner: owner) else { break }
            let task = lease.tasks[0]
            try lease.begin(task)
            try lease.complete(task, artifacts: [ArtifactPayload(name: "decode-check", format: "bench", bytes: Array(repeating: 1, count: 200))], seconds: 0.01)
            claims.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            try lease.release()
        }
        // status from the counters, and as before migration 0008 (counting the rows), on the
        // same file in the same run: the reference. Both must say the same.
        func timedStatus(_ database: ManifestDatabase, countingRows: Bool) throws -> (seconds: Double, status: PipelineStatus) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let status = try database.pipelineStatus(failureLimit: 100, countingRows: countingRows)
            return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, status)
        }
        var statusTimes: [Double] = [], countingTimes: [Double] = []
        var done = 0
        for _ in 0..<statusRuns {
            let counted = try timedStatus(manifest, countingRows: false)
            statusTimes.append(counted.seconds)
            done = counted.status.clips.done
        }
        var recounted: PipelineStatus? = nil
        for _ in 0..<referenceRuns {
            let reference = try timedStatus(manifest, countingRows: true)
            countingTimes.append(reference.seconds)
            recounted = reference.status
        }
        if let recounted, try JSONText.encode(recounted) != JSONText.encode(try manifest.pipelineStatus(failureLimit: 100)) {
            throw ValidationError("status from the counters differs from status counted from the rows:\n\(try manifest.statusCounts())\n\(try manifest.recountStatus())")
        }
        let readOnly = try ManifestDatabase(path: path, readOnly: true)
        let readOnlyStatus = try timedStatus(readOnly, countingRows: false).seconds
        try Self.checkpoint(path)
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let result: [String: Any] = [
            "clips": clips, "clips_done": done, "build_seconds": built, "file_bytes": bytes,
            "bytes_per_clip": Double(bytes) / Double(clips),
            "claim_complete_ms_median": median(claims), "claim_complete_ms_p90": claims.sorted()[claims.count * 9 / 10],
            "status_seconds_median": median(statusTimes), "status_read_only_seconds": readOnlyStatus,
            "status_counting_rows_seconds_median": countingTimes.isEmpty ? NSNull() as Any : median(countingTimes) as Any,
        ]
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "%d clips (%d done), built in %.0f s: %.1f MB, %.0f bytes per clip", clips, done, built, Double(bytes) / 1e6, Double(bytes) / Double(clips)))
            print(String(format: "claim + begin + complete of a task: median %.2f ms, p90 %.2f ms (%d claims)",
                         median(claims), claims.sorted()[claims.count * 9 / 10], claims.count))
            print(String(format: "status from the counters: median %.3f s (%d runs); read-only open %.3f s", median(statusTimes), statusRuns, readOnlyStatus))
            if !countingTimes.isEmpty {
                print(String(format: "status counting the rows (before migration 0008): median %.2f s (%d runs), %.0fx the counters' time",
                             median(countingTimes), countingTimes.count, median(countingTimes) / max(1e-9, median(statusTimes))))
            }
        }
    }

    /// Moves the WAL's pages into the file, so that its size is the manifest's.
    static func checkpoint(_ path: String) throws {
        try DatabaseQueue(path: path).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// A synthetic source `s` with `clips` clips of 48 frames.
    static func source(_ s: Int, clips: Int) throws -> IngestedSource {
        let hash = String(format: "%064x", s + 1)
        let uri = "/corpus/videos/\(s / 1000)/video-\(s).mp4"
        let source = SourceRecord(kind: .video, uri: uri, sha256: hash, bytes: 30_000_000, state: .ingested, runId: nil, ingestedAt: 0)
        let frames = clips * 48
        var video = try VideoRecord(sourceId: 0, viewIndex: 0, viewName: "main", path: uri, sha256: hash, container: "mov,mp4,m4a,3gp,3g2,mj2",
                                    codec: "h264", pixelFormat: "yuv420p", codedWidth: 1920, codedHeight: 1088, width: 1920, height: 1080,
                                    frameRate: 30, frameCount: frames, containerFrameCount: frames, duration: Double(frames) / 30,
                                    rotation: 0, variableFrameRate: false, timeBaseNum: 1, timeBaseDen: 15360,
                                    timestamps: (0..<Int64(frames)).map { $0 * 512 })
        video.fileBytes = 30_000_000; video.fileMtimeNs = 1_700_000_000_000_000_000
        let geometry = "{\"height\":288,\"offsetX\":0,\"offsetY\":0,\"scaleX\":0.26666666666666666,\"scaleY\":0.26666666666666666,\"width\":512}"
        let clipRecords = (0..<clips).map { c in
            ClipRecord(sourceId: 0, clipIndex: c, frameStep: 1, frames: Array(c * 48..<c * 48 + 48), geometryJSON: geometry,
                       storedWidth: 512, storedHeight: 288, scaleX: 0.2667, scaleY: 0.2667, offsetX: 0, offsetY: 0, seed: Int64(s * 1000 + c))
        }
        return IngestedSource(source: source, videos: [video], clips: clipRecords)
    }

    static let clipsPerSource = 100

    /// Sources `range` (of `clips` clips in all) as copies of source 0's rows: the source,
    /// its video, its clips (the last source may have fewer) and their pending tasks.
    func copySources(_ range: Range<Int>, clips: Int, _ manifest: ManifestDatabase) throws {
        let perSource = Self.clipsPerSource
        try manifest.write { db in
            let arguments: StatementArguments = [range.lowerBound, range.upperBound]
            let numbers = "WITH RECURSIVE n(s) AS (SELECT ?1 UNION ALL SELECT s + 1 FROM n WHERE s + 1 < ?2)"
            try db.execute(sql: """
                \(numbers)
                INSERT INTO sources (id, kind, uri, sha256, bytes, state, run_id, ingested_at)
                SELECT t.id + n.s, t.kind, printf('/corpus/videos/%d/video-%d.mp4', n.s / 1000, n.s), printf('%064x', n.s + 1),
                       t.bytes, t.state, t.run_id, t.ingested_at
                FROM n, sources t WHERE t.id = 1 ORDER BY n.s
                """, arguments: arguments)
            try db.execute(sql: """
                \(numbers)
                INSERT INTO videos (source_id, view_index, view_name, path, sha256, container, codec, pixel_format, coded_width, coded_height,
                                    width, height, frame_rate, frame_count, container_frame_count, duration, rotation, variable_frame_rate,
                                    time_base_num, time_base_den, frame_timestamps, calibration, depth, file_bytes, file_mtime_ns)
                SELECT 1 + n.s, v.view_index, v.view_name, printf('/corpus/videos/%d/video-%d.mp4', n.s / 1000, n.s), printf('%064x', n.s + 1),
                       v.container, v.codec, v.pixel_format, v.coded_width, v.coded_height, v.width, v.height, v.frame_rate, v.frame_count,
                       v.container_frame_count, v.duration, v.rotation, v.variable_frame_rate, v.time_base_num, v.time_base_den,
                       v.frame_timestamps, v.calibration, v.depth, v.file_bytes, v.file_mtime_ns
                FROM n, videos v WHERE v.source_id = 1 ORDER BY n.s
                """, arguments: arguments)
            try db.execute(sql: """
                \(numbers)
                INSERT INTO clips (source_id, clip_index, frame_count, frame_step, frame_indices, geometry, stored_width, stored_height,
                                   scale_x, scale_y, offset_x, offset_y, seed)
                SELECT 1 + n.s, c.clip_index, c.frame_count, c.frame_step, c.frame_indices, c.geometry, c.stored_width, c.stored_height,
                       c.scale_x, c.scale_y, c.offset_x, c.offset_y, n.s * 1000 + c.clip_index
                FROM n, clips c WHERE c.source_id = 1 AND c.clip_index < ?3 - n.s * ?4 ORDER BY n.s, c.clip_index
                """, arguments: arguments + [clips, perSource])
            try db.execute(sql: """
                INSERT INTO tasks (clip_id, stage, stage_index, max_attempts)
                SELECT c.id, t.stage, t.stage_index, t.max_attempts
                FROM clips c, tasks t JOIN clips tc ON tc.id = t.clip_id AND tc.source_id = 1 AND tc.clip_index = 0
                WHERE c.source_id > ?1 AND c.source_id <= ?2 ORDER BY c.id, t.stage_index
                """, arguments: arguments)
        }
    }

    /// Finishes the first `clips` clips as sealing leaves them (SQL, in one transaction).
    func finish(_ manifest: ManifestDatabase, clips: Int) throws {
        // Metadata as a real run stores it (the teacher's provenance, the quality totals), and
        // what each such artifact adds to status (ArtifactCounters).
        let teacher = "{\"draw\":{\"choose\":\"random\",\"ensemble\":[\"klt-offline\"],\"weights\":[1]},\"params\":{\"window\":\"21\"},\"teacher\":\"klt-offline\",\"version\":\"1\"}"
        let labels = "{\"quality\":{\"checker\":\"flow\",\"labels_in\":49152,\"labels_out\":40731,\"labels_removed\":{\"agreement\":3120,\"appearance\":2210,\"cycle\":1400,\"duplicates\":512,\"motion\":700,\"visibility\":479},\"occluded_out\":2731,\"tracks_in\":1024,\"tracks_out\":902,\"tracks_removed\":{\"short-track\":122},\"visible_out\":38000}}"
        let counts = [("tracks", ArtifactCounters.counting("tracks", teacher)), ("labels", ArtifactCounters.counting("labels", labels))]
        guard counts[0].1["teachers", "klt-offline"] == 1, counts[1].1["quality", "clips"] == 1 else {
            throw ValidationError("the bench's artifact metadata no longer reads as the pipeline's provenance")
        }
        try manifest.write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(sql: """
                UPDATE tasks SET state = 'done', attempts = 1, lease_owner = 'node-001:12345', started_at = ?, finished_at = ?, seconds = 0.5
                WHERE clip_id <= ?
                """, arguments: [now, now, clips])
            try db.execute(sql: """
                INSERT INTO task_attempts (task_id, attempt, lease_owner, lease_token, started_at, ended_at, outcome)
                SELECT id, 1, 'node-001:12345', hex(randomblob(16)), ?, ?, 'done' FROM tasks WHERE clip_id <= ?
                """, arguments: [now, now, clips])
            try db.execute(sql: """
                INSERT INTO artifacts (clip_id, stage, name, format, compression, raw_bytes, sha256, data, created_at, metadata)
                SELECT clip_id, stage, CASE stage WHEN 'teacher' THEN 'tracks' WHEN 'quality' THEN 'labels' ELSE stage END,
                       stage || '.v1', 'dropped', 50000 + clip_id % 1000, lower(hex(randomblob(32))), x'', ?,
                       CASE stage WHEN 'teacher' THEN ? WHEN 'quality' THEN ? ELSE NULL END
                FROM tasks WHERE clip_id <= ? AND stage != 'shards'
                """, arguments: [now, teacher, labels, clips])
            for (name, artifactCounts) in counts {
                for (counter, keys) in artifactCounts.counts {
                    for (key, n) in keys {
                        try db.execute(sql: """
                            INSERT INTO artifact_counts (artifact_id, counter, key, n) SELECT id, ?, ?, ? FROM artifacts WHERE name = ?
                            """, arguments: [counter, key, n, name])
                    }
                }
            }
            try db.execute(sql: """
                INSERT INTO shards (directory, shard_index, basename, samples, raw_bytes, raw_sha1, zip_bytes, zip_sha1, entry, lease_owner, sealed_at)
                SELECT '/shared/out/part-00000', k, printf('shard.%05d.mds.zstd', k), 100, 60000000, lower(hex(randomblob(20))),
                       19000000, lower(hex(randomblob(20))), '{"column_encodings":["..."]}', 'node-001:12345', ?
                FROM (WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?) SELECT k FROM n)
                """, arguments: [now, (clips + 99) / 100])
            try db.execute(sql: """
                INSERT INTO shard_samples (shard_id, sample_index, clip_id, tracks)
                SELECT (clip_id - 1) / 100 + 1, (clip_id - 1) % 100, clip_id, 900 FROM tasks WHERE clip_id <= ? AND stage = 'shards'
                """, arguments: [clips])
        }
    }
}
