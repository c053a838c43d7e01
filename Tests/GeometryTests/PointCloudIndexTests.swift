import Geometry
import XCTest

final class PointCloudIndexTests: XCTestCase {
    func testNearestMatchesBruteForce() {
        var state: UInt64 = 7
        func next() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) }
        let points = (0..<5000).map { _ in SIMD3<Float>(next(), next(), next() * 0.5) - 0.25 }
        let index = PointCloudIndex(points: points, radius: 0.05)
        var found: [SIMD3<Float>] = [], distances: [Float] = []
        for _ in 0..<200 {
            let query = SIMD3<Float>(next(), next(), next() * 0.5) - 0.25
            index.nearest(query, k: 16, into: &found, distances: &distances)
            let brute = points.map { p -> Float in let d = p - query; return (d * d).sum() }.filter { $0 <= 0.05 * 0.05 }.sorted().prefix(16)
            XCTAssertEqual(found.count, brute.count)
            for (a, b) in zip(distances, brute) { XCTAssertEqual(a, b, accuracy: 1e-7) }
            XCTAssertEqual(distances, distances.sorted())
        }
    }

    func testRefinementMovesAPointOntoTheSurfaceAlongItsRay() throws {
        // A plane z = 0.1x + 0.5 sampled every centimetre, with ±1 mm of noise.
        var state: UInt64 = 3
        func noise() -> Float { state = state &* 6364136223846793005 &+ 1; return (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.002 }
        var points: [SIMD3<Float>] = []
        for i in -30...30 { for j in -30...30 {
            let x = Float(i) * 0.01, y = Float(j) * 0.01
            points.append(SIMD3(x, y, 0.1 * x + 0.5 + noise()))
        } }
        let index = PointCloudIndex(points: points, radius: 0.03)
        let eye = SIMD3<Double>(0.05, 0.02, 3)
        let onPlane = SIMD3<Double>(0.04, 0.03, 0.504)
        let lifted = eye + (onPlane - eye) * 1.004    // 1 cm too far along the ray
        var scratch = SurfacePlaneRefinement.Scratch()
        let refined = try XCTUnwrap(SurfacePlaneRefinement().refine(lifted, eye: eye, index: index, scratch: &scratch))
        let error = refined.point - onPlane
        XCTAssertLessThan((error * error).sum().squareRoot(), 0.0015)
        // It stays on the ray.
        let ray = (onPlane - eye) / ((onPlane - eye) * (onPlane - eye)).sum().squareRoot()
        let off = (refined.point - eye) - ray * ((refined.point - eye) * ray).sum()
        XCTAssertLessThan((off * off).sum().squareRoot(), 1e-9)
        // Too few neighbours: no refinement.
        XCTAssertNil(SurfacePlaneRefinement().refine(SIMD3(2, 2, 2), eye: eye, index: index, scratch: &scratch))
    }
}
