import Imaging
import Synthetic
import Teachers
import XCTest

final class PyramidalLucasKanadeTests: XCTestCase {
    /// A smooth texture and a copy moved by (dx, dy), resampled bilinearly from a 4×
    /// finer rendering so that sub-pixel shifts are exact to well under 0.01 px.
    private func pair(dx: Float, dy: Float, width: Int = 160, height: Int = 120) -> (GreyImage, GreyImage) {
        let fine = ProceduralTexture(width: 4 * width + 400, height: 4 * height + 400, seed: 21, scale: 96)
            .window(x: 0, y: 0, width: 4 * width + 400, height: 4 * height + 400).grey()
        func render(_ ox: Float, _ oy: Float) -> GreyImage {
            var out = GreyImage(width: width, height: height)
            for y in 0..<height { for x in 0..<width {
                // Pixel (x, y) averages the 4×4 fine pixels it covers, shifted by (ox, oy).
                var sum: Float = 0
                for v in 0..<4 { for u in 0..<4 {
                    let fx = Float(4 * x + u) + 200 - 4 * ox, fy = Float(4 * y + v) + 200 - 4 * oy
                    let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                    let a = fx - Float(x0), b = fy - Float(y0)
                    sum += (1 - a) * (1 - b) * fine[x0, y0] + a * (1 - b) * fine[x0 + 1, y0]
                        + (1 - a) * b * fine[x0, y0 + 1] + a * b * fine[x0 + 1, y0 + 1]
                } }
                out[x, y] = sum / 16
            } }
            return out
        }
        return (render(0, 0), render(dx, dy))
    }

    private func grid(_ width: Int, _ height: Int, margin: Int = 30, step: Int = 20) -> [SIMD2<Float>] {
        var points: [SIMD2<Float>] = []
        for y in stride(from: margin, to: height - margin, by: step) {
            for x in stride(from: margin, to: width - margin, by: step) { points.append(SIMD2(Float(x), Float(y))) }
        }
        return points
    }

    func testSubPixelAndLargeShifts() {
        let lk = PyramidalLucasKanade()
        for (dx, dy, tolerance) in [(Float(0.3), Float(-0.6), Float(0.05)), (3.4, 2.2, 0.05), (17.5, -11.25, 0.1)] {
            let (a, b) = pair(dx: dx, dy: dy)
            let source = LucasKanadeFrame(a, levels: 3), target = LucasKanadeFrame(b, levels: 3)
            let points = grid(160, 120, margin: 35)
            let results = lk.track(points, from: source, to: target)
            var errors: [Float] = []
            for (p, r) in zip(points, results) {
                XCTAssertTrue(r.found)
                errors.append(hypotf(r.x - (p.x + dx), r.y - (p.y + dy)))
            }
            errors.sort()
            XCTAssertLessThan(errors[errors.count / 2], tolerance, "median error for a shift of (\(dx), \(dy))")
            XCTAssertLessThan(errors[errors.count * 9 / 10], 3 * tolerance)
            XCTAssertLessThan(results.map(\.error).max()!, 2, "windows match after tracking")
        }
    }

    func testFlatRegionsAndPointsLeavingTheFrameAreLost() {
        var flat = GreyImage(width: 96, height: 96, value: 80)
        for y in 0..<96 { for x in 60..<96 { flat[x, y] = 160 } }  // one straight edge
        let frame = LucasKanadeFrame(flat, levels: 3)
        let results = PyramidalLucasKanade().track([SIMD2(20, 40), SIMD2(60, 48)], from: frame, to: frame)
        XCTAssertFalse(results[0].found, "no gradient at all")
        XCTAssertFalse(results[1].found, "an edge constrains one direction only")

        let (a, b) = pair(dx: 12, dy: 0)
        let lost = PyramidalLucasKanade().track([SIMD2(155, 60)], from: LucasKanadeFrame(a, levels: 3), to: LucasKanadeFrame(b, levels: 3))
        XCTAssertFalse(lost[0].found, "moved 12 px right from x = 155 of 160")
    }

    func testPyramidHalvesAsPyrDown() {
        let image = GreyImage(width: 101, height: 64, value: 50)
        let levels = GaussianPyramid.build(image, levels: 3)
        XCTAssertEqual(levels.map(\.width), [101, 51, 26, 13])
        XCTAssertEqual(levels.map(\.height), [64, 32, 16, 8])
        XCTAssertEqual(levels[3].pixels.map { abs($0 - 50) }.max()!, 0, accuracy: 1e-4)
    }
}
