import Foundation
import XCTest

final class PointsCommandTests: CommandLineTestCase {
    /// A still image is a one-frame video: a PGM with three Gaussian blobs.
    func testPointsOfAStillImageAsJSON() throws {
        let width = 128, height = 96
        let centres: [(Double, Double)] = [(30.4, 30.0), (90.0, 28.6), (64.2, 70.3)]
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var v = 20.0
                for (cx, cy) in centres { v += 200 * exp(-((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)) / 18) }
                pixels[y * width + x] = UInt8(min(255, v.rounded()))
            }
        }
        let path = directory + "/blobs.pgm"
        var data = Data("P5\n\(width) \(height)\n255\n".utf8)
        data.append(contentsOf: pixels)
        try data.write(to: URL(fileURLWithPath: path))

        let result = try run(["points", path, "--frame", "0", "--json", "--descriptors"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let keypoints = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        XCTAssertFalse(keypoints.isEmpty)
        for key in ["x", "y", "sigma", "orientation", "response", "octave", "descriptor"] {
            XCTAssertNotNil(keypoints[0][key], key)
        }
        XCTAssertEqual((keypoints[0]["descriptor"] as! [Double]).count, 128)
        for (cx, cy) in centres {
            let nearest = keypoints.map { hypot(($0["x"] as! Double) - cx, ($0["y"] as! Double) - cy) }.min()!
            XCTAssertLessThan(nearest, 0.5, "blob at (\(cx), \(cy))")
        }
        let missing = try run(["points", directory + "/none.png", "--json"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.png"), missing.stderr)
    }
}
