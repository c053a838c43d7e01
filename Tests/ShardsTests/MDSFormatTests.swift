import Checksums
import Compression
import Foundation
import Shards
import XCTest

final class MDSFormatTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws { directory = NSTemporaryDirectory() + "pt-mds-\(UUID().uuidString)" }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testNDArrayEncodingIsTheSpecificationsExample() throws {
        // Shards/README.md §4: queries [[0, 10, 20], [3, 1.5, 2.5]] as ndarray:float32.
        let array = MDSArray(float32: [0, 10, 20, 3, 1.5, 2.5], shape: [2, 3])
        let hex = array.encoded().map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(hex, "080203" + "00000000" + "00002041" + "0000a041" + "00004040" + "0000c03f" + "00002040")
        XCTAssertEqual(try MDSArray(decoding: array.encoded()[...], dtype: .float32), array)
    }

    func testShapeValuesWidenWithTheLargestAxisAndFloat16Rounds() throws {
        let wide = MDSArray(uint8: [UInt8](repeating: 7, count: 300 * 2), shape: [300, 2])
        let bytes = wide.encoded()
        XCTAssertEqual(bytes[0], UInt8((2 << 2) | 1), "two axes, uint16 shape values")
        XCTAssertEqual(Array(bytes[1..<5]), [0x2c, 0x01, 0x02, 0x00])
        XCTAssertEqual(try MDSArray(decoding: bytes[...], dtype: .uint8), wide)
        let half = MDSArray(float16: [0, 1, 0.1, 65504], shape: [4])
        XCTAssertEqual(half.floats, [0, 1, Float(Float16(0.1)), 65504])
        XCTAssertThrowsError(try MDSArray(decoding: bytes.dropLast(), dtype: .uint8))
    }

    func testConfigurationTextIsWhatPythonsJSONDumpsWrites() {
        let columns = MDSColumns(["b": "ndarray:uint8", "a": "json", "B": "bytes"], zstdLevel: 7, sizeLimit: 1000)
        XCTAssertEqual(columns.names, ["B", "a", "b"], "sorted by code point")
        XCTAssertEqual(columns.configurationText, """
            {"column_encodings": ["bytes", "json", "ndarray:uint8"], "column_names": ["B", "a", "b"], \
            "column_sizes": [null, null, null], "compression": "zstd:7", "format": "mds", "hashes": ["sha1"], \
            "size_limit": 1000, "version": 2}
            """)
    }

    private func sample(_ i: Int, payload: Int = 100) -> [String: MDSValue] {
        ["meta": .json("{\"clip_id\": \"c\(i)\"}"), "data": .bytes([UInt8](repeating: UInt8(i), count: payload)),
         "tracks": .array(MDSArray(float32: [Float(i), 2], shape: [1, 1, 2]))]
    }

    func testShardsWrittenStagedAndPublishedReadBackWithTheirIndex() throws {
        let folder = try MDSDirectory(path: directory)
        let columns = MDSColumns(["meta": "json", "data": "bytes", "tracks": "ndarray:float32"], sizeLimit: 1200)
        let writer = MDSShardWriter<Int>(columns: columns, directory: folder)
        var entries: [MDSIndexEntry] = []
        var written: [[[String: MDSValue]]] = [[]]
        for i in 0..<12 {
            let encoded = try columns.encode(sample(i))
            if !writer.fits(encoded) {
                entries.append(try folder.publish(try writer.stage(), index: entries.count))
                writer.clear()
                written.append([])
            }
            writer.append(encoded, tag: i)
            written[written.count - 1].append(sample(i))
        }
        entries.append(try folder.publish(try writer.stage(), index: entries.count))
        try folder.writeIndex(entryTexts: entries.map(\.json))

        XCTAssertGreaterThan(entries.count, 1, "the size limit splits the samples")
        XCTAssertTrue(entries.allSatisfy { $0.raw.bytes <= 1200 })
        XCTAssertEqual(folder.shardFiles(), (0..<entries.count).map { MDSIndexEntry.rawBasename($0) + ".zstd" })
        XCTAssertTrue(folder.temporaryFiles().isEmpty)
        let index = try MDSIndex(directory: folder)
        XCTAssertEqual(index.entries, entries)
        for (k, entry) in index.entries.enumerated() {
            XCTAssertEqual(try MDSShardReader.read(entry, in: folder), written[k])
            let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + entry.zip.basename)))
            let raw = try Zstd.decompress(file)
            XCTAssertEqual(Digest.hex(raw, .sha1), entry.raw.sha1)
            XCTAssertEqual(raw.count, entry.raw.bytes)
        }
        XCTAssertEqual(written.joined().count, 12)
    }

    func testTheReaderRefusesACorruptedOrMiscountedShard() throws {
        let folder = try MDSDirectory(path: directory)
        let columns = MDSColumns(["meta": "json", "data": "bytes", "tracks": "ndarray:float32"])
        let writer = MDSShardWriter<Int>(columns: columns, directory: folder)
        for i in 0..<3 { writer.append(try columns.encode(sample(i)), tag: i) }
        let entry = try folder.publish(try writer.stage(), index: 0)
        XCTAssertEqual(try MDSShardReader.read(entry, in: folder).count, 3)

        var miscounted = entry
        miscounted.samples = 4
        XCTAssertThrowsError(try MDSShardReader.read(miscounted, in: folder)) { error in
            XCTAssertTrue("\(error)".contains("holds 3 samples"), "\(error)")
        }
        let path = directory + "/" + entry.zip.basename
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try MDSShardReader.read(entry, in: folder)) { error in
            XCTAssertTrue("\(error)".contains("SHA-1") && "\(error)".contains(entry.zip.basename), "\(error)")
        }
        XCTAssertThrowsError(try columns.encode(["meta": .json("{}")])) { error in
            XCTAssertTrue("\(error)".contains("are not the shard's"), "\(error)")
        }
    }

    func testIndexEntriesWithAnExtraKeyAreRefused() throws {
        let columns = MDSColumns(["meta": "json"])
        let entry = MDSIndexEntry(columns: columns, samples: 1, raw: MDSFileInfo(basename: "shard.00000.mds", bytes: 10, sha1: "ab"),
                                  zip: MDSFileInfo(basename: "shard.00000.mds.zstd", bytes: 9, sha1: "cd"))
        var object = try JSONSerialization.jsonObject(with: Data(entry.json.utf8)) as! [String: Any]
        XCTAssertEqual(try MDSIndexEntry(parsing: object), entry)
        object["clip_ids"] = [1]
        XCTAssertThrowsError(try MDSIndexEntry(parsing: object))
    }

    func testTemporaryFilesOfDeadProcessesAreRemovedAndOthersKept() throws {
        let folder = try MDSDirectory(path: directory)
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let live = folder.temporaryPath()
        try Data([1]).write(to: URL(fileURLWithPath: live))
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: ".", with: "_")
        let dead = "\(directory!)/.shard.\(host).\(exited.processIdentifier).1f.tmp"
        try Data([2]).write(to: URL(fileURLWithPath: dead))
        // An index text whose writer was killed before its rename.
        let deadIndex = "\(directory!)/.index.\(host).\(exited.processIdentifier).2e.tmp"
        try Data([3]).write(to: URL(fileURLWithPath: deadIndex))
        XCTAssertEqual(folder.removeDeadTemporaries().sorted(),
                       [".index.\(host).\(exited.processIdentifier).2e.tmp", ".shard.\(host).\(exited.processIdentifier).1f.tmp"])
        XCTAssertEqual(folder.temporaryFiles(), [URL(fileURLWithPath: live).lastPathComponent])
    }
}

final class MDSElementTypeTests: XCTestCase {
    /// The column encodings PseudoTrack writes read back; one that streaming has no encoding
    /// for (`bool`) or that PseudoTrack does not write is refused with a clear error.
    func testOnlyTheWrittenArrayTypesDecode() throws {
        let value = MDSValue.array(MDSArray(uint16: [1, 500], shape: [2]))
        XCTAssertEqual(value.encoding, "ndarray:uint16")
        XCTAssertEqual(try MDSValue(decoding: value.encoded()[...], encoding: value.encoding), value)
        for encoding in ["ndarray:bool", "ndarray:float64", "ndarray:<f4"] {
            XCTAssertThrowsError(try MDSValue(decoding: [0x04, 0x01, 0x00][...], encoding: encoding)) {
                XCTAssertTrue("\($0)".contains(encoding), "\($0)")
            }
        }
        XCTAssertThrowsError(try MDSArray(decoding: [0x04, 0x01, 0x00][...], dtype: .bool)) { XCTAssertTrue("\($0)".contains("bool"), "\($0)") }
    }
}
