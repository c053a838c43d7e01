// Seeded mutation fuzzing of every parser of outside data: rig.json, pipeline YAML,
// .npy/.npz, @list.txt, MDS index entries and shard samples, depth file patterns. Each
// starts from valid seeds, applies a fixed number of deterministic mutations (byte
// flips, deletions, duplications, splices of hostile tokens: `%s`, `-1`, `1e300`, `.nan`,
// deep nesting), and requires that the parser returns or throws — never crashes, hangs or
// allocates without bound. The iteration count is fixed so `make test` runs the same
// inputs every time; PSEUDOTRACK_FUZZ_ITERATIONS raises it for a longer search.
//
// Why a seeded loop and not libFuzzer: the toolchain here does build libFuzzer targets
// (`swiftc -sanitize=fuzzer` on a file defining LLVMFuzzerTestOneInput links and runs),
// but a libFuzzer binary supplies its own `main`, so it cannot be an XCTest target, and
// `swift build -Xswiftc -sanitize=fuzzer` instruments the whole package (a second full
// build of every module) for coverage feedback we do not need to catch these crashes.
// The loop runs inside `make test` as it is, deterministically; coverage-guided runs are
// left for later (a `Fuzz/` executable per parser).
// Inputs that crashed a parser are kept below as regression cases.

import ArrayFiles
import Foundation
@testable import Ingest
@testable import Pipeline
@testable import PipelineDefinition
import Shards
import XCTest

final class ParserFuzzTests: XCTestCase {
    static let iterations = Int(ProcessInfo.processInfo.environment["PSEUDOTRACK_FUZZ_ITERATIONS"] ?? "") ?? 1500

    /// xorshift64*: deterministic, no dependency.
    struct Mutator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2685821657736338717
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
        static let tokens: [[UInt8]] = ["%s", "%p", "%0999999999d", "-1", "-4611686018427387904", "1e300", ".nan", ".inf", "[[[[[[[[",
                                        "{{{{", "}", "]", ",", ":", "\"", "'", "\u{0}", "\n", "  ", "null", "true", "..", "/", "@",
                                        "99999999999999999999", "0x", "*", "&a", "!!binary", "<<: *a"].map { Array($0.utf8) }
        mutating func mutate(_ input: [UInt8]) -> [UInt8] {
            var bytes = input
            for _ in 0..<(1 + below(4)) {
                switch below(5) {
                case 0 where !bytes.isEmpty: bytes[below(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << below(8))
                case 1 where !bytes.isEmpty:
                    let start = below(bytes.count); bytes.removeSubrange(start..<min(bytes.count, start + 1 + below(8)))
                case 2 where !bytes.isEmpty:
                    let start = below(bytes.count), end = min(bytes.count, start + 1 + below(16))
                    bytes.insert(contentsOf: bytes[start..<end], at: below(bytes.count))
                case 3: bytes.insert(contentsOf: Self.tokens[below(Self.tokens.count)], at: below(bytes.count + 1))
                default: if !bytes.isEmpty { bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: next()) }
                }
            }
            return bytes
        }
    }

    var directory = ""
    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func fuzz(_ seeds: [[UInt8]], seed: UInt64, _ body: ([UInt8]) throws -> Void) {
        var mutator = Mutator(state: seed)
        for i in 0..<Self.iterations {
            let input = mutator.mutate(seeds[i % seeds.count])
            _ = try? body(input)
        }
    }

    func testRigJSON() throws {
        let rig = """
        {"fps": 10, "depth_unit_m": 0.001, "cameras": [
          {"name": "cam0", "video": "cam0.mp4", "depth": "cam0_depth/%05d.png",
           "K": [[100, 0, 32], [0, 100, 24], [0, 0, 1]], "extrinsics_w2c": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3]]},
          {"name": "cam1", "video": "cam1.mp4", "depth": "d.npz",
           "K": [[100, 0, 32], [0, 100, 24], [0, 0, 1]], "extrinsics_w2c": [[[1, 0, 0, 0.1], [0, 1, 0, 0], [0, 0, 1, 3]]]}]}
        """
        fuzz([Array(rig.utf8)], seed: 1) { bytes in
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/rig.json"))
            _ = try RigDescription(directory: directory)
        }
    }

    func testPipelineYAML() throws {
        let text = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/FuzzTests/ParserFuzzTests.swift",
                                                                           with: "Pipelines/default.yaml"), encoding: .utf8)
        let small = """
        seed: 1
        stages: [decode-check, points, teacher]
        clips: {length: 24, frame_step: {min: 1, max: 2}, resolution: {mode: crop, width: 64, height: 64}}
        teachers: [{name: flow, weight: 2}, {name: x, command: [python3, t.py], timeout: 5}]
        run: {lease_seconds: 30}
        """
        fuzz([Array(text.utf8), Array(small.utf8)], seed: 2) { bytes in
            _ = try PipelineDefinition.parse(String(decoding: bytes, as: UTF8.self))
        }
    }

    func testNumPy() throws {
        let array = NumPyArray([Float](repeating: 1.5, count: 24), shape: [2, 3, 4])
        let path = directory + "/a.npz"
        try NumPyArchive.write([("depth", array), ("other", NumPyArray([true, false], shape: [2]))], to: path)
        let archive = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        fuzz([array.npy()], seed: 3) { bytes in _ = try NumPyArray(npy: bytes).floats() }
        fuzz([archive], seed: 4) { bytes in _ = try NumPyArchive.parse(bytes, name: "a.npz") }
    }

    func testListFiles() throws {
        let list = "# videos\na.mp4\nsub/b.mkv\n\n  c.mov  \n"
        fuzz([Array(list.utf8)], seed: 5) { bytes in
            // Relative names only: the fuzzer must not walk the machine's file system.
            let safe = bytes.map { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ".") ? UInt8(ascii: "_") : $0 }
            try Data(safe).write(to: URL(fileURLWithPath: directory + "/list.txt"))
            _ = try Ingestor.expand(["@" + directory + "/list.txt"])
        }
    }

    func testMDSIndexEntriesAndSamples() throws {
        let columns = MDSColumns(["meta": "json", "data": "bytes", "tracks": "ndarray:float32"])
        let sample: [String: MDSValue] = ["meta": .json("{\"a\": 1}"), "data": .bytes([1, 2, 3]),
                                          "tracks": .array(MDSArray(float32: [Float](repeating: 0.5, count: 6), shape: [3, 2]))]
        let encoded = try columns.encode(sample)
        fuzz([encoded], seed: 6) { bytes in _ = try columns.decode(bytes[...]) }
        let entry = MDSIndexEntry(columns: columns, samples: 1, raw: MDSFileInfo(basename: "shard.00000.mds", bytes: 10, sha1: "ab"),
                                  zip: MDSFileInfo(basename: "shard.00000.mds.zstd", bytes: 9, sha1: "cd"))
        fuzz([Array(MDSIndexEntry.indexText(entryTexts: [entry.json]).utf8)], seed: 7) { bytes in
            let object = try JSONSerialization.jsonObject(with: Data(bytes))
            guard let shards = (object as? [String: Any])?["shards"] as? [Any] else { return }
            for value in shards { _ = try MDSIndexEntry(parsing: value) }
        }
    }

    func testDepthPatterns() throws {
        fuzz([Array("cam0_depth/%05d.png".utf8), Array("d%%/%d.png".utf8)], seed: 8) { bytes in
            let pattern = try DepthFilePattern(String(decoding: bytes, as: UTF8.self))
            XCTAssertLessThan(pattern.file(frame: 123_456).utf8.count, bytes.count + 40)
        }
    }
}

