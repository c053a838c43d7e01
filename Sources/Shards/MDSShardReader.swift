// Reads a shard directory back, checking everything the index promises (Shards/README.md
// §6): the compressed file's length and SHA-1, the decompressed bytes' length and SHA-1,
// the sample count, monotonic offsets that end at the file's end, and the embedded
// configuration. Used by `pseudotrack verify`; training code reads with
// `pseudotrack_data` or StreamingDataset.

import Checksums
import Compression
import Foundation

public struct MDSIndex: Sendable {
    public var entries: [MDSIndexEntry]

    /// Parses `DIR/index.json`.
    public init(directory: MDSDirectory) throws {
        let path = directory.indexPath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MDSFormatError.file(path: path, message: "missing or unreadable")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MDSFormatError.file(path: path, message: "not a JSON object")
        }
        guard object["version"] as? Int == 2, let shards = object["shards"] as? [Any] else {
            throw MDSFormatError.file(path: path, message: "not {\"version\": 2, \"shards\": [...]}")
        }
        entries = try shards.enumerated().map { index, value in
            do { return try MDSIndexEntry(parsing: value) } catch {
                throw MDSFormatError.file(path: path, message: "shard \(index): \(error)")
            }
        }
    }
}

public struct MDSShardReader {
    /// The shard's samples, each with its columns decoded.
    public static func read(_ entry: MDSIndexEntry, in directory: MDSDirectory) throws -> [[String: MDSValue]] {
        let path = directory.path + "/" + entry.zip.basename
        func fail(_ message: String) -> MDSFormatError { .file(path: path, message: message) }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("missing or unreadable") }
        let compressed = [UInt8](data)
        guard compressed.count == entry.zip.bytes else { throw fail("\(compressed.count) bytes, the index says \(entry.zip.bytes)") }
        guard Digest.hex(compressed, .sha1) == entry.zip.sha1 else { throw fail("SHA-1 differs from the index's") }
        let raw: [UInt8]
        do { raw = try Zstd.decompress(compressed) } catch { throw fail("\(error)") }
        guard raw.count == entry.raw.bytes else { throw fail("decompresses to \(raw.count) bytes, the index says \(entry.raw.bytes)") }
        guard Digest.hex(raw, .sha1) == entry.raw.sha1 else { throw fail("decompressed SHA-1 differs from the index's") }
        guard raw.count >= 8 else { throw fail("too short for a shard") }
        let count = Int(readUInt32(raw, at: 0))
        guard count == entry.samples else { throw fail("holds \(count) samples, the index says \(entry.samples)") }
        guard raw.count >= 4 * (count + 2) else { throw fail("offset table cut short") }
        let offsets = (0...count).map { Int(readUInt32(raw, at: 4 + 4 * $0)) }
        let configuration = Array(entry.columns.configurationText.utf8)
        guard offsets[0] >= 4 * (count + 2), Array(raw[(4 * (count + 2))..<offsets[0]]) == configuration else {
            throw fail("the embedded configuration differs from the index entry's")
        }
        guard zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }), offsets[count] == raw.count else {
            throw fail("offsets are not increasing to the end of the shard")
        }
        return try (0..<count).map { index in
            do { return try entry.columns.decode(raw[offsets[index]..<offsets[index + 1]]) } catch {
                throw fail("sample \(index): \(error)")
            }
        }
    }
}
