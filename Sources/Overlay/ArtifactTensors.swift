// A small reader of the engine's array artifacts as the manifest stores them (format
// `*.v1+safetensors`: an 8-byte little-endian header length, a JSON header giving each
// tensor's dtype, shape and byte range, then the data). Pipeline.TensorBundle writes
// them; this module reads them without depending on Pipeline (which is being split into
// modules of its own), until the manifest offers typed codecs. Only what overlays need:
// float32, uint8 and int32 tensors (ArrayFiles.ElementType) and the string metadata.

import ArrayFiles
import Foundation

public struct ArtifactTensors {
    struct Entry { var dtype: String; var shape: [Int]; var range: Range<Int> }
    let bytes: [UInt8]
    let entries: [String: Entry]
    public let metadata: [String: String]
    let name: String

    /// Parses `bytes` (the uncompressed artifact); `name` is used in errors.
    public init(_ bytes: [UInt8], name: String) throws {
        self.bytes = bytes; self.name = name
        guard bytes.count >= 8 else { throw OverlayError.input("artifact \(name): shorter than its header length") }
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        guard length >= 2, length <= bytes.count - 8,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any] else {
            throw OverlayError.input("artifact \(name): unreadable safetensors header")
        }
        var entries: [String: Entry] = [:]
        for (key, value) in header where key != "__metadata__" {
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int], offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1],
                  8 + length + offsets[1] <= bytes.count else {
                throw OverlayError.input("artifact \(name): malformed entry \(key)")
            }
            entries[key] = Entry(dtype: dtype, shape: shape, range: (8 + length + offsets[0])..<(8 + length + offsets[1]))
        }
        self.entries = entries
        metadata = header["__metadata__"] as? [String: String] ?? [:]
    }

    public func has(_ tensor: String) -> Bool { entries[tensor] != nil }
    public func shape(_ tensor: String) -> [Int]? { entries[tensor]?.shape }

    func entry(_ tensor: String, _ dtype: ElementType) throws -> Entry {
        guard let e = entries[tensor], e.dtype == dtype.safetensorsName, e.range.count == e.shape.reduce(1, *) * dtype.size else {
            throw OverlayError.input("artifact \(name): no \(dtype.safetensorsName) tensor '\(tensor)'")
        }
        return e
    }

    public func floats(_ tensor: String) throws -> [Float] {
        let e = try entry(tensor, .float32)
        return stride(from: e.range.lowerBound, to: e.range.upperBound, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    public func int32s(_ tensor: String) throws -> [Int32] {
        let e = try entry(tensor, .int32)
        return stride(from: e.range.lowerBound, to: e.range.upperBound, by: 4).map { i in
            Int32(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    public func uint8s(_ tensor: String) throws -> [UInt8] { Array(bytes[try entry(tensor, .uint8).range]) }
}

/// The string values of a JSON object given as text ({} when it is not one).
func jsonObject(_ text: String?) -> [String: Any] {
    guard let text, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [:] }
    return object
}
