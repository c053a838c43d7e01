// One column value of an MDS sample, encoded as mosaicml-streaming 0.13 encodes it
// (Shards/README.md §4): `json` (UTF-8 text), `bytes` (as they are) and `ndarray:DTYPE`
// (one byte `(ndim << 2) | w`, the shape as uint8/16/32/64 values chosen by the largest
// axis as `w` says, then the values in C order, little-endian). PseudoTrack writes only
// the `ndarray:DTYPE` form, whose values carry no dtype byte.

import ArrayFiles
import Foundation

extension ElementType {
    /// The types PseudoTrack writes into shards and reads back (`ndarray:NAME`, NAME the raw
    /// value); the others, such as `bool` (which streaming has no encoding for), are refused.
    public static let mdsTypes: [ElementType] = [.uint8, .uint16, .int32, .float16, .float32]
}

/// A dense array: its dtype, shape and little-endian values in C order.
public struct MDSArray: Equatable, Sendable {
    public var dtype: ElementType
    public var shape: [Int]
    public var data: [UInt8]

    public init(dtype: ElementType, shape: [Int], data: [UInt8]) {
        precondition(ElementType.mdsTypes.contains(dtype), "MDSArray: no MDS encoding of \(dtype)")
        precondition(shape.reduce(1, *) * dtype.size == data.count, "MDSArray: \(data.count) bytes for shape \(shape)")
        self.dtype = dtype; self.shape = shape; self.data = data
    }

    public init(float32 values: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, data: values.withUnsafeBytes { Array($0) })
    }

    /// Rounds each value to the nearest float16 (IEEE 754 binary16).
    public init(float16 values: [Float], shape: [Int]) {
        let halves = values.map { Float16($0) }
        self.init(dtype: .float16, shape: shape, data: halves.withUnsafeBytes { Array($0) })
    }

    public init(uint8 values: [UInt8], shape: [Int]) { self.init(dtype: .uint8, shape: shape, data: values) }

    public init(uint16 values: [UInt16], shape: [Int]) {
        self.init(dtype: .uint16, shape: shape, data: values.map { $0.littleEndian }.withUnsafeBytes { Array($0) })
    }

    public init(int32 values: [Int32], shape: [Int]) {
        self.init(dtype: .int32, shape: shape, data: values.withUnsafeBytes { Array($0) })
    }

    public var count: Int { shape.reduce(1, *) }

    /// The values as Float (float32 and float16 arrays).
    public var floats: [Float] {
        switch dtype {
        case .float32: return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        case .float16: return data.withUnsafeBytes { $0.bindMemory(to: Float16.self).map { Float($0) } }
        case .int32: return data.withUnsafeBytes { $0.bindMemory(to: Int32.self).map { Float($0) } }
        case .uint8: return data.map { Float($0) }
        case .uint16: return data.withUnsafeBytes { $0.bindMemory(to: UInt16.self).map { Float(UInt16(littleEndian: $0)) } }
        case .bool, .int8, .int16, .uint32, .uint64, .int64, .float64: preconditionFailure("MDSArray: no MDS encoding of \(dtype)")
        }
    }

    /// The `ndarray:DTYPE` encoding: ndim byte, shape, values.
    public func encoded() -> [UInt8] {
        let largest = shape.max() ?? 0
        let width = largest < 256 ? 0 : largest < 65536 ? 1 : largest < (1 << 32) ? 2 : 3
        var out: [UInt8] = [UInt8((shape.count << 2) | width)]
        out.reserveCapacity(1 + shape.count * (1 << width) + data.count)
        for axis in shape {
            for byte in 0..<(1 << width) { out.append(UInt8(truncatingIfNeeded: axis >> (8 * byte))) }
        }
        out += data
        return out
    }

    /// Decodes an `ndarray:DTYPE` value.
    public init(decoding bytes: ArraySlice<UInt8>, dtype: ElementType) throws {
        guard ElementType.mdsTypes.contains(dtype) else { throw MDSFormatError.value("no MDS encoding of \(dtype.rawValue) arrays") }
        guard let first = bytes.first else { throw MDSFormatError.value("an empty ndarray value") }
        let ndim = Int(first >> 2), width = 1 << Int(first & 3)
        guard ndim >= 1 else { throw MDSFormatError.value("an ndarray of 0 dimensions") }
        var position = bytes.startIndex + 1
        guard bytes.endIndex - position >= ndim * width else { throw MDSFormatError.value("an ndarray shape cut short") }
        var shape: [Int] = []
        for _ in 0..<ndim {
            var axis = 0
            for byte in 0..<width { axis |= Int(bytes[position + byte]) << (8 * byte) }
            shape.append(axis)
            position += width
        }
        // A shard is often somebody else's file: an 8-byte axis can be negative or overflow the product.
        var expected = dtype.size
        for axis in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: axis)
            guard axis >= 0, !overflow else { throw MDSFormatError.value("an ndarray of impossible shape \(shape)") }
            expected = product
        }
        guard bytes.endIndex - position == expected else {
            throw MDSFormatError.value("an ndarray of shape \(shape) (\(dtype.rawValue)) needs \(expected) bytes, has \(bytes.endIndex - position)")
        }
        self.init(dtype: dtype, shape: shape, data: Array(bytes[position...]))
    }
}

/// A column value and its encoding.
public enum MDSValue: Equatable, Sendable {
    case json(String)
    case bytes([UInt8])
    case array(MDSArray)

    /// The encoding name in `column_encodings`.
    public var encoding: String {
        switch self {
        case .json: return "json"
        case .bytes: return "bytes"
        case .array(let a): return "ndarray:\(a.dtype.rawValue)"
        }
    }

    public func encoded() -> [UInt8] {
        switch self {
        case .json(let text): return Array(text.utf8)
        case .bytes(let bytes): return bytes
        case .array(let array): return array.encoded()
        }
    }

    /// Decodes a value of `encoding` (one of the encodings PseudoTrack writes).
    public init(decoding bytes: ArraySlice<UInt8>, encoding: String) throws {
        switch encoding {
        case "json":
            guard let text = String(validating: bytes, as: UTF8.self) else { throw MDSFormatError.value("json that is not UTF-8") }
            self = .json(text)
        case "bytes": self = .bytes(Array(bytes))
        default:
            let parts = encoding.split(separator: ":")
            guard parts.count == 2, parts[0] == "ndarray", let dtype = ElementType(rawValue: String(parts[1])),
                  ElementType.mdsTypes.contains(dtype) else {
                throw MDSFormatError.value("encoding '\(encoding)' is not one PseudoTrack writes")
            }
            self = .array(try MDSArray(decoding: bytes, dtype: dtype))
        }
    }
}

public enum MDSFormatError: Error, CustomStringConvertible, Equatable {
    case value(String)
    case file(path: String, message: String)

    public var description: String {
        switch self {
        case .value(let m): return m
        case .file(let path, let message): return "\(path): \(message)"
        }
    }
}
