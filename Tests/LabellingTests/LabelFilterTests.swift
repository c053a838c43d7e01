import Imaging
import Labelling
import Synthetic
import Teachers
import XCTest

final class LabelFilterTests: XCTestCase {
    /// A static textured scene: every point is where its query is, visible, in every frame.
    private let frames = [GreyImage](repeating: ProceduralTexture(width: 128, height: 96, seed: 3).grey(), count: 10)

    private func labels(_ queries: [TeacherQuery], _ edit: (inout TeacherTracks) -> Void) -> TeacherTracks {
        var out = TeacherTracks(frames: 10, points: queries.count)
        for f in 0..<10 { for (n, q) in queries.enumerated() { out.set(t: f, n: n, position: SIMD2(q.x, q.y), visible: true, confidence: 0.9) } }
        edit(&out)
        return out
    }

    func testEachRuleTurnsLabelsIntoNoLabelAndIsCounted() {
        let queries = [TeacherQuery(t: 0, x: 40, y: 30), TeacherQuery(t: 0, x: 80, y: 50), TeacherQuery(t: 2, x: 60, y: 70),
                       TeacherQuery(t: 5, x: 40.2, y: 30.1), TeacherQuery(t: 0, x: 100, y: 40)]
        let teacher = labels(queries) { l in
            for f in [3, 4] { l.set(t: f, n: 2, position: SIMD2(60, 70), visible: false, confidence: 0) }   // claims occluded
            for f in [6, 7] { l.set(t: f, n: 2, position: SIMD2(60, 70), visible: false, confidence: 0) }   // claims occluded
            for f in 4..<10 { l.set(t: f, n: 4, position: SIMD2(100, 40), visible: false, confidence: 0, valid: false) }
        }
        let checker = labels(queries) { l in
            for f in 5..<10 { l.set(t: f, n: 1, position: SIMD2(92, 50), visible: true, confidence: 0.9) }    // 12 px away
            for f in [6, 7] { l.set(t: f, n: 2, position: SIMD2(60, 70), visible: false, confidence: 0) }   // agrees: hidden
        }
        var configuration = LabelFilterConfiguration()
        configuration.minFrames = 4
        let (out, kept, stats) = LabelFilter(configuration: configuration).filter(teacher: teacher, checker: checker, queries: queries, frames: frames)

        XCTAssertEqual(kept, [0, 1, 2], "point 3 duplicates point 0; point 4 has 3 labels")
        XCTAssertEqual(stats.tracksRemoved, ["duplicate": 1, "short-track": 1])
        XCTAssertEqual(stats.removed["agreement"], 5)
        XCTAssertEqual(stats.removed["visibility"], 2, "occlusion claimed by the teacher alone")
        XCTAssertEqual(stats.removed["occlusion-refuted"], 2, "both say hidden, but the query patch is plainly there")
        XCTAssertEqual(stats.removed["duplicate"], 9)
        XCTAssertEqual(stats.removed["short-track"], 3)
        for f in 5..<10 {
            XCTAssertFalse(out.valid[f * 3 + 1], "disagreement is no label…")
            XCTAssertFalse(out.visible[f * 3 + 1], "…not a visible one")
        }
        for f in [3, 4, 6, 7] { XCTAssertFalse(out.valid[f * 3 + 2]) }
        XCTAssertTrue((0..<10).allSatisfy { out.valid[$0 * 3] && out.visible[$0 * 3] }, "point 0 survives everything")
        XCTAssertEqual(stats.labelsIn, 9 * 5 - 6)
        XCTAssertEqual(stats.labelsOut, 9 + 4 + 5)
        XCTAssertEqual(stats.visibleOut, stats.labelsOut)
    }

    func testASlideOntoAnotherSurfaceIsCutFromThereOn() {
        let queries = [TeacherQuery(t: 0, x: 40, y: 30)]
        // From frame 4 both trackers follow a patch 25 px away: they agree, the appearance does not.
        let slid = labels(queries) { l in for f in 4..<10 { l.set(t: f, n: 0, position: SIMD2(65, 52), visible: true, confidence: 0.9) } }
        var configuration = LabelFilterConfiguration()
        configuration.jumpFactor = 1000; configuration.minJumpPx = 1000   // leave it to the appearance rule
        configuration.minAppearance = 0.5   // a patch 25 px away on this texture correlates near 0
        configuration.minFrames = 1
        let (out, _, stats) = LabelFilter(configuration: configuration).filter(teacher: slid, checker: slid, queries: queries, frames: frames)
        XCTAssertEqual(stats.removed["appearance"], 6)
        XCTAssertEqual((0..<10).map { out.valid[$0] }, [true, true, true, true, false, false, false, false, false, false])
    }

