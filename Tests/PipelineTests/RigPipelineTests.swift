import Foundation
import Geometry
import Ingest
import Manifest
import Pipeline
import PipelineDefinition
import Shards
import Synthetic
import VideoIO
import XCTest

/// Rig directories: ingest checks, and the default pipeline end to end on a ray-cast RGB-D
/// rig whose 3D ground truth is exact, scored as ../shared/bench/score_rig.py scores.
final class RigPipelineTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-rig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// The default pipeline with 16-frame clips (8 at least) and `count` points.
    func defaultPipeline(count: Int = 384) throws -> PipelineDefinition {
        let text = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/PipelineTests/RigPipelineTests.swift",
                                                                           with: "Pipelines/default.yaml"), encoding: .utf8)
        let definition = try PipelineDefinition.parse(text.replacingOccurrences(of: "  length: 48 ", with: "  length: 16 ")
            .replacingOccurrences(of: "  min_length: 24 ", with: "  min_length: 8 ")
            .replacingOccurrences(of: "  count: 2048 ", with: "  count: \(count) "))
        // The edits matched default.yaml's lines (a changed default would otherwise slip through).
        XCTAssertEqual(definition.clips.length, 16, "default.yaml's clips.length line changed")
        XCTAssertEqual(definition.clips.minLength, 8, "default.yaml's clips.min_length line changed")
        XCTAssertEqual(definition.points.selection.count, count, "default.yaml's points.count line changed")
        return definition
    }

    func manifest(_ definition: PipelineDefinition) throws -> ManifestDatabase {
        let manifest = try ManifestDatabase(path: directory + "/m.sqlite")
        try manifest.adopt(ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                            seed: definition.seed, stageNames: definition.stages))
        return manifest
    }

    /// Ingests the rig at `directory/rig` as one clip, labels it with `definition`, checks that
    /// the clip finished and its shard verifies, and returns the one sample with its columns.
    func labelRig(_ definition: PipelineDefinition) throws -> (sample: [String: MDSValue], columns: [String]) {
        let manifest = try manifest(definition)
        let summary = try Ingestor(manifest: manifest, pipeline: definition).ingest([directory + "/rig"], runId: nil)
        XCTAssertEqual(summary.clips, 1, "\(summary.failed)")
        let output = try ShardOutput(path: directory + "/out", manifest: manifest)
        let totals = try StageRunner(manifest: manifest, pipeline: definition, runId: nil, output: output).run()
        let failures = try manifest.status().failures
        XCTAssertEqual(totals.clipsFinished, 1, "\(failures)")
        XCTAssertEqual(ShardVerifier(output: output).verify().errors, [])
        try assertStatedCountsAreThoseOfMigration0008(manifest)
        let entry = try XCTUnwrap(try MDSIndex(directory: output.directory).entries.first)
        return (try XCTUnwrap(try MDSShardReader.read(entry, in: output.directory).first), entry.columns.names)
    }

    func editJSON(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    func testIngestChecksEachRigAndGoesOn() throws {
        var scene = RigScene()
        scene.width = 64; scene.height = 48; scene.frameCount = 8; scene.views = 2
        let rigs = directory + "/rigs"
        for name in ["good", "counts", "depth-size", "depth-missing", "singular", "reflection"] { try scene.write(to: "\(rigs)/\(name)") }
        var shorter = scene; shorter.frameCount = 6
        try shorter.write(to: directory + "/short")
        try FileManager.default.removeItem(atPath: "\(rigs)/counts/cam1.mp4")
        try FileManager.default.copyItem(atPath: directory + "/short/cam1.mp4", toPath: "\(rigs)/counts/cam1.mp4")
        try Grey16PNG.write(Grey16Image(width: 10, height: 10, values: [UInt16](repeating: 1000, count: 100)), to: "\(rigs)/depth-size/cam0_depth/00000.png")
        try FileManager.default.removeItem(atPath: "\(rigs)/depth-missing/cam1_depth/00005.png")
        try editJSON("\(rigs)/singular/rig.json") { rig in
            var cameras = rig["cameras"] as! [[String: Any]]
            cameras[1]["K"] = [[100, 0, 30], [200, 0, 20], [0, 0, 1]]
            rig["cameras"] = cameras
        }
        try editJSON("\(rigs)/reflection/rig.json") { rig in
            var cameras = rig["cameras"] as! [[String: Any]]
            cameras[0]["extrinsics_w2c"] = [[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3]]
            rig["cameras"] = cameras
        }
        var clip = SyntheticClip(width: 96, height: 64, frameCount: 40, seed: 3)
        clip.velocityX = 1
        try clip.write(to: directory + "/plain.mp4", settings: VideoEncoderSettings(codec: .h264, width: 96, height: 64))

        let definition = try defaultPipeline()
        let manifest = try manifest(definition)
        let paths = try Ingestor.expand([rigs, directory + "/plain.mp4"])
        XCTAssertEqual(paths.count, 7, "each rig directory is one source: \(paths)")
        let summary = try Ingestor(manifest: manifest, pipeline: definition).ingest(paths, runId: nil)
        XCTAssertEqual(summary.ingested, 2)
        let failures = Dictionary(uniqueKeysWithValues: summary.failed.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        XCTAssertEqual(Set(failures.keys), ["counts", "depth-size", "depth-missing", "singular", "reflection"])
        func expect(_ rig: String, _ parts: [String]) {
            guard let failure = failures[rig] else { return XCTFail("\(rig) ingested") }
            XCTAssertEqual(failure.kind, "rig-invalid")
            for part in parts { XCTAssertTrue(failure.error.contains(part), "\(rig): '\(failure.error)' lacks '\(part)'") }
        }
        expect("counts", ["different frame counts", "cam0 8", "cam1 6"])
        expect("depth-size", ["depth-size/cam0_depth/00000.png", "10x10", "64x48"])
        expect("depth-missing", ["depth-missing/cam1_depth/00005.png", "missing"])
        expect("singular", ["rig.json", "camera 1", "singular"])
        expect("reflection", ["rig.json", "camera 0", "not a rotation"])

        let sources = try manifest.read { try SourceRecord.fetchAll($0, sql: "SELECT * FROM sources WHERE state = 'ingested' ORDER BY kind") }
        XCTAssertEqual(sources.map(\.kind), [.rig, .video])
        let views = try manifest.videos(ofSource: sources[0].id!)
        XCTAssertEqual(views.map(\.viewName), ["cam0", "cam1"])
        XCTAssertTrue(views.allSatisfy { $0.calibration != nil && $0.depth != nil })
        XCTAssertEqual(try manifest.status().failures.count, 5)
    }

    func testTheDefaultPipelineLabelsARigIn3DAgainstGroundTruth() throws {
        var scene = RigScene()
        scene.width = 160; scene.height = 120; scene.frameCount = 16; scene.views = 3
        try scene.write(to: directory + "/rig")
        let definition = try defaultPipeline(count: 192)
        let (sample, columns) = try labelRig(definition)
        XCTAssertEqual(columns, ["confidence", "meta", "queries", "query_view", "tracks", "tracks3d", "tracks_views",
                                "valid", "video_mp4", "visibility", "visibility_views"])
        guard case .array(let tracks3d)? = sample["tracks3d"], case .array(let valid)? = sample["valid"],
              case .array(let queries)? = sample["queries"], case .array(let queryView)? = sample["query_view"],
              case .array(let visibilityViews)? = sample["visibility_views"], case .array(let tracksViews)? = sample["tracks_views"],
              case .json(let metaText)? = sample["meta"] else { return XCTFail("columns") }
        let t = tracks3d.shape[0], n = tracks3d.shape[1], v = scene.views
        XCTAssertEqual(tracksViews.shape, [v, t, n, 2])
        let meta = try JSONSerialization.jsonObject(with: Data(metaText.utf8)) as! [String: Any]
        let rig = try XCTUnwrap(meta["rig"] as? [String: Any])
        XCTAssertEqual((rig["views"] as? [[String: Any]])?.map { $0["name"] as? String }, ["cam0", "cam1", "cam2"])
        let x3 = tracks3d.floats, q = queries.floats, xy = tracksViews.floats
        let home: [Int] = queryView.data.withUnsafeBytes { raw in (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) } }
        XCTAssertEqual(Set(home), [0, 1, 2], "queries in every view")
        var errors: [Double] = [], seen = 0, recalled = 0, claimed = 0, right = 0, pixelErrors: [Double] = []
        for p in 0..<n {
            let qt = Int(q[3 * p])
            guard let truth = scene.surfaceTrack(view: home[p], frame: qt, x: Double(q[3 * p + 1]), y: Double(q[3 * p + 2])) else { continue }
            for f in 0..<t {
                let i = f * n + p
                let visible = (0..<v).map { scene.isVisible(truth[f], view: $0, frame: f) }
                let label = SIMD3<Double>(Double(x3[3 * i]), Double(x3[3 * i + 1]), Double(x3[3 * i + 2]))
                let d: SIMD3<Double> = label - truth[f]
                let error = (d * d).sum().squareRoot()
                if visible.contains(true) { seen += 1; if valid.data[i] == 1 && error < 0.05 { recalled += 1 } }
                guard valid.data[i] == 1 else { continue }
                errors.append(error)
                for w in 0..<v where visibilityViews.data[(w * t + f) * n + p] == 1 {
                    claimed += 1
                    if visible[w] {
                        right += 1
                        let o = (w * t + f) * n + p
                        let pixel = scene.cameras()[w].project(truth[f]).pixel
                        let e: SIMD2<Double> = (SIMD2<Double>(Double(xy[2 * o]), Double(xy[2 * o + 1])) - pixel) * (256.0 / 160)
                        pixelErrors.append((e * e).sum().squareRoot())
                    }
                }
            }
        }
        errors.sort()
        let median = errors[errors.count / 2], within5 = Double(errors.filter { $0 < 0.05 }.count) / Double(errors.count)
        let recall = Double(recalled) / Double(seen), precision = Double(right) / Double(claimed)
        let within2px = Double(pixelErrors.filter { $0 <= 2 }.count) / Double(pixelErrors.count)
        print("rig pipeline: \(n) points, \(errors.count) 3D labels, median error \(median * 100) cm, within 5 cm \(within5), recall_5cm \(recall), view visibility precision \(precision), view within 2 px \(within2px)")
        XCTAssertGreaterThan(n, 40)
        // Measured: median 0.12 cm, within 5 cm 0.997, recall 0.92, precision 0.997, within 2 px 0.995.
        XCTAssertLessThan(median, 0.005)
        XCTAssertGreaterThan(within5, 0.98)
        XCTAssertGreaterThan(recall, 0.8)
        XCTAssertGreaterThan(precision, 0.98)
        XCTAssertGreaterThan(within2px, 0.97)
    }

    /// shards.depth: true gives rig samples `depth_views`, each view's depth in millimetres at
    /// the stored pixels: here the rig's own depth PNGs (stored size = source size).
    func testRigShardsCarryDepthWhenThePipelineAsks() throws {
        var scene = RigScene()
        scene.width = 160; scene.height = 120; scene.frameCount = 16; scene.views = 2
        try scene.write(to: directory + "/rig")
        let base = try defaultPipeline(count: 128)
        let definition = try PipelineDefinition.parse(base.text.replacingOccurrences(of: "  depth: false ", with: "  depth: true "))
        XCTAssertTrue(definition.shards.depth)
        let (sample, columns) = try labelRig(definition)
        XCTAssertTrue(columns.contains("depth_views"))
        guard case .array(let depth)? = sample["depth_views"], case .array(let tracks)? = sample["tracks"] else { return XCTFail("columns") }
        let t = tracks.shape[0]
        XCTAssertEqual(depth.dtype, .uint16)
        XCTAssertEqual(depth.shape, [2, t, 120, 160])
        let values = depth.data.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        for v in 0..<2 {
            for f in [0, t - 1] {
                let png = try Grey16PNG.read(String(format: "%@/rig/cam%d_depth/%05d.png", directory, v, f))
                XCTAssertEqual(Array(values[((v * t + f) * 120 * 160)..<((v * t + f + 1) * 120 * 160)]), png.values, "view \(v) frame \(f)")
            }
        }
    }

    /// Calibrated views without depth: a query is placed in 3D only where its own view and
    /// at least two others find it (by guided SIFT matching along its epipolar lines, or by
    /// patch correlation near its placed neighbours' surface: SurfacePropagation); labels
    /// where the views that found it triangulate consistently. No label may be wrong: every written 3D label within 5 cm of the truth,
    /// and meta.quality says each one was triangulated.
    func testARigWithoutDepthWritesNoWrong3DLabel() throws {
        var scene = RigScene()
        scene.width = 240; scene.height = 180; scene.frameCount = 16; scene.views = 4; scene.spread = 1.5
        try scene.write(to: directory + "/rig", depthViews: [])
        // A clip with few tracks is still a sample here: this test is about the labels written.
        let definition = try PipelineDefinition.parse(try defaultPipeline(count: 768).text.replacingOccurrences(of: "  min_tracks: 16 ", with: "  min_tracks: 4 "))
        XCTAssertEqual(definition.quality.minTracks, 4)
        let (sample, _) = try labelRig(definition)
        guard case .array(let tracks3d)? = sample["tracks3d"], case .array(let valid)? = sample["valid"],
              case .array(let queries)? = sample["queries"], case .array(let queryView)? = sample["query_view"],
              case .json(let metaText)? = sample["meta"] else { return XCTFail("columns") }
        let t = tracks3d.shape[0], n = tracks3d.shape[1]
        let x3 = tracks3d.floats, q = queries.floats
        let home: [Int] = queryView.data.withUnsafeBytes { raw in (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) } }
        let meta = try JSONSerialization.jsonObject(with: Data(metaText.utf8)) as! [String: Any]
        let quality = try XCTUnwrap(meta["quality"] as? [String: Any])
        let source = try XCTUnwrap(quality["label_source"] as? [[Int]])
        XCTAssertEqual(source.count, t)
        var errors: [Double] = []
        for p in 0..<n {
            let truth = scene.surfaceTrack(view: home[p], frame: Int(q[3 * p]), x: Double(q[3 * p + 1]), y: Double(q[3 * p + 2]))
            for f in 0..<t {
                XCTAssertEqual(source[f][p] >= 2, valid.data[f * n + p] == 1, "a label is triangulated from two or more views, no other value is written")
                guard valid.data[f * n + p] == 1 else { continue }
                guard let truth else { errors.append(.infinity); continue }   // a label for a pixel that shows nothing
                let label = SIMD3<Double>(Double(x3[3 * (f * n + p)]), Double(x3[3 * (f * n + p) + 1]), Double(x3[3 * (f * n + p) + 2]))
                let d: SIMD3<Double> = label - truth[f]
                errors.append((d * d).sum().squareRoot())
            }
        }
        let made = try XCTUnwrap(quality["labels_made"] as? [String: Int])
        XCTAssertEqual(made.values.reduce(0, +), errors.count)
        XCTAssertNil(made["depth"])
        errors.sort()
        let median = errors[errors.count / 2], within5 = Double(errors.filter { $0 < 0.05 }.count) / Double(errors.count)
        print("rig without depth: \(n) points, \(errors.count) 3D labels, median error \(median * 100) cm, within 5 cm \(within5), largest \((errors.last ?? 0) * 100) cm, made \(made)")
        // Measured: 128 points, 2018 labels, median 0.10 cm, largest 2.2 cm (23 points before
        // SurfacePropagation; 139 points and 5.6 cm before a view had to correlate best near
        // the depth chosen; 37-50 points and up to 5.5 cm under other rounding modes before
        // triangulations that one pixel moves by more than 2.5 cm were refused).
        XCTAssertGreaterThanOrEqual(n, 48)
        XCTAssertLessThan(median, 0.01)
        XCTAssertLessThan(errors.last ?? 0, 0.05, "every written 3D label within 5 cm")
    }
}
