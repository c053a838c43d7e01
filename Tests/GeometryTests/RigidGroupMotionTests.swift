import Foundation
@testable import Geometry
import Seeding
import XCTest

/// The rigid-group check and fill on a scene of known motion: a static ground of points
/// and a box of points moving 3 cm a frame while it turns 6° a frame.
final class RigidGroupMotionTests: XCTestCase {
    static let frames = 12

    static func rotation(degrees: Double, axis: SIMD3<Double>) -> Matrix3 {
        let a = degrees * .pi / 180, k = axis / (axis * axis).sum().squareRoot(), c = cos(a), s = sin(a)
        let (x, y, z) = (k.x, k.y, k.z)
        return Matrix3(rows: SIMD3(c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s),
                       SIMD3(y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s),
                       SIMD3(z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)))
    }

    func testMotionRecoversARotationAndTranslation() throws {
        var generator = SystemRandomNumberGenerator()
        let rotation = Self.rotation(degrees: 37, axis: SIMD3(0.3, -1, 0.5)), translation = SIMD3(0.4, -0.2, 1.1)
        for planar in [false, true] {
            let a = (0..<8).map { _ in SIMD3(Double.random(in: -1...1, using: &generator), Double.random(in: -1...1, using: &generator),
                                             planar ? 0 : Double.random(in: -1...1, using: &generator)) }
            let b = a.map { rotation * $0 + translation }
            let motion = try XCTUnwrap(RigidGroupMotion.motion(a, b))
            XCTAssertEqual(motion.rotation.determinant, 1, accuracy: 1e-9)
            let probe = SIMD3(0.7, 0.1, -0.4), d = motion.apply(probe) - (rotation * probe + translation)
            XCTAssertLessThan((d * d).sum().squareRoot(), 1e-9, "planar \(planar)")
            // RANSAC's hypothesis from three points is exact on exact points too.
            let triangle = try XCTUnwrap(RigidGroupMotion.triangleMotion(a[0], a[1], a[2], b[0], b[1], b[2]))
            let e = triangle.apply(probe) - (rotation * probe + translation)
            XCTAssertLessThan((e * e).sum().squareRoot(), 1e-9, "triangle, planar \(planar)")
        }
        XCTAssertNil(RigidGroupMotion.triangleMotion(.zero, SIMD3(1, 0, 0), SIMD3(2, 0, 0), .zero, SIMD3(1, 0, 0), SIMD3(2, 0, 0)))
        XCTAssertNil(RigidGroupMotion.motion([.zero, .zero], [.zero, .zero]))
    }

    /// Ground points on a 4 cm grid (z = 0, static) and box points on a 4 cm grid of its top
    /// (z = 0.2), beside it, moving. Truth [N][T].
    static func scene() -> (truth: [[SIMD3<Double>]], ground: [Int], box: [Int]) {
        var truth: [[SIMD3<Double>]] = [], ground: [Int] = [], box: [Int] = []
        for i in 0..<8 { for j in 0..<8 {
            let x = SIMD3(Double(i) * 0.04, Double(j) * 0.04, 0)
            ground.append(truth.count); truth.append(Array(repeating: x, count: frames))
        } }
        let centre = SIMD3(0.5, 0.14, 0.2)
        for i in 0..<5 { for j in 0..<5 {
            let x = centre + SIMD3(Double(i - 2) * 0.04, Double(j - 2) * 0.04, 0)
            box.append(truth.count)
            truth.append((0..<frames).map { t in
                Self.rotation(degrees: 6 * Double(t), axis: SIMD3(0, 0, 1)) * (x - centre) + centre + SIMD3(0.03 * Double(t), 0, 0)
            })
        } }
        return (truth, ground, box)
    }

    func testWrongLabelsAreRemovedGapsFilledAndRightLabelsKept() {
        let (truth, ground, box) = Self.scene()
        var all = truth
        let isolated = all.count
        all.append(Array(repeating: SIMD3(3, 3, 0), count: Self.frames))
        let n = all.count, frames = Self.frames
        let dragged = ground[27], slid = box[7], gapped = box[12]
        var labels = all
        // A ground point dragged along by the passing box from frame 3 on; a box point
        // slid 8 cm along the box from frame 10 on (2 of its 12 labels: the rest stays); a box point with no labels in frames 4-7.
        for t in 3..<frames { labels[dragged][t] = all[dragged][t] + (all[box[0]][t] - all[box[0]][0]) }
        for t in 10..<frames { labels[slid][t] = all[slid][t] + SIMD3(0, 0.08, 0) }
        var tracks = RigTracks3D(frames: frames, points: n, views: 1)
        for p in 0..<n { for t in 0..<frames {
            let i = t * n + p
            for c in 0..<3 { tracks.positions[3 * i + c] = Float(labels[p][t][c]) }
            tracks.valid[i] = !(p == gapped && (4...7).contains(t))
            tracks.source[i] = tracks.valid[i] ? 1 : 0
            tracks.confidence[i] = tracks.valid[i] ? 1 : 0
        } }
        let queryFrames = (0..<n).map { $0 % 3 }
        let before = tracks
        let outcome = RigidGroupMotion().apply(to: &tracks, queryFrames: queryFrames)
        func valid(_ p: Int, _ t: Int) -> Bool { tracks.valid[t * n + p] }
        func error(_ p: Int, _ t: Int) -> Double {
            let i = 3 * (t * n + p)
            let d = SIMD3(Double(tracks.positions[i]), Double(tracks.positions[i + 1]), Double(tracks.positions[i + 2])) - truth[p][t]
            return (d * d).sum().squareRoot()
        }
        // Every wrong label is gone: the dragged ground point keeps too few to stay at all.
        XCTAssertEqual((0..<frames).filter { valid(dragged, $0) }.count, 0)
        for t in 10..<frames { XCTAssertFalse(valid(slid, t), "slid label at frame \(t) kept") }
        // The isolated point has no neighbours to judge it: its labels go, and then its track.
        XCTAssertEqual((0..<frames).filter { valid(isolated, $0) }, [])
        // The gap is filled with the box's motion, exactly.
        for t in 4...7 {
            XCTAssertTrue(valid(gapped, t), "gap at frame \(t) not filled")
            XCTAssertLessThan(error(gapped, t), 1e-4)
            XCTAssertEqual(tracks.source[t * n + gapped], RigTracks3D.rigidSource)
        }
        // Every right label of every other point is kept, where it was (exact labels snap onto
        // their group's exact motion: they move by rounding only); the query frame's untouched.
        for p in 0..<truth.count where p != dragged && p != gapped {
            for t in 0..<(p == slid ? 10 : frames) {
                XCTAssertTrue(valid(p, t), "point \(p) frame \(t)")
                XCTAssertLessThan(error(p, t), 1e-5, "point \(p) frame \(t)")
            }
            let i = 3 * (queryFrames[p] * n + p)
            XCTAssertEqual(tracks.positions[i..<(i + 3)], before.positions[i..<(i + 3)])
        }
        XCTAssertEqual(outcome.filled, 4)
        XCTAssertEqual(outcome.tracksDropped, 2)
        XCTAssertEqual(outcome.unjudged, frames - 1)
    }

    /// Labels with independent noise (each coordinate uniform in ±4 mm, up to 7 mm off) are
    /// within `snapMetres` of their group's motion and move onto it: the motion fitted to
    /// the whole group places them closer to the truth than their own labels were.
    func testNoisyLabelsSnapOntoTheirGroupsMotion() {
        let (truth, _, _) = Self.scene()
        let n = truth.count, frames = Self.frames
        var generator = SeededGenerator(seed: 7)
        func noise() -> Double { Double(generator.next() >> 11) / Double(1 << 53) * 0.008 - 0.004 }
        var tracks = RigTracks3D(frames: frames, points: n, views: 1)
        let queryFrames = (0..<n).map { $0 % 3 }
        for p in 0..<n { for t in 0..<frames {
            let i = t * n + p
            let x = truth[p][t] + (t == queryFrames[p] ? .zero : SIMD3(noise(), noise(), noise()))
            for c in 0..<3 { tracks.positions[3 * i + c] = Float(x[c]) }
            tracks.valid[i] = true; tracks.source[i] = 1; tracks.confidence[i] = 1
        } }
        func meanError(_ tracks: RigTracks3D) -> Double {
            var sum = 0.0, count = 0
            for p in 0..<n { for t in 0..<frames where t != queryFrames[p] && tracks.valid[t * n + p] {
                let i = 3 * (t * n + p)
                let d = SIMD3(Double(tracks.positions[i]), Double(tracks.positions[i + 1]), Double(tracks.positions[i + 2])) - truth[p][t]
                sum += (d * d).sum().squareRoot(); count += 1
            } }
            return sum / Double(max(1, count))
        }
        let before = meanError(tracks)
        let outcome = RigidGroupMotion().apply(to: &tracks, queryFrames: queryFrames)
        XCTAssertEqual(outcome.tracksDropped, 0)
        XCTAssertEqual(outcome.contradicted, 0)
        XCTAssertGreaterThan(outcome.snapped, n * (frames - 1) * 9 / 10)
        XCTAssertEqual(tracks.valid.filter { $0 }.count, n * frames)
        XCTAssertLessThan(meanError(tracks), 0.5 * before, "mean error \(before) -> \(meanError(tracks))")
    }
}
