// .npz archives: a ZIP whose members are NAME.npy. Written stored (as np.savez does),
// read stored or deflated (np.savez_compressed) through zlib. No ZIP64: members and the
// archive stay under 4 GiB. Every offset and size read from the archive is checked
// against the archive's bytes (a .npz is often somebody else's file).

import CZlib
import Foundation

public enum NumPyArchive {
    public static func write(_ arrays: [(String, NumPyArray)], to path: String) throws {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, array) in arrays {
            let payload = array.npy()
            let fileName = Array("\(name).npy".utf8)
            let crc = payload.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            let offset = UInt32(out.count)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)  // version, flags, stored, time, date
            out += le32(crc) + le32(UInt32(payload.count)) + le32(UInt32(payload.count))
            out += le16(UInt16(fileName.count)) + le16(0) + fileName + payload
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
            central += le32(crc) + le32(UInt32(payload.count)) + le32(UInt32(payload.count))
            central += le16(UInt16(fileName.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + fileName
        }
        let centralOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(arrays.count)) + le16(UInt16(arrays.count))
        out += le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
        try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Every array of the archive, by name (without `.npy`).
    public static func read(_ path: String) throws -> [String: NumPyArray] {
        guard let data = FileManager.default.contents(atPath: path) else { throw NumPyError.malformed(path, "cannot read the file") }
        return try parse([UInt8](data), name: path)
    }

    /// Every array of the archive `bytes` (named `name` in errors). Every offset and size
    /// in the archive is checked against its bytes: a damaged or hostile archive is an
    /// error, never a crash or an allocation larger than deflate can expand it to.
    public static func parse(_ bytes: [UInt8], name path: String) throws -> [String: NumPyArray] {
        guard bytes.count >= 22 else { throw NumPyError.malformed(path, "too short for a ZIP archive") }
        var end = bytes.count - 22
        while end >= 0 && u32(bytes, end) != 0x0605_4B50 { end -= 1 }
        guard end >= 0 else { throw NumPyError.malformed(path, "not a ZIP archive (.npz)") }
        let entries = Int(u16(bytes, end + 10))
        var cursor = Int(u32(bytes, end + 16))
        var arrays: [String: NumPyArray] = [:]
        for _ in 0..<entries {
            guard cursor + 46 <= bytes.count, u32(bytes, cursor) == 0x0201_4B50 else { throw NumPyError.malformed(path, "bad central directory") }
            let method = u16(bytes, cursor + 10)
            let compressed = Int(u32(bytes, cursor + 20)), size = Int(u32(bytes, cursor + 24))
            let nameLength = Int(u16(bytes, cursor + 28)), extra = Int(u16(bytes, cursor + 30)), comment = Int(u16(bytes, cursor + 32))
            let local = Int(u32(bytes, cursor + 42))
            guard cursor + 46 + nameLength <= bytes.count else { throw NumPyError.malformed(path, "bad central directory") }
            let name = String(decoding: bytes[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self)
            cursor += 46 + nameLength + extra + comment
            guard local + 30 <= bytes.count else { throw NumPyError.malformed(path, "bad local header for \(name)") }
            let start = local + 30 + Int(u16(bytes, local + 26)) + Int(u16(bytes, local + 28))
            guard start + compressed <= bytes.count else { throw NumPyError.malformed(path, "\(name) runs past the end") }
            // Deflate expands at most about 1032 to 1.
            guard method != 8 || size <= compressed * 1032 + 1024 else { throw NumPyError.malformed(path, "\(name): size \(size) impossible for \(compressed) deflated bytes") }
            let stored = Array(bytes[start..<(start + compressed)])
            let payload: [UInt8]
            switch method {
            case 0: payload = stored
            case 8: payload = try inflate(stored, size: size, name: "\(path):\(name)")
            default: throw NumPyError.unsupported(path, "ZIP compression method \(method) for \(name)")
            }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            arrays[key] = try NumPyArray(npy: payload, name: "\(path):\(name)")
        }
        return arrays
    }

    private static func inflate(_ input: [UInt8], size: Int, name: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var stream = z_stream()
        guard pt_inflate_init_raw(&stream) == Z_OK else { throw NumPyError.malformed(name, "zlib") }
        defer { inflateEnd(&stream) }
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else { throw NumPyError.malformed(name, "deflate data") }
        return Array(output.prefix(size))
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
    private static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
