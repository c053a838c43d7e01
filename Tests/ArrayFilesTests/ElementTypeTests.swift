import ArrayFiles
import XCTest

final class ElementTypeTests: XCTestCase {
    /// Every type has one NumPy descr that reads back as that type and gives .npy files of the
    /// right size; little-endian `<u1`/`<b1` read as `|u1`/`|b1`; big-endian is refused.
    func testNumPyNamesRoundTrip() throws {
        for type in ElementType.allCases {
            XCTAssertEqual(ElementType(numpyDescr: type.numpyDescr), type)
            let array = NumPyArray(dtype: type, shape: [2, 3], data: [UInt8](repeating: 1, count: 6 * type.size))
            XCTAssertEqual(try NumPyArray(npy: array.npy()), array, "\(type)")
        }
        XCTAssertEqual(Set(ElementType.allCases.map(\.numpyDescr)).count, ElementType.allCases.count)
        XCTAssertEqual(ElementType(numpyDescr: "<u1"), .uint8)
        XCTAssertEqual(ElementType(numpyDescr: "<b1"), .bool)
        XCTAssertNil(ElementType(numpyDescr: ">f4"))
        XCTAssertEqual(NumPyArray(dtype: .uint16, shape: [2], data: [0x34, 0x12, 1, 0]).floats(), [0x1234, 1])
    }

    /// Every type has one safetensors name that reads back as that type.
    func testSafetensorsNamesRoundTrip() {
        for type in ElementType.allCases { XCTAssertEqual(ElementType(safetensorsName: type.safetensorsName), type) }
        XCTAssertEqual(Set(ElementType.allCases.map(\.safetensorsName)).count, ElementType.allCases.count)
        XCTAssertEqual(ElementType.float32.safetensorsName, "F32")
        XCTAssertNil(ElementType(safetensorsName: "f32"))
    }
}
