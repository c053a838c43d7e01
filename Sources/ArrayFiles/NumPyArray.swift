// NumPy arrays as files: the .npy format (version 1.0: magic, a Python-literal header with
// dtype, order and shape, then the raw C-order data; numpy's NEP 1) and .npz archives (a
// ZIP of .npy files, stored or deflated, as np.savez and np.savez_compressed write them).
// This is how `pseudotrack track` and `eval` exchange arrays with Python: what numpy
// writes, this reads, and the other way round.

import CZlib
import Foundation

public struct NumPyArray: Equatable, Sendable {
    public var dtype: ElementType
    public var shape: [Int]
    /// Little-endian C-order data.
    public var data: [UInt8]

    public init(dtype: ElementType, shape: [Int], data: [UInt8]) {
        precondition(shape.reduce(1, *) * dtype.size == data.count, "NumPyArray: \(data.count) bytes for \(shape) \(dtype)")
        self.dtype = dtype; self.shape = shape; self.data = data
    }

    public init(_ values: [Float], shape: [Int]) {
        var data = [UInt8](); data.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        self.init(dtype: .float32, shape: shape, data: data)
    }

    public init(_ values: [Bool], shape: [Int]) {
        self.init(dtype: .bool, shape: shape, data: values.map { $0 ? 1 : 0 })
    }

    public var count: Int { shape.reduce(1, *) }

    /// The values as Float, whatever the numeric dtype.
    public func floats() -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<count).map { i -> Float in
                switch dtype {
                case .float32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .float64: return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                case .uint8, .bool: return Float(raw[i])
                case .int8: return Float(Int8(bitPattern: raw[i]))
                case .uint16: return Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                case .int16: return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                case .uint32: return Float(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .int32: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .uint64: return Float(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                case .int64: return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            }
        }
    }

    // MARK: .npy

    public func npy() -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype.numpyDescr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so that the data starts at a multiple of 64, ending in a newline.
        let fixed = 10
        while (fixed + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        out += data
        return out
    }

    public init(npy bytes: [UInt8], name: String = "array") throws {
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw NumPyError.malformed(name, "not a .npy file")
        }
        let major = bytes[6]
        guard major >= 1 && major <= 3, major == 1 || bytes.count >= 12 else { throw NumPyError.unsupported(name, "format version \(major)") }
        let (headerLength, start): (Int, Int) = major == 1
            ? (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
            : (Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24, 12)
        guard start + headerLength <= bytes.count else { throw NumPyError.malformed(name, "header runs past the end") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrText = field("descr"), let quote = descrText.first, quote == "'" || quote == "\"" else {
            throw NumPyError.malformed(name, "no dtype")
        }
        let descr = String(descrText.dropFirst().prefix { $0 != quote })
        guard let dtype = ElementType(numpyDescr: descr) else { throw NumPyError.unsupported(name, "dtype \(descr)") }
        let fortran = field("fortran_order")?.hasPrefix("True") ?? false
        guard let shapeText = field("shape"), shapeText.first == "(" else { throw NumPyError.malformed(name, "no shape") }
        let inner = shapeText.dropFirst().prefix { $0 != ")" }
        // Every dimension a non-negative integer, and the product within the file's bytes:
        // a negative or huge shape is an error, never a crash or a huge allocation.
        var shape: [Int] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let n = Int(text), n >= 0 else { throw NumPyError.malformed(name, "shape (\(inner)) has a dimension that is not a non-negative integer") }
            shape.append(n)
        }
        guard shape.count <= 32 else { throw NumPyError.malformed(name, "shape has \(shape.count) dimensions") }
        var size = dtype.size
        for n in shape {
            let (product, overflow) = size.multipliedReportingOverflow(by: n)
            guard !overflow, product <= bytes.count else { throw NumPyError.malformed(name, "data shorter than its shape \(shape)") }
            size = product
        }
        let dataStart = start + headerLength
        guard dataStart + size <= bytes.count else { throw NumPyError.malformed(name, "data shorter than its shape \(shape)") }
        let raw = Array(bytes[dataStart..<(dataStart + size)])
        self.init(dtype: dtype, shape: shape, data: fortran ? Self.cOrder(fromFortran: raw, shape: shape, elementSize: dtype.size) : raw)
    }

    /// Column-major data (numpy's fortran_order, e.g. a transposed array saved as it is)
    /// rearranged into row-major order.
    static func cOrder(fromFortran data: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        let count = shape.reduce(1, *)
        guard shape.count > 1, count > 0 else { return data }
        var out = [UInt8](repeating: 0, count: data.count)
        var fortranStrides = [Int](repeating: 1, count: shape.count)
        for axis in 1..<shape.count { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
        var index = [Int](repeating: 0, count: shape.count)
        for c in 0..<count {
            let f = zip(index, fortranStrides).reduce(0) { $0 + $1.0 * $1.1 }
            for b in 0..<elementSize { out[c * elementSize + b] = data[f * elementSize + b] }
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}

public enum NumPyError: Error, CustomStringConvertible {
    case malformed(String, String)
    case unsupported(String, String)
    case missing(String, String)
    public var description: String {
        switch self {
        case .malformed(let file, let why): return "\(file): malformed (\(why))"
        case .unsupported(let file, let why): return "\(file): unsupported (\(why))"
        case .missing(let file, let name): return "\(file): no array named '\(name)'"
        }
    }
}

extension ElementType {
    /// NumPy's `descr` of the type, little-endian: `<f4`, `|u1`, `|b1`.
    public var numpyDescr: String {
        switch self {
        case .bool: return "|b1"
        case .uint8: return "|u1"
        case .int8: return "|i1"
        case .uint16: return "<u2"
        case .int16: return "<i2"
        case .uint32: return "<u4"
        case .int32: return "<i4"
        case .uint64: return "<u8"
        case .int64: return "<i8"
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        }
    }

    /// The type of a NumPy `descr` (`<u1`, `<i1` and `<b1` read as `|u1`, `|i1` and `|b1`);
    /// nil for a big-endian or other type.
    public init?(numpyDescr descr: String) {
        let normalised = ["<u1": "|u1", "<i1": "|i1", "<b1": "|b1"][descr] ?? descr
        guard let type = ElementType.allCases.first(where: { $0.numpyDescr == normalised }) else { return nil }
        self = type
    }
}
