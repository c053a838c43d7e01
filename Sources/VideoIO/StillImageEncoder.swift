// One frame as a still-image file with one of libavcodec's image encoders (PNG for depth
// maps, MJPEG for the report's posters): the encoder opened for a single frame of the
// given size and pixel format, the frame's buffer filled by the caller, the one packet
// written whole and then renamed into place. Errors name the file.

import CFFmpeg
import Foundation

enum StillImageEncoder {
    /// Encodes one `width` × `height` frame in `pixelFormat` with `codec` (`name` for errors)
    /// and writes it to `path`. `qscale` (2 best … 31 worst) sets a fixed quantiser, for
    /// lossy codecs; `fill` writes the pixels into the allocated frame.
    static func write(to path: String, codec: AVCodecID, name: String, pixelFormat: AVPixelFormat, width: Int, height: Int,
                      qscale: Int? = nil, fill: (UnsafeMutablePointer<AVFrame>) throws -> Void) throws {
        guard let encoder = avcodec_find_encoder(codec) else { throw VideoError.encoding(path: path, message: "no \(name) encoder") }
        var context = avcodec_alloc_context3(encoder)
        var packet = av_packet_alloc()
        var frame = av_frame_alloc()
        defer { avcodec_free_context(&context); av_packet_free(&packet); av_frame_free(&frame) }
        guard let context, let packet, let frame else { throw VideoError.encoding(path: path, message: "out of memory") }
        context.pointee.width = Int32(width); context.pointee.height = Int32(height)
        context.pointee.pix_fmt = pixelFormat
        context.pointee.time_base = AVRational(num: 1, den: 25)
        if let qscale {
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = Int32(qscale) * FF_QP2LAMBDA
            frame.pointee.quality = Int32(qscale) * FF_QP2LAMBDA
        }
        var status = avcodec_open2(context, encoder, nil)
        guard status >= 0 else { throw VideoError.encoding(path: path, message: "cannot open the \(name) encoder: \(FFmpegLog.message(for: status))") }
        frame.pointee.width = Int32(width); frame.pointee.height = Int32(height)
        frame.pointee.format = pixelFormat.rawValue
        status = av_frame_get_buffer(frame, 0)
        guard status >= 0 else { throw VideoError.encoding(path: path, message: FFmpegLog.message(for: status)) }
        try fill(frame)
        frame.pointee.pts = 0
        status = avcodec_send_frame(context, frame)
        if status >= 0 { status = avcodec_send_frame(context, nil) }
        if status >= 0 { status = avcodec_receive_packet(context, packet) }
        guard status >= 0, let bytes = packet.pointee.data else { throw VideoError.encoding(path: path, message: FFmpegLog.message(for: status)) }
        do { try Data(bytes: bytes, count: Int(packet.pointee.size)).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw VideoError.encoding(path: path, message: "\(error)")
        }
    }
}
