import Features
import GRDB
import Imaging
import Ingest
import Manifest
import Pipeline
import PipelineDefinition
import Seeding
import Synthetic
import VideoIO
import XCTest

final class PointsStageTests: XCTestCase {
    func testArtifactRoundTripsAndTooFewPointsSkips() throws {
        let frames = SyntheticClip(width: 160, height: 120, frameCount: 12).frames().map { $0.grey() }
        let clip = ClipRecord(sourceId: 1, clipIndex: 0, frameStep: 1, frames: Array(0..<12), geometryJSON: "{}",
                              storedWidth: 160, storedHeight: 120, scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0, seed: 0)
        let stage = PointsStage(configuration: PointsConfiguration())
        let outcome = try stage.run(StageInput(clip: clip, grey: frames, rgb: nil, artifacts: [:], random: SeededGenerator(seed: 5)))
        guard case .done(let artifacts) = outcome else { return XCTFail("\(outcome)") }
        let queries = try PointsArtifact.queries(artifacts[0].bytes)
        XCTAssertGreaterThan(queries.count, 32)
        let bundle = try TensorBundle(decoding: artifacts[0].bytes)
        XCTAssertEqual(bundle.shape("queries"), [queries.count, 3])
        XCTAssertEqual(bundle.metadata["source_codes"], "0=sift,1=shi-tomasi,2=grid")

        let flat = [GreyImage](repeating: GreyImage(width: 160, height: 120, value: 60), count: 12)
        let skipped = try stage.run(StageInput(clip: clip, grey: flat, rgb: nil, artifacts: [:], random: SeededGenerator(seed: 5)))
        guard case .skipped(let reason, _) = skipped else { return XCTFail("\(skipped)") }
        XCTAssertTrue(reason.hasPrefix("too-few-trackable-points: 0 found"), reason)
    }

    func testARigsQueriesAreSelectedInEveryViewOrInTheReferenceView() throws {
        let a = SyntheticClip(width: 160, height: 120, frameCount: 12, seed: 2).frames().map { $0.grey() }
        let b = SyntheticClip(width: 160, height: 120, frameCount: 12, seed: 9).frames().map { $0.grey() }
        let clip = ClipRecord(sourceId: 1, clipIndex: 0, frameStep: 1, frames: Array(0..<12), geometryJSON: "{}",
                              storedWidth: 160, storedHeight: 120, scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0, seed: 0)
        let input = StageInput(clip: clip, views: [ClipView(name: "left", grey: a), ClipView(name: "right", grey: b)],
                               artifacts: [:], random: SeededGenerator(seed: 5))
        var configuration = PointsConfiguration()
        configuration.selection.count = 100
        guard case .done(let all) = try PointsStage(configuration: configuration).run(input) else { return XCTFail() }
        let views = try PointsArtifact.views(all[0].bytes)
        XCTAssertEqual(Set(views), [0, 1])
        XCTAssertLessThanOrEqual(views.filter { $0 == 0 }.count, 50, "the count is split between the views")
        XCTAssertEqual(views.count, try PointsArtifact.queries(all[0].bytes).count)

        configuration.referenceView = "right"
        guard case .done(let one) = try PointsStage(configuration: configuration).run(input) else { return XCTFail() }
        XCTAssertEqual(Set(try PointsArtifact.views(one[0].bytes)), [1])
        configuration.referenceView = "middle"
        XCTAssertThrowsError(try PointsStage(configuration: configuration).run(input)) { XCTAssertTrue("\($0)".contains("no view 'middle'"), "\($0)") }
    }

    func testPointsRunInsideTheWorker() throws {
        let directory = NSTemporaryDirectory() + "pt-points-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SyntheticClip(width: 160, height: 120, frameCount: 48, seed: 8)
            .write(to: directory + "/v.mp4", settings: VideoEncoderSettings(codec: .h264, width: 160, height: 120))
        let definition = try PipelineDefinition.parse("""
            stages: [decode-check, points]
            clips: {length: 24}
            points: {count: 64}
            """)
        let manifest = try ManifestDatabase(path: directory + "/m.sqlite")
        try manifest.adopt(ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                            seed: definition.seed, stageNames: definition.stages))
        _ = try Ingestor(manifest: manifest, pipeline: definition).ingest([directory + "/v.mp4"], runId: nil)
        _ = try StageRunner(manifest: manifest, pipeline: definition, runId: nil).run()
        XCTAssertEqual(try manifest.status().clips.done, 2)
        for clip in 1...2 {
            let artifact = try XCTUnwrap(try manifest.artifact(clip: Int64(clip), name: "points"))
            XCTAssertEqual(artifact.format, "points.v1+safetensors")
            let queries = try PointsArtifact.queries(try artifact.payload())
            XCTAssertEqual(queries.count, 64)
            XCTAssertTrue(queries.allSatisfy { $0.t < 6 })
        }
    }
}