/// Inputs the fuzzer (or its first run) found crashing a parser, kept as they were.
final class ParserRegressionTests: XCTestCase {
    /// An MDS ndarray with 8-byte axes whose product overflows (or is negative) trapped in
    /// MDSArray(decoding:) before the fix.
    func testAnNDArrayShapeThatOverflowsIsAnError() {
        var bytes: [UInt8] = [(2 << 2) | 3]
        bytes += [UInt8](repeating: 0xff, count: 8) + [0, 0, 0, 0, 0, 0, 0, 0x40]
        bytes += [0, 0, 0, 0]
        XCTAssertThrowsError(try MDSValue(decoding: bytes[...], encoding: "ndarray:float32"))
        bytes = [(1 << 2) | 3] + [0, 0, 0, 0, 0, 0, 0, 0x20] + [0, 0, 0, 0]
        XCTAssertThrowsError(try MDSValue(decoding: bytes[...], encoding: "ndarray:float32"))
    }

    /// .npy shapes that trapped (negative) or overflowed the byte count before the fix.
    func testNumPyShapesThatCrashed() {
        for shape in ["(-1,)", "(4611686018427387904, 4)", "(3037000500, 3037000500)"] {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            let n = header.utf8.count
            let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + [0, 0, 0, 0]
            XCTAssertThrowsError(try NumPyArray(npy: bytes), shape)
        }
    }

    /// A .npz central directory whose name runs past the end trapped before the fix.
    func testNumPyArchiveNameRunningPastTheEnd() {
        var bytes = [UInt8](repeating: 0, count: 46 + 22)
        bytes[0] = 0x50; bytes[1] = 0x4B; bytes[2] = 0x01; bytes[3] = 0x02      // central directory entry
        bytes[28] = 0xff; bytes[29] = 0x7f                                         // name length 32767
        let end = 46
        bytes[end] = 0x50; bytes[end + 1] = 0x4B; bytes[end + 2] = 0x05; bytes[end + 3] = 0x06
        bytes[end + 10] = 1                                                        // one entry, at offset 0
        XCTAssertThrowsError(try NumPyArchive.parse(bytes, name: "x.npz"))
    }
}
