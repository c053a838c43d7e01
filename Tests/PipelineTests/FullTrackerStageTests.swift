import Features
import Imaging
import Labelling
import Manifest
import Pipeline
import PipelineDefinition
import Seeding
import Synthetic
import Teachers
import XCTest

final class FullTrackerStageTests: XCTestCase {
    /// With the quality stage's short-track rule, the checker tracks only the queries whose
    /// teacher labels can still pass it; the others have no label in `tracks.check`, and the
    /// tracked ones get the same labels as when every query is tracked.
    func testTheCheckerSkipsQueriesTheShortTrackRuleDropsWhateverItSays() throws {
        let frames = SyntheticClip(width: 160, height: 120, frameCount: 12, seed: 4).frames().map { $0.grey() }
        let clip = ClipRecord(sourceId: 1, clipIndex: 0, frameStep: 1, frames: Array(0..<12), geometryJSON: "{}",
                              storedWidth: 160, storedHeight: 120, scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0, seed: 0)
        let queries = (0..<6).map { k in Query(t: 0, x: Float(40 + 16 * k), y: 60, sigma: 1.6, orientation: 0, response: 1, source: .grid) }
        // The teacher sees points 0, 2, 4 in every frame and points 1, 3, 5 only at their query.
        var teacher = TeacherTracks(frames: 12, points: 6)
        for f in 0..<12 { for (n, q) in queries.enumerated() { teacher.set(t: f, n: n, position: SIMD2(q.x, q.y), visible: n % 2 == 0 || f == 0, confidence: 1) } }
        let provenance = TeacherProvenance(teacher: "klt-online", version: "1", params: [:],
                                           draw: .init(choose: "uniform", ensemble: ["klt-online"], weights: [1]))
        let input = StageInput(clip: clip, grey: frames, rgb: nil,
                               artifacts: [PointsArtifact.name: PointsArtifact(queries: queries).encoded(),
                                           "tracks": TracksArtifact(labels: teacher, provenance: provenance).encoded()],
                               random: SeededGenerator(seed: 1))
        func check(_ stage: FullTrackerStage) throws -> TeacherTracks {
            let outcome = try stage.run(input)
            guard case .done(let artifacts) = outcome else { throw StageError.configuration(key: "test", message: "\(outcome)") }
            return try TracksArtifact<CheckerProvenance>(decoding: artifacts[0].bytes).labels
        }
        let all = try check(FullTrackerStage(configuration: FullTrackerConfiguration()))
        let some = try check(FullTrackerStage(configuration: FullTrackerConfiguration(), shortTrack: ShortTrackRule(minFrames: 8)))
        for f in 0..<12 {
            for n in 0..<6 {
                let i = f * 6 + n
                if n % 2 == 1 {
                    XCTAssertTrue(all.valid[i])
                    XCTAssertFalse(some.valid[i], "point \(n) cannot keep 8 labels: not tracked again")
                } else {
                    XCTAssertEqual(some.valid[i], all.valid[i])
                    XCTAssertEqual(some.position(t: f, n: n), all.position(t: f, n: n), "point \(n), frame \(f)")
                }
            }
        }
    }

    /// A teacher artifact whose shape does not fit the queries is a clear error, not a trap.
    func testTracksOfAnotherShapeAreAnErrorNamingTheShapes() throws {
        let frames = SyntheticClip(width: 96, height: 64, frameCount: 6, seed: 2).frames().map { $0.grey() }
        let clip = ClipRecord(sourceId: 1, clipIndex: 0, frameStep: 1, frames: Array(0..<6), geometryJSON: "{}",
                              storedWidth: 96, storedHeight: 64, scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0, seed: 0)
        let queries = (0..<3).map { k in Query(t: 0, x: Float(30 + 16 * k), y: 30, sigma: 1.6, orientation: 0, response: 1, source: .grid) }
        let provenance = TeacherProvenance(teacher: "klt-online", version: "1", params: [:],
                                           draw: .init(choose: "uniform", ensemble: ["klt-online"], weights: [1]))
        let wrong = TracksArtifact(labels: TeacherTracks(frames: 6, points: 2), provenance: provenance).encoded()
        let input = StageInput(clip: clip, grey: frames, rgb: nil,
                               artifacts: [PointsArtifact.name: PointsArtifact(queries: queries).encoded(), "tracks": wrong,
                                           "tracks.check": TracksArtifact(labels: TeacherTracks(frames: 6, points: 3),
                                                                          provenance: CheckerProvenance(teacher: "flow", version: "2", params: [:],
                                                                                                        checks: "klt-online")).encoded()],
                               random: SeededGenerator(seed: 1))
        let stage = FullTrackerStage(configuration: FullTrackerConfiguration(), shortTrack: ShortTrackRule(minFrames: 4))
        XCTAssertThrowsError(try stage.run(input)) { XCTAssertTrue("\($0)".contains("tracks has 2 points over 6 frames for 3 queries"), "\($0)") }
        XCTAssertThrowsError(try QualityStage(configuration: QualityConfiguration()).run(input)) {
            XCTAssertTrue("\($0)".contains("tracks has 2 points over 6 frames for 3 queries"), "\($0)")
        }
    }
}
