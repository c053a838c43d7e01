import ArrayFiles
import Foundation
import XCTest

final class NumPyArrayTests: XCTestCase {
    func testNpyRoundTripKeepsDTypeShapeAndValues() throws {
        let values: [Float] = (0..<24).map { Float($0) * 0.5 - 3 }
        let array = NumPyArray(values, shape: [2, 3, 4])
        let bytes = array.npy()
        XCTAssertEqual(Array(bytes[0..<6]), [0x93] + Array("NUMPY".utf8))
        XCTAssertEqual((bytes.count - values.count * 4) % 64, 0, "the header pads the data's start to a multiple of 64 bytes")
        let back = try NumPyArray(npy: bytes)
        XCTAssertEqual(back, array)
        XCTAssertEqual(back.shape, [2, 3, 4])
        XCTAssertEqual(back.floats(), values)
    }

    func testNpzArchiveRoundTrip() throws {
        let path = NSTemporaryDirectory() + "arrays-\(UUID().uuidString).npz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = NumPyArray([1, 2, 3], shape: [3]), b = NumPyArray([true, false], shape: [2])
        try NumPyArchive.write([("a", a), ("b", b)], to: path)
        let read = try NumPyArchive.read(path)
        XCTAssertEqual(read["a"], a)
        XCTAssertEqual(read["b"], b)
    }

    func testTruncatedDataIsAnErrorNamingTheArray() {
        let bytes = NumPyArray([1, 2, 3, 4], shape: [4]).npy()
        XCTAssertThrowsError(try NumPyArray(npy: Array(bytes.dropLast(3)), name: "cut.npy")) { error in
            XCTAssert("\(error)".contains("cut.npy"), "\(error)")
        }
    }
}
