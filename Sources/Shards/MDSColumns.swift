// The columns of an MDS shard and the configuration every shard of a directory shares
// (Shards/README.md §2, §3.2): names sorted by code point, their encodings, zstd level,
// hash algorithms and size limit. The configuration text is what mosaicml-streaming's
// writer embeds in each shard (Python's `json.dumps(config, sort_keys=True)`), written
// byte for byte so that shards are identical to the reference writer's.

import Foundation

public struct MDSColumns: Equatable, Sendable {
    /// Column names, sorted, and their encodings.
    public let names: [String]
    public let encodings: [String]
    /// `zstd` level (1…22); level 3 is written as plain "zstd".
    public let zstdLevel: Int32
    /// Largest uncompressed shard in bytes (a sample larger than this gets a shard of its own).
    public let sizeLimit: Int

    public init(_ encodingsByName: [String: String], zstdLevel: Int32 = 3, sizeLimit: Int = 1 << 26) {
        names = encodingsByName.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        encodings = names.map { encodingsByName[$0]! }
        precondition((1...22).contains(zstdLevel) && sizeLimit > 0 && sizeLimit < (1 << 32))
        self.zstdLevel = zstdLevel
        self.sizeLimit = sizeLimit
    }

    public var compression: String { zstdLevel == 3 ? "zstd" : "zstd:\(zstdLevel)" }
    public static let hashes = ["sha1"]

    /// The configuration object's members, as JSON text, keys sorted (without the braces).
    var configurationMembers: [(String, String)] {
        [("column_encodings", PythonJSON.list(encodings.map(PythonJSON.string))),
         ("column_names", PythonJSON.list(names.map(PythonJSON.string))),
         ("column_sizes", PythonJSON.list(names.map { _ in "null" })),
         ("compression", PythonJSON.string(compression)),
         ("format", PythonJSON.string("mds")),
         ("hashes", PythonJSON.list(Self.hashes.map(PythonJSON.string))),
         ("size_limit", String(sizeLimit)),
         ("version", "2")]
    }

    /// The configuration embedded in each shard.
    public var configurationText: String { PythonJSON.object(configurationMembers) }

    /// Encodes one sample: a uint32 length per column, then the values, in column order.
    public func encode(_ sample: [String: MDSValue]) throws -> [UInt8] {
        guard Set(sample.keys) == Set(names) else {
            throw MDSFormatError.value("sample columns \(sample.keys.sorted()) are not the shard's \(names)")
        }
        let values = try names.enumerated().map { index, name -> [UInt8] in
            let value = sample[name]!
            guard value.encoding == encodings[index] else {
                throw MDSFormatError.value("column \(name) is \(value.encoding), the shard's encoding is \(encodings[index])")
            }
            return value.encoded()
        }
        var out: [UInt8] = []
        out.reserveCapacity(4 * values.count + values.reduce(0) { $0 + $1.count })
        for value in values { appendUInt32(UInt32(value.count), to: &out) }
        for value in values { out += value }
        return out
    }

    /// Splits an encoded sample into its column values.
    public func decode(_ sample: ArraySlice<UInt8>) throws -> [String: MDSValue] {
        guard sample.count >= 4 * names.count else { throw MDSFormatError.value("a sample shorter than its size table") }
        var position = sample.startIndex + 4 * names.count
        var result: [String: MDSValue] = [:]
        for (index, name) in names.enumerated() {
            let size = Int(readUInt32(sample, at: sample.startIndex + 4 * index))
            guard sample.endIndex - position >= size else { throw MDSFormatError.value("column \(name) runs past the sample's end") }
            result[name] = try MDSValue(decoding: sample[position..<(position + size)], encoding: encodings[index])
            position += size
        }
        guard position == sample.endIndex else { throw MDSFormatError.value("\(sample.endIndex - position) bytes after the sample's last column") }
        return result
    }
}

func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
    out.append(UInt8(value & 0xff)); out.append(UInt8((value >> 8) & 0xff))
    out.append(UInt8((value >> 16) & 0xff)); out.append(UInt8(value >> 24))
}

func readUInt32<C: Collection>(_ bytes: C, at index: C.Index) -> UInt32 where C.Element == UInt8 {
    var value: UInt32 = 0
    var i = index
    for shift in stride(from: 0, to: 32, by: 8) { value |= UInt32(bytes[i]) << UInt32(shift); i = bytes.index(after: i) }
    return value
}

/// JSON text as Python's `json.dumps` writes it by default: separators ", " and ": ",
/// non-ASCII escaped as \uXXXX.
enum PythonJSON {
    static func string(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0c: out += "\\f"
            case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }
    static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
    /// Members must already be in the order wanted (sorted for sort_keys=True).
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }
}
