import Evaluation
import Imaging
import Synthetic
import Teachers
import XCTest

/// Every native teacher on a sequence with exact ground truth: a textured plane under a
/// smooth homography with an occluder sweeping across it. Floors are set from
/// measurement (the figures are printed) with a margin for platform differences.
final class NativeTeacherAccuracyTests: XCTestCase {
    struct Scene {
        let sequence: OccludedPlaneSequence
        let frames: [GreyImage]
        let queries: [TeacherQuery]
        let truth: [Float]
        let truthVisible: [Bool]
    }

    static let scene: Scene = {
        let sequence = OccludedPlaneSequence()
        let frames = sequence.frames()
        var queries: [TeacherQuery] = []
        for y in stride(from: 20, to: sequence.height - 20, by: 14) {
            for x in stride(from: 20, to: sequence.width - 20, by: 14) {
                // Most queries at frame 0; every fourth at frame 12, so backward tracking counts.
                let t = queries.count % 4 == 3 ? 12 : 0
                let p = SIMD2(Double(x) + 0.3, Double(y) - 0.2)
                guard !sequence.isOccluded(p, t: t) else { continue }
                queries.append(TeacherQuery(t: t, x: Float(p.x), y: Float(p.y), sigma: 2))
            }
        }
        let n = queries.count, frameCount = sequence.frameCount
        var truth = [Float](repeating: 0, count: frameCount * n * 2), visible = [Bool](repeating: false, count: frameCount * n)
        for (i, q) in queries.enumerated() {
            for (t, g) in sequence.track(t: q.t, x: Double(q.x), y: Double(q.y)).enumerated() {
                truth[(t * n + i) * 2] = Float(g.position.x); truth[(t * n + i) * 2 + 1] = Float(g.position.y)
                visible[t * n + i] = g.visible
            }
        }
        return Scene(sequence: sequence, frames: frames, queries: queries, truth: truth, truthVisible: visible)
    }()

    func metrics(_ teacher: Teacher) throws -> (TAPVidMetrics, TeacherTracks) {
        let s = Self.scene
        let labels = try teacher.track(TeacherClip(grey: s.frames), queries: s.queries)
        let m = TAPVidMetrics.compute(predicted: labels.tracks, predictedVisible: labels.visible, truth: s.truth,
                                      truthVisible: s.truthVisible, queryFrames: s.queries.map(\.t), frames: labels.frames,
                                      points: labels.points, width: s.sequence.width, height: s.sequence.height)
        print("\(teacher.name): AJ \(m.averageJaccard) δ_avg \(m.deltaAverage) OA \(m.occlusionAccuracy) on \(s.queries.count) queries")
        return (m, labels)
    }

    /// Share of the points hidden by the occluder at some frame after their query and
    /// visible again in the last frame that are labelled visible and within 2 px there.
    func recovered(_ labels: TeacherTracks) -> Double {
        let s = Self.scene, n = s.queries.count, last = s.sequence.frameCount - 1
        var candidates = 0, recovered = 0
        for i in 0..<n where s.truthVisible[last * n + i] {
            let hidden = (s.queries[i].t..<last).contains { !s.truthVisible[$0 * n + i] }
            guard hidden else { continue }
            candidates += 1
            let p = labels.position(t: last, n: i)
            let d = hypot(Double(p.x - s.truth[(last * n + i) * 2]), Double(p.y - s.truth[(last * n + i) * 2 + 1]))
            if labels.visible[last * n + i] && d < 2 { recovered += 1 }
        }
        XCTAssertGreaterThan(candidates, 10, "the occluder must pass over some points")
        print("recovered after the occluder: \(recovered) of \(candidates)")
        return Double(recovered) / Double(max(candidates, 1))
    }

    func testKLTOnline() throws {
        let (m, labels) = try metrics(KLTOnlineTeacher())
        // Measured: AJ 0.868, δ_avg 0.895, OA 0.889.
        XCTAssertGreaterThan(m.deltaAverage, 0.86)
        XCTAssertGreaterThan(m.occlusionAccuracy, 0.86)
        XCTAssertLessThan(recovered(labels), 0.05, "an online tracker never gets a lost point back")
    }

    func testKLTOfflineRecoversAfterTheOccluder() throws {
        let (m, labels) = try metrics(KLTOfflineTeacher())
        // Measured: AJ 0.914, δ_avg 0.958, OA 0.942, 12 of 21 points recovered.
        XCTAssertGreaterThan(m.deltaAverage, 0.93)
        XCTAssertGreaterThan(m.occlusionAccuracy, 0.92)
        XCTAssertGreaterThan(recovered(labels), 0.5)
        let s = Self.scene, n = s.queries.count
        XCTAssertTrue((0..<(s.sequence.frameCount * n)).allSatisfy { labels.valid[$0] }, "an offline teacher labels every frame")
    }

    func testTemplateRecoversAfterTheOccluder() throws {
        let (m, labels) = try metrics(TemplateTeacher())
        // Measured: AJ 0.739, δ_avg 0.869, OA 0.905, 9 of 21 points recovered. (The query
        // patch alone, before the drift-corrected update, recovered 19 but scored AJ 0.43
        // against 0.55 on the layers sequences, whose objects turn and zoom; before lost
        // points moved with their companions, 13, at AJ 0.739, OA 0.881, and 0.549 on layers.)
        XCTAssertGreaterThan(m.deltaAverage, 0.85)
        XCTAssertGreaterThan(m.occlusionAccuracy, 0.88)
        XCTAssertGreaterThan(recovered(labels), 0.35)
    }

    func testFlowRecoversAfterTheOccluder() throws {
        let (m, labels) = try metrics(FlowTeacher())
        // Measured: AJ 0.911, δ_avg 0.962, OA 0.961, 14 of 21 points recovered (before
        // re-acquisition and at DIS scale 2: 0.649, 0.764, 0.883, none).
        XCTAssertGreaterThan(m.deltaAverage, 0.94)
        XCTAssertGreaterThan(m.occlusionAccuracy, 0.94)
        XCTAssertGreaterThan(recovered(labels), 0.5, "re-acquisition brings points back after the occluder")
    }

    func testDISRecoversAKnownTranslation() {
        // A pure translation of (3.25, −1.5) px: the dense field must say so away from the edges.
        let texture = ProceduralTexture(width: 200, height: 160, seed: 5, scale: 16)
        let grey = texture.window(x: 0, y: 0, width: 200, height: 160).grey()
        var moved = GreyImage(width: 200, height: 160)
        for y in 0..<160 { for x in 0..<200 { moved[x, y] = BilinearSample.at(grey, Float(x) - 3.25, Float(y) + 1.5) } }
        let field = DISOpticalFlow().flow(from: grey, to: moved)
        var errors: [Float] = []
        for y in stride(from: 30, to: 130, by: 10) {
            for x in stride(from: 30, to: 170, by: 10) {
                let d = field.displacement(at: SIMD2(Float(x), Float(y)))
                errors.append(hypotf(d.x - 3.25, d.y + 1.5))
            }
        }
        errors.sort()
        XCTAssertLessThan(errors[errors.count / 2], 0.15, "median end-point error")
        XCTAssertLessThan(errors[errors.count * 9 / 10], 0.5)
    }
}
