import VideoIO
import XCTest

final class FrameGeometryTests: XCTestCase {
    func testMaxSideKeepsAspectAndEvenSides() {
        let g = FrameGeometry.fitting(maxSide: 512, width: 1920, height: 1080)
        XCTAssertEqual(g.width, 512)
        XCTAssertEqual(g.height, 288)
        XCTAssertEqual(g.scaleX, 512.0 / 1920, accuracy: 1e-12)
        // Pixel centres: the first source pixel centre maps to (0.5·s − 0.5) and the last
        // source edge to the last stored edge.
        let (x0, _) = g.stored(x: -0.5, y: -0.5)
        XCTAssertEqual(x0, -0.5, accuracy: 1e-9)
        let (x1, y1) = g.stored(x: 1919.5, y: 1079.5)
        XCTAssertEqual(x1, 511.5, accuracy: 1e-9)
        XCTAssertEqual(y1, 287.5, accuracy: 1e-9)
    }

    func testSmallVideosAreNotEnlarged() {
        let g = FrameGeometry.fitting(maxSide: 512, width: 176, height: 144)
        XCTAssertEqual(g.width, 176)
        XCTAssertEqual(g.height, 144)
        XCTAssertTrue(g.isIdentity)
    }

    func testCropCoversAndCentres() {
        let g = FrameGeometry.cropping(to: 256, 256, width: 640, height: 360)
        XCTAssertEqual(g.scaledHeight, 256)
        XCTAssertEqual(g.scaledWidth, 455)
        XCTAssertEqual(g.width, 256)
        XCTAssertEqual(g.cropX, (455 - 256) / 2)
        // The source centre lands on the stored centre (within the half-pixel of an odd crop).
        let (cx, cy) = g.stored(x: 319.5, y: 179.5)
        XCTAssertEqual(cx, 127.5, accuracy: 0.6)
        XCTAssertEqual(cy, 127.5, accuracy: 1e-9)
    }

    func testFitPads() {
        let g = FrameGeometry.fitting(in: 256, 256, width: 640, height: 360)
        XCTAssertEqual(g.scaledWidth, 256)
        XCTAssertEqual(g.scaledHeight, 144)
        XCTAssertEqual(g.cropY, -56)
        let (_, top) = g.stored(x: 0, y: -0.5)
        XCTAssertEqual(top, 55.5, accuracy: 1e-9)
    }
}
