import Geometry
import Imaging
@testable import Labelling
import Synthetic
import XCTest

/// Queries of a view without depth placed from their placed neighbours' surface, checked by
/// correlation through the plane's homography in the other views of a ray-cast rig.
final class SurfacePropagationTests: XCTestCase {
    /// Four views 90° apart, no depth; a quarter of a grid of view 0's pixels placed at their
    /// true surface points: a share of the others is placed (measured: 102 of 324), none
    /// more than 1 cm off (largest 0.57 cm; 2.6 cm before a view had to correlate best near
    /// the chosen depth), and none where the pixel shows nothing.
    func testQueriesArePlacedFromTheirNeighboursAndNeverWrongly() {
        var scene = RigScene()
        scene.width = 240; scene.height = 180; scene.views = 4
        let cameras = scene.cameras(), textures = scene.textures()
        let grey = (0..<scene.views).map { v in [scene.render(view: v, frame: 0, textures: textures).0.grey()] }
        var pixels: [SIMD2<Double>] = [], truth: [SIMD3<Double>?] = []
        for y in stride(from: 14, to: 170, by: 9) {
            for x in stride(from: 14, to: 230, by: 9) {
                pixels.append(SIMD2(Double(x), Double(y)))
                truth.append(scene.surfaceTrack(view: 0, frame: 0, x: Double(x), y: Double(y))?[0])
            }
        }
        let n = pixels.count
        let placed = (0..<n).map { p -> (point: SIMD3<Double>, views: [Int])? in p % 4 == 0 ? truth[p].map { ($0, [0]) } : nil }
        let open = placed.map { $0 == nil }
        let grown = SurfacePropagation().propagate(placed: placed, open: open, pixels: pixels, homes: [Int](repeating: 0, count: n),
                                                   frames: [Int](repeating: 0, count: n), cameras: cameras.map { [$0] }, grey: grey,
                                                   neighbourhood: AnchorNeighbourhood(), maxMetresPerPixel: 0.025)
        var errors: [Double] = []
        for p in 0..<n {
            guard let g = grown[p] else { continue }
            XCTAssertTrue(open[p])
            XCTAssertEqual(g.views.first, 0)
            XCTAssertGreaterThanOrEqual(g.views.count, 3, "the home view and two others")
            guard let truth = truth[p] else { XCTFail("placed a pixel that shows nothing"); continue }
            let d = g.point - truth
            errors.append((d * d).sum().squareRoot())
        }
        let candidates = (0..<n).filter { open[$0] && truth[$0] != nil }.count
        print("surface propagation: \(errors.count) of \(candidates) placed, largest error \(100 * (errors.max() ?? 0)) cm")
        XCTAssertGreaterThan(Double(errors.count), 0.25 * Double(candidates))
        XCTAssertLessThan(errors.max() ?? 0, 0.01)
    }
}
