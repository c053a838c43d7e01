import Compression
import XCTest

final class ZstdTests: XCTestCase {
    func testRoundTripAndRatio() throws {
        let input = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251 / 3) }
        let packed = try Zstd.compress(input)
        XCTAssertLessThan(packed.count, input.count / 10)
        XCTAssertEqual(try Zstd.decompress(packed), input)
        XCTAssertEqual(try Zstd.decompress(try Zstd.compress([])), [])
    }

    func testGarbageIsAnError() {
        XCTAssertThrowsError(try Zstd.decompress([1, 2, 3, 4, 5, 6, 7, 8]))
    }
}
