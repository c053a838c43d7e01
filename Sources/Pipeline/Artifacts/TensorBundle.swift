// Named arrays in one byte buffer, in the safetensors layout (Hugging Face's format:
// an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
// and byte range, then the raw little-endian data). Stages store their array artifacts
// this way: self-describing, and `safetensors.numpy.load` reads a manifest artifact as it is.

import ArrayFiles
import Foundation

public struct TensorBundle: Equatable, Sendable {
    public struct Tensor: Equatable, Sendable {
        public var dtype: ElementType
        public var shape: [Int]
        public var bytes: [UInt8]
    }

    public private(set) var tensors: [String: Tensor] = [:]
    public var metadata: [String: String] = [:]

    public init() {}

    public mutating func set(_ name: String, _ values: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "TensorBundle: \(name) shape \(shape) for \(values.count) values")
        var bytes = [UInt8](); bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        tensors[name] = Tensor(dtype: .float32, shape: shape, bytes: bytes)
    }

    public mutating func set(_ name: String, _ values: [UInt8], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "TensorBundle: \(name) shape \(shape) for \(values.count) values")
        tensors[name] = Tensor(dtype: .uint8, shape: shape, bytes: values)
    }

    public mutating func set(_ name: String, _ values: [Int32], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "TensorBundle: \(name) shape \(shape) for \(values.count) values")
        var bytes = [UInt8](); bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        tensors[name] = Tensor(dtype: .int32, shape: shape, bytes: bytes)
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let t = tensors[name], t.dtype == .float32 else { throw TensorBundleError.missing(name, "F32") }
        return stride(from: 0, to: t.bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(t.bytes[i]) | UInt32(t.bytes[i + 1]) << 8 | UInt32(t.bytes[i + 2]) << 16 | UInt32(t.bytes[i + 3]) << 24)
        }
    }

    public func int32s(_ name: String) throws -> [Int32] {
        guard let t = tensors[name], t.dtype == .int32 else { throw TensorBundleError.missing(name, "I32") }
        return stride(from: 0, to: t.bytes.count, by: 4).map { i in
            Int32(bitPattern: UInt32(t.bytes[i]) | UInt32(t.bytes[i + 1]) << 8 | UInt32(t.bytes[i + 2]) << 16 | UInt32(t.bytes[i + 3]) << 24)
        }
    }

    public func bytes(_ name: String) throws -> [UInt8] {
        guard let t = tensors[name], t.dtype == .uint8 else { throw TensorBundleError.missing(name, "U8") }
        return t.bytes
    }

    public func shape(_ name: String) -> [Int]? { tensors[name]?.shape }

    // MARK: - safetensors encoding

    public func encoded() -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": t.dtype.safetensorsName, "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]]
            offset += t.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces to a multiple of 8, as the format recommends.
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for name in names { out.append(contentsOf: tensors[name]!.bytes) }
        return out
    }

    public init(decoding data: [UInt8]) throws {
        guard data.count >= 8 else { throw TensorBundleError.malformed("shorter than its header length") }
        let length = data[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length >= 2, 8 + length <= data.count else { throw TensorBundleError.malformed("header length \(length)") }
        guard let header = try JSONSerialization.jsonObject(with: Data(data[8..<(8 + length)])) as? [String: Any] else {
            throw TensorBundleError.malformed("header is not a JSON object")
        }
        let base = 8 + length
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let dtype = ElementType(safetensorsName: dtypeName), let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], base + offsets[1] <= data.count,
                  offsets[1] - offsets[0] == shape.reduce(1, *) * dtype.size else {
                throw TensorBundleError.malformed("entry \(name)")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: Array(data[(base + offsets[0])..<(base + offsets[1])]))
        }
    }
}

public enum TensorBundleError: Error, CustomStringConvertible {
    case missing(String, String)
    case malformed(String)
    public var description: String {
        switch self {
        case .missing(let name, let type): return "tensor '\(name)' (\(type)) is missing"
        case .malformed(let what): return "malformed tensor bundle: \(what)"
        }
    }
}