    func testAnOcclusionLabelNeedsAgreedPositionsAndAVisibleEntryAndExit() {
        // Four points, each hidden under a flat square from frame 3 on: the first three
        // come out again at frame 9, the last one does not.
        let points: [SIMD2<Float>] = [SIMD2(24, 24), SIMD2(64, 24), SIMD2(24, 64), SIMD2(64, 64)]
        let hiddenFrames = [3...8, 3...8, 3...8, 3...11]
        let frames = (0..<12).map { f in
            var image = ProceduralTexture(width: 96, height: 96, seed: 5).grey()
            for (p, hidden) in zip(points, hiddenFrames) where hidden.contains(f) {
                for y in Int(p.y) - 16...Int(p.y) + 16 { for x in Int(p.x) - 16...Int(p.x) + 16 { image.pixels[y * 96 + x] = 128 } }
            }
            return image
        }
        let queries = points.map { TeacherQuery(t: 0, x: $0.x, y: $0.y) }
        func tracks(_ edit: (inout TeacherTracks) -> Void) -> TeacherTracks {
            var l = TeacherTracks(frames: 12, points: 4)
            for f in 0..<12 { for (n, p) in points.enumerated() { l.set(t: f, n: n, position: p, visible: !(3...8).contains(f), confidence: 0.9) } }
            edit(&l)
            return l
        }
        let teacher = tracks { l in
            for f in 1...4 { l.set(t: f, n: 2, position: points[2], visible: true, confidence: 0, valid: false) }   // no entry seen
            for f in 9..<12 { l.set(t: f, n: 3, position: points[3], visible: false, confidence: 0) }             // never comes out
        }
        let checker = tracks { l in
            for f in 3...8 { l.set(t: f, n: 1, position: points[1] + SIMD2(0, 3), visible: false, confidence: 0) }  // 8 px away at 256
            for f in 9..<12 { l.set(t: f, n: 3, position: points[3], visible: false, confidence: 0) }
        }
        var configuration = LabelFilterConfiguration()
        configuration.minFrames = 1
        let (out, kept, stats) = LabelFilter(configuration: configuration).filter(teacher: teacher, checker: checker, queries: queries, frames: frames)
        XCTAssertEqual(kept, [0, 1, 2, 3])
        XCTAssertEqual(stats.removed["agreement"], 6, "point 1: the trackers place the hidden point 8 px apart")
        XCTAssertEqual(stats.removed["unbounded"], 4 + 9, "point 2: unseen going behind; point 3: never seen again")
        XCTAssertEqual(stats.removed["occlusion-edge"], 2, "point 0: the first and last frame of its run")
        XCTAssertEqual(stats.removed["occlusion-refuted"], 0, "the square hides the patches")
        XCTAssertEqual((0..<12).map { out.valid[$0 * 4] && !out.visible[$0 * 4] }, (0..<12).map { (4...7).contains($0) })
        XCTAssertEqual(stats.occludedOut, 4)
    }

    /// An occlusion label bounded only through labels the unbounded rule itself removes is
    /// removed too: the rule holds among the labels kept.
    func testUnboundedOcclusionLabelsAreRemovedUntilNoneIsLeft() {
        let query = [TeacherQuery(t: 0, x: 60, y: 40)]
        // Seen at 0 (the query) and 15, hidden between by the teacher; the checker sees the
        // point at 1, 6, 7 and 12…14, so those labels go (unlabelled). A first pass finds
        // 2…5 five unlabelled frames from the next seen one; 8…11 are bounded only through
        // 2…5, and go in the second pass.
        func sixteen(hidden: [Int]) -> TeacherTracks {
            var l = TeacherTracks(frames: 16, points: 1)
            for f in 0..<16 { l.set(t: f, n: 0, position: SIMD2(60, 40), visible: !hidden.contains(f), confidence: 0.9) }
            return l
        }
        let teacher = sixteen(hidden: Array(1...14)), checker = sixteen(hidden: [2, 3, 4, 5, 8, 9, 10, 11])
        var configuration = LabelFilterConfiguration()
        configuration.minFrames = 1; configuration.occlusionMargin = 0
        configuration.refuteAppearance = 2   // the texture is in plain view: never refute here
        let (out, _, stats) = LabelFilter(configuration: configuration).filter(teacher: teacher, checker: checker, queries: query,
                                                                                 frames: [GreyImage](repeating: frames[0], count: 16))
        XCTAssertEqual(stats.removed["visibility"], 6)
        XCTAssertEqual(stats.removed["unbounded"], 8, "2…5 in the first pass, 8…11 in the second")
        XCTAssertEqual((0..<16).map { out.valid[$0] }, (0..<16).map { $0 == 0 || $0 == 15 })
    }

