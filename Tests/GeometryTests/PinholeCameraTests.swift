import Geometry
import XCTest

final class PinholeCameraTests: XCTestCase {
    let K = [400.0, 0, 159.5, 0, 410, 119.5, 0, 0, 1]
    func rotation(_ a: Double) -> [Double] { [cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1] }

    func testProjectionInvertsBackProjection() throws {
        let r = rotation(0.4)
        let camera = try PinholeCamera(K: K, extrinsics: [r[0], r[1], r[2], 0.2, r[3], r[4], r[5], -0.1, r[6], r[7], r[8], 3])
        for (x, y, z) in [(0.0, 0.0, 1.0), (159.5, 119.5, 2.5), (17.25, 230.75, 7.0)] {
            let world = camera.backProject(pixel: SIMD2(x, y), depth: z)
            let (pixel, depth) = camera.project(world)
            XCTAssertEqual(pixel.x, x, accuracy: 1e-9); XCTAssertEqual(pixel.y, y, accuracy: 1e-9); XCTAssertEqual(depth, z, accuracy: 1e-9)
        }
        // The centre projects nowhere: it is at depth 0.
        XCTAssertEqual(camera.toCamera(camera.centre).z, 0, accuracy: 1e-12)
    }

    func testMappingPixelsFollowsTheAffineMap() throws {
        let camera = try PinholeCamera(K: K, extrinsics: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2])
        let mapped = camera.mappingPixels(scaleX: 0.5, scaleY: 0.5, offsetX: -0.25, offsetY: -0.25)
        let world = SIMD3(0.3, -0.2, 1.0)
        let a = camera.project(world).pixel, b = mapped.project(world).pixel
        XCTAssertEqual(b.x, a.x * 0.5 - 0.25, accuracy: 1e-9)
        XCTAssertEqual(b.y, a.y * 0.5 - 0.25, accuracy: 1e-9)
    }

    func testRejectsSingularIntrinsicsAndNonRotations() {
        XCTAssertThrowsError(try PinholeCamera(K: [400, 0, 10, 800, 0, 20, 0, 0, 1], extrinsics: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])) { error in
            XCTAssertTrue("\(error)".contains("singular"), "\(error)")
        }
        XCTAssertThrowsError(try PinholeCamera(K: K, extrinsics: [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])) { error in
            XCTAssertTrue("\(error)".contains("not a rotation"), "\(error)")
        }
        // A reflection is orthogonal but not a rotation.
        XCTAssertThrowsError(try PinholeCamera(K: K, extrinsics: [-1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]))
    }
}
