import Foundation
import Imaging
import VideoIO
import XCTest

final class JPEGStillTests: XCTestCase {
    /// A poster decodes back to the picture it was made from (JPEG is lossy: within a few
    /// levels away from the edge between the two colours), and a path that cannot be written
    /// is an error naming it.
    func testPosterDecodesToItsPicture() throws {
        let directory = NSTemporaryDirectory() + "jpegstill-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var image = RGBImage(width: 64, height: 48)
        for y in 0..<48 { for x in 0..<64 {
            let colour: [UInt8] = x < 32 ? [200, 40, 30] : [20, 60, 220]
            for c in 0..<3 { image.bytes[(y * 64 + x) * 3 + c] = colour[c] }
        } }
        let path = directory + "/poster.jpg"
        try JPEGStill.write(image, to: path, quality: 2)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(Array(bytes.prefix(2)), [0xFF, 0xD8], "a JPEG starts with SOI")
        var decoded: RGBImage?
        try VideoReader(path: path).read(frames: [0], formats: .rgb) { decoded = $0.rgb }
        let back = try XCTUnwrap(decoded)
        XCTAssertEqual(back.width, 64); XCTAssertEqual(back.height, 48)
        for (x, colour) in [(8, [200, 40, 30]), (56, [20, 60, 220])] {
            for c in 0..<3 {
                XCTAssertEqual(Double(back.bytes[(24 * 64 + x) * 3 + c]), Double(colour[c]), accuracy: 12, "x \(x) channel \(c)")
            }
        }
        XCTAssertThrowsError(try JPEGStill.write(image, to: directory + "/missing/poster.jpg")) {
            XCTAssertTrue("\($0)".contains("missing/poster.jpg"), "\($0)")
        }
    }
}
