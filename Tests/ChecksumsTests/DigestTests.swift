import Checksums
import Foundation
import XCTest

final class DigestTests: XCTestCase {
    func testKnownVectors() {
        // FIPS 180-2 examples ("abc").
        XCTAssertEqual(Digest.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Digest.hex(Array("abc".utf8), .sha1), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(Digest.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testPiecesGiveTheDigestOfTheWholeAndFinalisingTwiceIsTheSame() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let digest = Digest(.sha256)
        for start in stride(from: 0, to: bytes.count, by: 777) { digest.update(Array(bytes[start..<min(start + 777, bytes.count)])) }
        let once = digest.finalizeHex()
        XCTAssertEqual(once, Digest.hex(bytes))
        XCTAssertEqual(digest.finalizeHex(), once)
    }

    func testDigestsNeverFinalisedAndSharedReferencesAreSafe() {
        // Each context is freed once by its owner: dropped unfinalised, or finalised through a second reference.
        for i in 0..<1000 {
            let digest = Digest(.sha1)
            digest.update([UInt8(truncatingIfNeeded: i)])
            if i % 2 == 0 { let other = digest; _ = other.finalizeHex() }
        }
    }

    func testFileDigestStreamsTheWholeFile() throws {
        let path = NSTemporaryDirectory() + "digest-\(UUID().uuidString).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 / 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (hex, count) = try Digest.hexOfFile(path)
        XCTAssertEqual(count, Int64(bytes.count))
        XCTAssertEqual(hex, Digest.hex(bytes))
    }
}
