import VideoIO
import XCTest

final class Grey16PNGTests: XCTestCase {
    func testRoundTripIsExact() throws {
        let directory = NSTemporaryDirectory() + "grey16-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let values = (0..<(37 * 23)).map { UInt16(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        let image = Grey16Image(width: 37, height: 23, values: values)
        try Grey16PNG.write(image, to: directory + "/d.png")
        XCTAssertEqual(try Grey16PNG.read(directory + "/d.png"), image)
        // Not a PNG: a clear error naming the file.
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: directory + "/bad.png"))
        XCTAssertThrowsError(try Grey16PNG.read(directory + "/bad.png")) { XCTAssertTrue("\($0)".contains("bad.png"), "\($0)") }
        XCTAssertThrowsError(try Grey16PNG.read(directory + "/missing.png")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
    }
}
