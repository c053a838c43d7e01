import Geometry
import Synthetic
import XCTest

/// Fusion of 2D tracks on a ray-cast rig whose every surface point is known exactly.
final class MultiViewTrackFusionTests: XCTestCase {
    struct Fixture {
        var scene: RigScene
        var views: [RigViewFrames]
        var queries: [QueryPixel]
        var truth: [[SIMD3<Double>]]      // [N][T]
    }

    static let fixture: Fixture = {
        var scene = RigScene()
        scene.width = 120; scene.height = 90; scene.frameCount = 8; scene.views = 3
        let textures = scene.textures(), cameras = scene.cameras()
        let views = (0..<scene.views).map { v in
            RigViewFrames(cameras: Array(repeating: cameras[v], count: scene.frameCount),
                          depth: (0..<scene.frameCount).map { scene.render(view: v, frame: $0, textures: textures).1 },
                          width: scene.width, height: scene.height)
        }
        var queries: [QueryPixel] = [], truth: [[SIMD3<Double>]] = []
        for y in stride(from: 6, to: scene.height - 6, by: 7) {
            for x in stride(from: 6, to: scene.width - 6, by: 7) {
                let (qx, qy) = (Double(x) + 0.25, Double(y) + 0.5)
                guard let track = scene.surfaceTrack(view: 0, frame: 2, x: qx, y: qy) else { continue }
                queries.append(QueryPixel(t: 2, x: Float(qx), y: Float(qy))); truth.append(track)
            }
        }
        return Fixture(scene: scene, views: views, queries: queries, truth: truth)
    }()

    /// Exact 2D labels of every point in view w (visible where the scene says so), plus `shift` pixels.
    func labels(_ f: Fixture, view w: Int, shift: (Int, Int) -> SIMD2<Float> = { _, _ in .zero }) -> RigViewTracks {
        let n = f.queries.count
        var tracks = RigViewTracks(view: w, frames: f.scene.frameCount, points: n)
        for p in 0..<n {
            for t in 0..<f.scene.frameCount {
                let i = t * n + p
                let pixel = f.views[w].cameras[t].project(f.truth[p][t]).pixel
                let s = shift(t, p)
                tracks.positions[2 * i] = Float(pixel.x) + s.x; tracks.positions[2 * i + 1] = Float(pixel.y) + s.y
                tracks.valid[i] = true
                tracks.visible[i] = f.scene.isVisible(f.truth[p][t], view: w, frame: t)
            }
        }
        return tracks
    }

    func testExactTracksFuseOntoTheSurfaceAndVisibilityFollowsDepth() {
        let f = Self.fixture
        XCTAssertGreaterThan(f.queries.count, 100)
        // Two trackers per view: one exact, one off by up to 0.06 px (on the far ground at a
        // grazing angle a pixel spans decimetres, beyond the agreement tolerance of metres).
        let sources = (0..<f.scene.views).flatMap { w in
            [labels(f, view: w), labels(f, view: w) { t, p in SIMD2(Float((t + p) % 3) * 0.03, 0.03) }]
        }
        let fused = MultiViewTrackFusion().fuse(views: f.views, tracks: sources, queries: f.queries,
                                                queryView: [Int](repeating: 0, count: f.queries.count), frames: f.scene.frameCount)
        let n = f.queries.count
        var errors: [Double] = [], seen = 0, labelled = 0, claimed = 0, right = 0, missedLifts = [0, 0, 0]
        for p in 0..<n where !fused.unliftable[p] {
            for t in 0..<f.scene.frameCount {
                let i = t * n + p
                let visibleSomewhere = (0..<f.scene.views).contains { f.scene.isVisible(f.truth[p][t], view: $0, frame: t) }
                if visibleSomewhere { seen += 1 }
                if visibleSomewhere && !fused.valid[i] {
                    let lifts = (0..<f.scene.views).filter { w in
                        guard f.scene.isVisible(f.truth[p][t], view: w, frame: t) else { return false }
                        let px = f.views[w].cameras[t].project(f.truth[p][t]).pixel
                        return MultiViewTrackFusion.lift(f.views[w], t: t, x: px.x, y: px.y) != nil
                    }.count
                    missedLifts[min(lifts, 2)] += 1
                }
                guard fused.valid[i] else { continue }
                if visibleSomewhere { labelled += 1 }
                let x = SIMD3<Double>(Double(fused.positions[3 * i]), Double(fused.positions[3 * i + 1]), Double(fused.positions[3 * i + 2]))
                let d = x - f.truth[p][t]
                errors.append((d * d).sum().squareRoot())
                for w in 0..<f.scene.views where fused.viewVisible[(w * f.scene.frameCount + t) * n + p] {
                    claimed += 1
                    if f.scene.isVisible(f.truth[p][t], view: w, frame: t) { right += 1 }
                }
            }
        }
        errors.sort()
        let median = errors[errors.count / 2], within2cm = Double(errors.filter { $0 < 0.02 }.count) / Double(errors.count)
        let recall = Double(labelled) / Double(seen), precision = Double(right) / Double(claimed)
        print("fusion: \(errors.count) labels, median error \(median * 1000) mm, within 2 cm \(within2cm), recall \(recall), view visibility precision \(precision), unliftable \(fused.unliftable.filter { $0 }.count), missed by liftable views \(missedLifts)")
        XCTAssertLessThan(median, 0.002)
        XCTAssertGreaterThan(within2cm, 0.99)
        XCTAssertGreaterThan(recall, 0.97)
        XCTAssertGreaterThan(precision, 0.98)
        // The query frame's label is the lift of the query pixel: it projects back onto it.
        for p in 0..<n where !fused.unliftable[p] {
            let i = f.queries[p].t * n + p
            let x = SIMD3<Double>(Double(fused.positions[3 * i]), Double(fused.positions[3 * i + 1]), Double(fused.positions[3 * i + 2]))
            let pixel = f.views[0].cameras[f.queries[p].t].project(x).pixel
            XCTAssertEqual(pixel.x, Double(f.queries[p].x), accuracy: 1e-3)
            XCTAssertEqual(pixel.y, Double(f.queries[p].y), accuracy: 1e-3)
        }
    }

    func testTrackersThatDisagreeLeaveNoLabel() {
        let f = Self.fixture
        let n = f.queries.count
        // Only the query view tracks; its second tracker drifts 6 px away from frame 5 on.
        let sources = [labels(f, view: 0), labels(f, view: 0) { t, _ in t >= 5 ? SIMD2(6, 0) : .zero }]
        let fused = MultiViewTrackFusion().fuse(views: f.views, tracks: sources, queries: f.queries,
                                                queryView: [Int](repeating: 0, count: n), frames: f.scene.frameCount)
        var before = 0, after = 0
        for p in 0..<n where !fused.unliftable[p] {
            for t in 0..<f.scene.frameCount where t != f.queries[p].t && fused.valid[t * n + p] { if t >= 5 { after += 1 } else { before += 1 } }
        }
        XCTAssertGreaterThan(before, n)          // they agree before frame 5 ...
        XCTAssertLessThan(after, n / 20)          // ... and hardly anything is labelled after (only where 6 px stays on one smooth surface within 1 cm)
    }
}
