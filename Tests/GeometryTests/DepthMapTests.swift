import Geometry
import XCTest

final class DepthMapTests: XCTestCase {
    /// A tilted plane: inverse depth affine in the pixel coordinates.
    func plane(width: Int = 40, height: Int = 30) -> DepthMap {
        var metres = [Float](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { metres[y * width + x] = Float(1 / (0.4 + 0.004 * Double(x) - 0.003 * Double(y))) } }
        return DepthMap(width: width, height: height, metres: metres)
    }

    func testLiftingDepthIsExactOnAPlane() throws {
        let map = plane()
        for (x, y) in [(10.0, 10.0), (10.3, 12.7), (25.9, 5.5)] {
            let expected = 1 / (0.4 + 0.004 * x - 0.003 * y)
            let depth = try XCTUnwrap(map.liftingDepth(x: x, y: y))
            XCTAssertEqual(depth, expected, accuracy: 1e-5 * expected)
        }
    }

    func testLiftingRefusesEdgesHolesAndBorders() {
        var map = plane()
        // A box 40 cm nearer covering x >= 20.
        for y in 0..<30 { for x in 20..<40 { map.metres[y * 40 + x] -= 0.4 } }
        XCTAssertNil(map.liftingDepth(x: 19.5, y: 10), "interpolated across a depth edge")
        XCTAssertNil(map.liftingDepth(x: 18.2, y: 10), "the 4x4 neighbourhood reaches the edge")
        XCTAssertNotNil(map.liftingDepth(x: 16.5, y: 10))
        XCTAssertNotNil(map.liftingDepth(x: 24.5, y: 10))
        map.metres[10 * 40 + 8] = 0
        XCTAssertNil(map.liftingDepth(x: 8.2, y: 10.1), "a hole")
        XCTAssertNil(map.liftingDepth(x: 0.2, y: 10), "the border")
        XCTAssertNil(map.liftingDepth(x: .nan, y: 10))
        XCTAssertEqual(map.depthNear(x: 8.4, y: 10.2), nil)
        XCTAssertEqual(map.depthNear(x: 30.2, y: 3.4), map.metres[3 * 40 + 30])
    }
}
