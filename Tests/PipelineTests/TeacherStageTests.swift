import GRDB
import Ingest
import Manifest
import Pipeline
import PipelineDefinition
import Synthetic
import Teachers
import VideoIO
import XCTest

final class TeacherStageTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-teacher-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/videos", withIntermediateDirectories: true)
        var clip = SyntheticClip(width: 192, height: 128, frameCount: 60, seed: 4)
        clip.velocityX = 2; clip.velocityY = 1
        try clip.write(to: directory + "/videos/pan.mp4", settings: VideoEncoderSettings(codec: .h264, width: 192, height: 128))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func run(_ yaml: String, manifest name: String) throws -> ManifestDatabase {
        let definition = try PipelineDefinition.parse(yaml)
        let manifest = try ManifestDatabase(path: "\(directory!)/\(name).sqlite")
        try manifest.adopt(ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                            seed: definition.seed, stageNames: definition.stages))
        _ = try Ingestor(manifest: manifest, pipeline: definition).ingest(try Ingestor.expand(["\(directory!)/videos"]), runId: nil)
        _ = try StageRunner(manifest: manifest, pipeline: definition, runId: nil).run()
        return manifest
    }

    private static let base = """
        seed: 11
        stages: [points, teacher]
        clips: {length: 12, min_length: 12}
        points: {count: 48, frames: 3, min_points: 8}
        """

    /// (clip id, teacher) of every `tracks` artifact.
    private func draws(_ manifest: ManifestDatabase) throws -> [Int64: String] {
        let rows = try manifest.read { try Row.fetchAll($0, sql: "SELECT clip_id, json_extract(metadata, '$.teacher') AS teacher FROM artifacts WHERE name = 'tracks'") }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["clip_id"] as Int64, $0["teacher"] as String) })
    }

    func testEachClipGetsADrawnTeacherRecordedAndReproducible() throws {
        let yaml = Self.base + "\nteachers: [{name: klt-online}, {name: flow, weight: 3}]\n"
        let first = try run(yaml, manifest: "a"), second = try run(yaml, manifest: "b")
        let a = try draws(first), b = try draws(second)
        XCTAssertEqual(a.count, 5, "60 frames in clips of 12")
        XCTAssertEqual(a, b, "the same seed draws the same teacher for every clip")
        XCTAssertTrue(Set(a.values).isSubset(of: ["klt-online", "flow"]))
        XCTAssertEqual(try first.pipelineStatus().teachers, Dictionary(grouping: a.values, by: { $0 }).mapValues(\.count))
        // Labels: shapes and the query frame agree with the points artifact.
        let clip = a.keys.min()!
        let artifact = try XCTUnwrap(try first.artifact(clip: clip, name: "tracks"))
        XCTAssertEqual(artifact.format, "tracks.v1+safetensors")
        let (labels, metadata) = try TracksArtifact<TeacherProvenance>.labelsAndProvenance(try artifact.payload())
        let queries = try PointsArtifact.queries(try XCTUnwrap(try first.artifact(clip: clip, name: "points")).payload())
        XCTAssertEqual(labels.frames, 12)
        XCTAssertEqual(labels.points, queries.count)
        for (n, q) in queries.enumerated() {
            let p = labels.position(t: q.t, n: n)
            XCTAssertEqual(p.x, q.x, accuracy: 1e-4); XCTAssertEqual(p.y, q.y, accuracy: 1e-4)
            XCTAssertTrue(labels.valid[q.t * labels.points + n] && labels.visible[q.t * labels.points + n])
        }
        XCTAssertEqual(metadata.teacher, a[clip])
        XCTAssertEqual(metadata.draw, TeacherProvenance.Draw(choose: "random", ensemble: ["klt-online", "flow"], weights: [1, 3]))
        // The weights steer the draw: over many clips' seeds flow (weight 3) wins about 3/4.
        var ensemble = TeacherEnsemble()
        ensemble.members = [TeacherEntry(name: "klt-online"), TeacherEntry(name: "flow", weight: 3)]
        let share = Double((0..<4000).filter { ensemble.draw(Double($0) / 4000) == 1 }.count) / 4000
        XCTAssertEqual(share, 0.75, accuracy: 0.001)
    }

    func testChooseAllStoresEveryTeachersLabels() throws {
        let manifest = try run(Self.base + "\nteachers: [{name: klt-online}, {name: template}]\nteacher: {choose: all}\n", manifest: "all")
        let names = try manifest.read { try String.fetchAll($0, sql: "SELECT DISTINCT name FROM artifacts ORDER BY name") }
        XCTAssertEqual(names, ["points", "tracks", "tracks.klt-online", "tracks.template"])
        let counts = try manifest.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM tasks WHERE stage = 'teacher' AND state = 'done'") }
        XCTAssertEqual(counts, 5)
    }

    func testPipelineErrorsNameTheKey() {
        XCTAssertThrowsError(try PipelineDefinition.parse("stages: [teacher]")) { error in
            XCTAssertTrue("\(error)".contains("'teacher' reads 'points'"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineDefinition.parse("teachers: [{name: cotracker3}]")) { error in
            XCTAssertTrue("\(error)".contains("teachers[0].name") && "\(error)".contains("needs a command"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineDefinition.parse("teachers: [{name: flow, timeout: 3}]")) { error in
            XCTAssertTrue("\(error)".contains("teachers[0].timeout"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineDefinition.parse("teacher: {choose: best}")) { error in
            XCTAssertTrue("\(error)".contains("teacher.choose"), "\(error)")
        }
        XCTAssertNoThrow(try PipelineDefinition.parse("teachers: [{name: lk, command: [python3, ops/teachers/opencv_lk.py], weight: 2}]"))
    }
}
