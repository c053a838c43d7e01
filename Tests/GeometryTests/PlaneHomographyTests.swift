import Geometry
import Synthetic
import XCTest

final class PlaneHomographyTests: XCTestCase {
    /// Points of a plane seen by two cameras 90° apart: the plane's homography takes each
    /// one's pixel in the first camera to its pixel in the second.
    func testThePlaneHomographyMapsPixelsOfPlanePointsBetweenViews() throws {
        var scene = RigScene()
        scene.views = 4
        let cameras = scene.cameras(), a = cameras[0], b = cameras[1]
        // The ground z = 0 in a's camera coordinates: n·X = 1.
        let normal = a.R * SIMD3(0, 0, 1), offset = (normal * a.t).sum()   // n_c·X_c = offset on the plane
        let plane = normal / offset
        let h = PlaneHomography.between(a, b, plane: plane)
        for world in [SIMD3(0.0, 0, 0), SIMD3(0.4, -0.3, 0), SIMD3(-0.6, 0.5, 0)] {
            let from = a.project(world).pixel, to = b.project(world).pixel
            let mapped = try XCTUnwrap(PlaneHomography.map(h, from))
            XCTAssertEqual(mapped.x, to.x, accuracy: 1e-6)
            XCTAssertEqual(mapped.y, to.y, accuracy: 1e-6)
        }
    }
}
