// zstd compression of whole buffers (libzstd's one-shot API), as the manifest's artifacts
// and the training shards use it. Frames carry their content size, so decompression
// allocates once; frames without it (written by streaming compressors such as the `zstd`
// command on a pipe) are decompressed with the streaming API.

import CZstd
import Foundation

public enum ZstdError: Error, CustomStringConvertible, Equatable {
    case compression(String)
    case decompression(String)

    public var description: String {
        switch self {
        case .compression(let m): return "zstd compression failed: \(m)"
        case .decompression(let m): return "zstd decompression failed: \(m)"
        }
    }
}

public enum Zstd {
    /// The default level: zstd's own default, the speed/size balance the shards use too.
    public static let defaultLevel: Int32 = 3

    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, bound, src.baseAddress, src.count, level)
            }
        }
        if ZSTD_isError(written) != 0 { throw ZstdError.compression(String(cString: ZSTD_getErrorName(written))) }
        output.removeSubrange(written...)
        return output
    }

    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        let size = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        if size == pt_zstd_content_size_error() { throw ZstdError.decompression("not a zstd frame") }
        if size == pt_zstd_content_size_unknown() { return try decompressStreaming(input) }
        var output = [UInt8](repeating: 0, count: Int(size))
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_decompress(dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
        }
        if ZSTD_isError(written) != 0 { throw ZstdError.decompression(String(cString: ZSTD_getErrorName(written))) }
        if written != Int(size) { throw ZstdError.decompression("frame announces \(size) bytes, produced \(written)") }
        return output
    }

    private static func decompressStreaming(_ input: [UInt8]) throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw ZstdError.decompression("cannot allocate a stream") }
        defer { ZSTD_freeDStream(stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        try input.withUnsafeBytes { src in
            var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while true {
                var remaining = 0
                let produced: Int = try chunk.withUnsafeMutableBytes { dst in
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    remaining = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    if ZSTD_isError(remaining) != 0 { throw ZstdError.decompression(String(cString: ZSTD_getErrorName(remaining))) }
                    return outBuffer.pos
                }
                output.append(contentsOf: chunk[0..<produced])
                let consumed = inBuffer.pos == inBuffer.size
                if remaining == 0 && consumed { break }           // last frame complete
                if consumed && produced == 0 { throw ZstdError.decompression("truncated frame") }
            }
        }
        return output
    }
}
