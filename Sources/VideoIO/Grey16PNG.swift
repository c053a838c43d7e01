// 16-bit greyscale PNG images (the usual container of depth maps: millimetres, 0 = no
// depth) read and written with libavcodec's PNG codec. The file's bytes go straight to
// the decoder (no demuxer), and the samples are taken as stored: 16-bit grey (either
// byte order) or 8-bit grey, nothing else, with no colour conversion that could alter a
// depth value.

import CFFmpeg
import Foundation

public struct Grey16Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var values: [UInt16]
    public init(width: Int, height: Int, values: [UInt16]) {
        precondition(values.count == width * height)
        self.width = width; self.height = height; self.values = values
    }
}

public enum Grey16PNG {
    /// Decodes the PNG at `path`.
    public static func read(_ path: String) throws -> Grey16Image {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VideoError.unreadable(path: path, message: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        guard !data.isEmpty else { throw VideoError.empty(path: path) }
        guard let decoder = avcodec_find_decoder(AV_CODEC_ID_PNG) else { throw VideoError.unsupportedCodec(path: path, codec: "png") }
        var context = avcodec_alloc_context3(decoder)
        var packet = av_packet_alloc()
        var frame = av_frame_alloc()
        defer { avcodec_free_context(&context); av_packet_free(&packet); av_frame_free(&frame) }
        guard let context, let packet, let frame else { throw VideoError.corrupt(path: path, frame: nil, message: "out of memory") }
        var status = avcodec_open2(context, decoder, nil)
        guard status >= 0 else { throw VideoError.corrupt(path: path, frame: nil, message: FFmpegLog.message(for: status)) }
        status = av_new_packet(packet, Int32(data.count))
        guard status >= 0 else { throw VideoError.corrupt(path: path, frame: nil, message: FFmpegLog.message(for: status)) }
        data.withUnsafeBytes { packet.pointee.data.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: data.count) }
        status = avcodec_send_packet(context, packet)
        if status >= 0 { status = avcodec_send_packet(context, nil) }
        if status >= 0 { status = avcodec_receive_frame(context, frame) }
        guard status >= 0 else { throw VideoError.notMediaFile(path: path, message: "not a PNG image (\(FFmpegLog.message(for: status)))") }
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        let stride = Int(frame.pointee.linesize.0)
        guard let base = frame.pointee.data.0 else { throw VideoError.corrupt(path: path, frame: nil, message: "no pixel data") }
        var values = [UInt16](repeating: 0, count: width * height)
        for y in 0..<height {
            let row = base + y * stride
            for x in 0..<width {
                switch format {
                case AV_PIX_FMT_GRAY16BE: values[y * width + x] = UInt16(row[2 * x]) << 8 | UInt16(row[2 * x + 1])
                case AV_PIX_FMT_GRAY16LE: values[y * width + x] = UInt16(row[2 * x + 1]) << 8 | UInt16(row[2 * x])
                case AV_PIX_FMT_GRAY8: values[y * width + x] = UInt16(row[x])
                default:
                    let name = av_get_pix_fmt_name(format).map { String(cString: $0) } ?? "unknown"
                    throw VideoError.invalidRequest(path: path, message: "a depth PNG must be greyscale (16- or 8-bit), this one is \(name)")
                }
            }
        }
        return Grey16Image(width: width, height: height, values: values)
    }

    /// Encodes `image` as a 16-bit greyscale PNG at `path` (written whole, then renamed into place).
    public static func write(_ image: Grey16Image, to path: String) throws {
        try StillImageEncoder.write(to: path, codec: AV_CODEC_ID_PNG, name: "PNG", pixelFormat: AV_PIX_FMT_GRAY16BE,
                                    width: image.width, height: image.height) { frame in
            guard let base = frame.pointee.data.0 else { throw VideoError.encoding(path: path, message: "no frame buffer") }
            let stride = Int(frame.pointee.linesize.0)
            for y in 0..<image.height {
                let row = base + y * stride
                for x in 0..<image.width {
                    let v = image.values[y * image.width + x]
                    row[2 * x] = UInt8(v >> 8); row[2 * x + 1] = UInt8(v & 0xff)
                }
            }
        }
    }
}
