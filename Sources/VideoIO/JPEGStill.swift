// One RGB frame as a baseline JPEG file, with libavcodec's MJPEG encoder (full-range
// YUV 4:2:0 through swscale): the report's posters, which a page shows before any video
// is loaded. Written whole, then renamed into place.

import CFFmpeg
import Foundation
import Imaging

public enum JPEGStill {
    /// Writes `image` to `path`; `quality` is the MJPEG qscale (2 best … 31 worst).
    public static func write(_ image: RGBImage, to path: String, quality: Int = 4) throws {
        guard let encoder = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else { throw VideoError.encoding(path: path, message: "no MJPEG encoder") }
        var context = avcodec_alloc_context3(encoder)
        var packet = av_packet_alloc()
        var frame = av_frame_alloc()
        defer { avcodec_free_context(&context); av_packet_free(&packet); av_frame_free(&frame) }
        guard let context, let packet, let frame else { throw VideoError.encoding(path: path, message: "out of memory") }
        context.pointee.width = Int32(image.width); context.pointee.height = Int32(image.height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.flags |= AV_CODEC_FLAG_QSCALE
        context.pointee.global_quality = Int32(quality) * FF_QP2LAMBDA
        var status = avcodec_open2(context, encoder, nil)
        guard status >= 0 else { throw VideoError.encoding(path: path, message: "cannot open the MJPEG encoder: \(FFmpegLog.message(for: status))") }
        frame.pointee.width = Int32(image.width); frame.pointee.height = Int32(image.height)
        frame.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        frame.pointee.quality = Int32(quality) * FF_QP2LAMBDA
        status = av_frame_get_buffer(frame, 0)
        guard status >= 0 else { throw VideoError.encoding(path: path, message: FFmpegLog.message(for: status)) }
        let scaler = sws_getContext(Int32(image.width), Int32(image.height), AV_PIX_FMT_RGB24,
                                    Int32(image.width), Int32(image.height), AV_PIX_FMT_YUVJ420P,
                                    SWS_BICUBIC | SWS_ACCURATE_RND, nil, nil, nil)
        defer { sws_freeContext(scaler) }
        image.bytes.withUnsafeBufferPointer { rgb in
            var srcData: [UnsafePointer<UInt8>?] = [rgb.baseAddress, nil, nil, nil]
            var srcStride: [Int32] = [Int32(image.width * 3), 0, 0, 0]
            var dstData: [UnsafeMutablePointer<UInt8>?] = [frame.pointee.data.0, frame.pointee.data.1, frame.pointee.data.2, nil]
            var dstStride: [Int32] = [frame.pointee.linesize.0, frame.pointee.linesize.1, frame.pointee.linesize.2, 0]
            _ = sws_scale(scaler, &srcData, &srcStride, 0, Int32(image.height), &dstData, &dstStride)
        }
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
