import GRDB
import Ingest
import Manifest
import Pipeline
import PipelineDefinition
import Synthetic
import VideoIO
import XCTest

final class IngestAndRunTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-pipeline-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/videos/nested", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func write(_ clip: SyntheticClip, _ name: String) throws -> String {
        let path = "\(directory!)/videos/\(name)"
        try clip.write(to: path, settings: VideoEncoderSettings(codec: .h264, width: clip.width, height: clip.height))
        return path
    }

    private func pipeline() throws -> PipelineDefinition {
        try PipelineDefinition.parse("""
            seed: 3
            stages: [decode-check]
            clips: {length: 16, min_length: 8, frame_step: {min: 1, max: 2}, resolution: {mode: max_side, max_side: 96}}
            """)
    }

    private func corpus() throws {
        _ = try write(SyntheticClip(width: 160, height: 96, frameCount: 70, seed: 1), "pan.mp4")
        var cut = SyntheticClip(width: 128, height: 96, frameCount: 40, seed: 2)
        cut.events = [.sceneCut(atFrame: 20)]
        _ = try write(cut, "nested/cut.mkv")
        try FileManager.default.copyItem(atPath: "\(directory!)/videos/pan.mp4", toPath: "\(directory!)/videos/nested/pan-copy.mp4")
        FileManager.default.createFile(atPath: "\(directory!)/videos/empty.mp4", contents: Data())
        try "not a video".write(toFile: "\(directory!)/videos/notes.mp4", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: "\(directory!)/videos/readme.txt", atomically: true, encoding: .utf8)
    }

    private func ingestAndRun(_ manifestPath: String) throws -> (IngestSummary, ManifestDatabase) {
        let manifest = try ManifestDatabase(path: manifestPath)
        let definition = try pipeline()
        try manifest.adopt(ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                            seed: definition.seed, stageNames: definition.stages))
        let files = try Ingestor.expand(["\(directory!)/videos"])
        let summary = try Ingestor(manifest: manifest, pipeline: definition).ingest(files, runId: nil)
        _ = try StageRunner(manifest: manifest, pipeline: definition, runId: nil).run()
        return (summary, manifest)
    }

    func testIngestRecordsGoodDuplicateAndBadFilesThenRunFinishesEveryClip() throws {
        try corpus()
        let (summary, manifest) = try ingestAndRun("\(directory!)/m.sqlite")
        XCTAssertEqual(summary.ingested, 2)
        // The copy and the original have the same content: whichever came second is the duplicate.
        XCTAssertEqual(summary.duplicates.count, 1)
        XCTAssertEqual(Set([summary.duplicates[0].path, summary.duplicates[0].duplicateOf].map { URL(fileURLWithPath: $0).lastPathComponent }),
                       ["pan.mp4", "pan-copy.mp4"])
        XCTAssertEqual(Set(summary.failed.map(\.kind)), ["empty", "not-a-media-file"])
        XCTAssertTrue(summary.failed.allSatisfy { $0.error.contains($0.path) })

        let status = try manifest.status()
        XCTAssertEqual(status.videos.total, 5)
        XCTAssertEqual(status.videos.failed, 2)
        XCTAssertEqual(status.clips.pending + status.clips.running + status.clips.failed, 0)
        XCTAssertEqual(status.clips.done + status.clips.skipped, status.clips.total)
        XCTAssertEqual(status.clips.skipped, 1, "the clip spanning the cut")
        XCTAssertTrue(status.skipped.first?.reason.hasPrefix("scene-cut") ?? false, "\(status.skipped)")

        // Clip frames: exact source indices, stored geometry scaled to max side 96.
        let clips = try manifest.read { try ClipRecord.fetchAll($0, sql: "SELECT * FROM clips ORDER BY source_id, clip_index") }
        XCTAssertEqual(clips.count, summary.clips)
        XCTAssertEqual(Set(clips.map { "\($0.storedWidth)x\($0.storedHeight)" }), ["96x58", "96x72"],
                       "160x96 and 128x96 scaled to a longer side of 96, even sides")
        let pan = clips.filter { $0.storedHeight == 58 }
        XCTAssertGreaterThanOrEqual(pan.count, 2, "70 frames in clips spanning at most 31 (the frame steps are drawn)")
        for clip in pan {
            let f = clip.frames
            XCTAssertTrue(f.count >= 8 && f.count <= 16)
            XCTAssertEqual(Set(zip(f, f.dropFirst()).map { $1 - $0 }), [clip.frameStep])
            XCTAssertLessThan(f.last!, 70)
        }

        // Ingesting again adds nothing.
        let again = try Ingestor(manifest: manifest, pipeline: try pipeline()).ingest(try Ingestor.expand(["\(directory!)/videos"]), runId: nil)
        XCTAssertEqual(again.ingested, 0)
        XCTAssertEqual(again.alreadyIngested, 2)
        XCTAssertEqual(try manifest.status().clips.total, status.clips.total)
    }

    func testResultsDoNotDependOnTheRun() throws {
        try corpus()
        let (_, first) = try ingestAndRun("\(directory!)/one.sqlite")
        let (_, second) = try ingestAndRun("\(directory!)/two.sqlite")
        let query = "SELECT c.clip_index, s.sha256, c.frame_indices, a.sha256 AS artifact FROM artifacts a JOIN clips c ON c.id = a.clip_id JOIN sources s ON s.id = c.source_id ORDER BY s.sha256, c.clip_index"
        let a = try first.read { try Row.fetchAll($0, sql: query) }
        let b = try second.read { try Row.fetchAll($0, sql: query) }
        XCTAssertFalse(a.isEmpty)
        XCTAssertEqual(a, b)
    }
}