    /// On a sequence with exact ground truth, the filtered labels are right more often than
    /// the teacher's. Floors from measurement, with margin.
    func testFilteringRaisesPrecisionAgainstGroundTruth() throws {
        let sequence = OccludedPlaneSequence()
        let frames = sequence.frames()
        var queries: [TeacherQuery] = []
        for y in stride(from: 16, to: sequence.height - 16, by: 12) {
            for x in stride(from: 16, to: sequence.width - 16, by: 12) {
                let t = queries.count % 3 == 2 ? 12 : 0
                let p = SIMD2(Double(x) + 0.3, Double(y) - 0.2)
                if !sequence.isOccluded(p, t: t) { queries.append(TeacherQuery(t: t, x: Float(p.x), y: Float(p.y))) }
            }
        }
                let clip = TeacherClip(id: "gt", grey: frames, rgb: nil)
        // klt-offline re-acquires points after the occluder has passed: an occlusion label
        // stands only between two visible labels (an online teacher's lost point never
        // comes back, and none of its occlusion labels would).
        let teacher = try KLTOfflineTeacher().track(clip, queries: queries)
        let checker = try NativeTeachers.make("flow")!.track(clip, queries: queries)
        var configuration = LabelFilterConfiguration()
        configuration.soloAppearance = 0.9   // labels the checker lost stand on their appearance (the default: never)
        configuration.occlusionMargin = 0    // keeps the ends of the few runs of occlusion labels here (the default keeps none)
        let (filtered, kept, stats) = LabelFilter(configuration: configuration).filter(teacher: teacher, checker: checker, queries: queries, frames: frames)

        /// (visible precision within 2 px at 256 scale, occluded precision, labels, occlusion labels) of labels against the truth.
        func score(_ l: TeacherTracks, _ ids: [Int]) -> (Double, Double, Int, Int) {
            var right = 0, visible = 0, occludedRight = 0, occluded = 0
            for (k, p) in ids.enumerated() {
                let truth = sequence.track(t: queries[p].t, x: Double(queries[p].x), y: Double(queries[p].y))
                for f in 0..<l.frames where f != queries[p].t && l.valid[f * l.points + k] {
                    let i = f * l.points + k
                    if l.visible[i] {
                        visible += 1
                        let d = (SIMD2(Double(l.tracks[2 * i]), Double(l.tracks[2 * i + 1])) - truth[f].position) * SIMD2(256.0 / 256, 256.0 / 192)
                        if truth[f].visible && (d * d).sum() <= 4 { right += 1 }
                    } else {
                        occluded += 1
                        if !truth[f].visible { occludedRight += 1 }
                    }
                }
            }
            return (Double(right) / Double(max(visible, 1)), Double(occludedRight) / Double(max(occluded, 1)), visible + occluded, occluded)
        }
        let before = score(teacher, Array(0..<queries.count)), after = score(filtered, kept)
        print("label filter on the occluder sequence: visible precision \(before.0) -> \(after.0), occluded precision \(before.1) -> \(after.1) (\(before.3) -> \(after.3) labels), labels \(before.2) -> \(after.2); \(stats.removed)")
        XCTAssertGreaterThanOrEqual(after.0, before.0)
        XCTAssertGreaterThan(after.0, 0.97)
        XCTAssertGreaterThan(after.3, 0)
        XCTAssertGreaterThan(after.1, max(before.1, 0.9), "occlusion labels only where both trackers agree")
        XCTAssertGreaterThan(Double(after.2), 0.3 * Double(before.2), "most of the corpus survives")
    }
}
