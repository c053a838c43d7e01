// Writes RGB frames as a video file with libavcodec and libavformat: H.264 (libx264) or
// MPEG-4 part 2, yuv420p, in any container FFmpeg picks from the file name (.mp4, .mkv,
// .avi, …). Used for the clips stored in training shards and by the tests, which make
// their own videos: B-frames, odd sizes, a display rotation and explicit (variable)
// timestamps can all be asked for.

import CFFmpeg
import Foundation
import Imaging

public struct VideoEncoderSettings: Sendable {
    public enum Codec: String, Sendable { case h264, mpeg4 }

    public var codec: Codec = .h264
    public var width: Int
    public var height: Int
    /// Nominal frames per second as a fraction.
    public var frameRateNumerator: Int32 = 25
    public var frameRateDenominator: Int32 = 1
    /// Time base of explicit timestamps (VFR), as 1 / timeScale seconds; nil = 1 / frame rate.
    public var timeScale: Int32? = nil
    public var bFrames: Int = 2
    public var gopSize: Int = 12
    /// x264 CRF, or MPEG-4 qscale (lower is better).
    public var quality: Int = 18
    public var threads: Int = 1
    /// Display rotation, degrees counter-clockwise, written as a display matrix.
    public var rotation: Double? = nil
    /// Put the MP4 index first, so the file streams (and a truncated copy keeps its index).
    public var fastStart: Bool = false

    public init(codec: Codec = .h264, width: Int, height: Int) {
        self.codec = codec; self.width = width; self.height = height
    }
}

public final class VideoEncoder {
    public let path: String
    public let settings: VideoEncoderSettings
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var nextTimestamp: Int64 = 0
    private var finished = false

    public init(path: String, settings: VideoEncoderSettings) throws {
        FFmpegLog.install()
        self.path = path
        self.settings = settings
        var status = avformat_alloc_output_context2(&format, nil, nil, path)
        guard status >= 0, let format else {
            throw VideoError.encoding(path: path, message: "no container for this file name: \(FFmpegLog.message(for: status))")
        }
        let encoderName = settings.codec == .h264 ? "libx264" : "mpeg4"
        guard let encoder = avcodec_find_encoder_by_name(encoderName) else {
            avformat_free_context(format)
            throw VideoError.encoding(path: path, message: "this FFmpeg build has no \(encoderName) encoder")
        }
        guard let stream = avformat_new_stream(format, nil), let context = avcodec_alloc_context3(encoder) else {
            avformat_free_context(format)
            throw VideoError.encoding(path: path, message: "cannot allocate the stream")
        }
        self.stream = stream
        self.codec = context
        context.pointee.width = Int32(settings.width)
        context.pointee.height = Int32(settings.height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = settings.timeScale.map { AVRational(num: 1, den: $0) }
            ?? AVRational(num: settings.frameRateDenominator, den: settings.frameRateNumerator)
        context.pointee.framerate = AVRational(num: settings.frameRateNumerator, den: settings.frameRateDenominator)
        context.pointee.gop_size = Int32(settings.gopSize)
        context.pointee.max_b_frames = Int32(settings.bFrames)
        context.pointee.thread_count = Int32(settings.threads)
        // swscale converts with the BT.601 matrix to limited range: say so in the stream.
        context.pointee.colorspace = AVCOL_SPC_SMPTE170M
        context.pointee.color_range = AVCOL_RANGE_MPEG
        if format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var options: OpaquePointer? = nil
        switch settings.codec {
        case .h264:
            av_dict_set(&options, "preset", "veryfast", 0)
            av_dict_set(&options, "crf", "\(settings.quality)", 0)
        case .mpeg4:
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = Int32(settings.quality) * FF_QP2LAMBDA
        }
        status = avcodec_open2(context, encoder, &options)
        av_dict_free(&options)
        if status >= 0 { status = avcodec_parameters_from_context(stream.pointee.codecpar, context) }
        if status < 0 {
            avformat_free_context(format)
            self.format = nil
            throw VideoError.encoding(path: path, message: "cannot open the \(encoderName) encoder: \(FFmpegLog.message(for: status))")
        }
        stream.pointee.time_base = context.pointee.time_base
        stream.pointee.avg_frame_rate = context.pointee.framerate
        if let rotation = settings.rotation { _ = pt_stream_set_rotation(stream, rotation) }

        if format.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            status = avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE)
            if status < 0 { throw VideoError.encoding(path: path, message: "cannot create the file: \(FFmpegLog.message(for: status))") }
        }
        var muxOptions: OpaquePointer? = nil
        if settings.fastStart { av_dict_set(&muxOptions, "movflags", "+faststart", 0) }
        status = avformat_write_header(format, &muxOptions)
        av_dict_free(&muxOptions)
        if status < 0 { throw VideoError.encoding(path: path, message: "cannot write the header: \(FFmpegLog.message(for: status))") }

        frame = av_frame_alloc()
        packet = av_packet_alloc()
        frame!.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame!.pointee.width = Int32(settings.width)
        frame!.pointee.height = Int32(settings.height)
        status = av_frame_get_buffer(frame, 0)
        if status < 0 { throw VideoError.encoding(path: path, message: "cannot allocate a frame: \(FFmpegLog.message(for: status))") }
        scaler = sws_getContext(Int32(settings.width), Int32(settings.height), AV_PIX_FMT_RGB24,
                                Int32(settings.width), Int32(settings.height), AV_PIX_FMT_YUV420P,
                                SWS_BICUBIC | SWS_ACCURATE_RND, nil, nil, nil)
    }

    deinit {
        if !finished { try? finish() }
        sws_freeContext(scaler)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        if let format {
            if format.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
        }
    }

    /// Appends one frame. `timestamp` is in units of 1 / timeScale (or frames when no
    /// timeScale was set) and must increase; nil continues one frame after the last.
    public func append(_ image: RGBImage, timestamp: Int64? = nil) throws {
        guard image.width == settings.width, image.height == settings.height else {
            throw VideoError.encoding(path: path, message: "frame is \(image.width)x\(image.height), the video \(settings.width)x\(settings.height)")
        }
        var status = av_frame_make_writable(frame)
        if status < 0 { throw VideoError.encoding(path: path, message: FFmpegLog.message(for: status)) }
        let f = frame!
        image.bytes.withUnsafeBufferPointer { rgb in
            var srcData: [UnsafePointer<UInt8>?] = [rgb.baseAddress, nil, nil, nil]
            var srcStride: [Int32] = [Int32(image.width * 3), 0, 0, 0]
            var dstData: [UnsafeMutablePointer<UInt8>?] = [f.pointee.data.0, f.pointee.data.1, f.pointee.data.2, nil]
            var dstStride: [Int32] = [f.pointee.linesize.0, f.pointee.linesize.1, f.pointee.linesize.2, 0]
            _ = sws_scale(scaler, &srcData, &srcStride, 0, Int32(image.height), &dstData, &dstStride)
        }
        let pts = timestamp ?? nextTimestamp
        f.pointee.pts = pts
        nextTimestamp = pts + (settings.timeScale.map { Int64($0) * Int64(settings.frameRateDenominator) / Int64(settings.frameRateNumerator) } ?? 1)
        status = avcodec_send_frame(codec, f)
        if status < 0 { throw VideoError.encoding(path: path, message: "encoder refused a frame: \(FFmpegLog.message(for: status))") }
        try writePackets()
    }

    /// Flushes the encoder and writes the trailer. Further appends are errors.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        var status = avcodec_send_frame(codec, nil)
        if status < 0 { throw VideoError.encoding(path: path, message: FFmpegLog.message(for: status)) }
        try writePackets()
        status = av_write_trailer(format)
        if status < 0 { throw VideoError.encoding(path: path, message: "cannot write the trailer: \(FFmpegLog.message(for: status))") }
        if format!.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 { avio_closep(&format!.pointee.pb) }
    }

    private func writePackets() throws {
        while true {
            let status = avcodec_receive_packet(codec, packet)
            if status == pt_averror_eagain() || status == pt_averror_eof() { return }
            if status < 0 { throw VideoError.encoding(path: path, message: FFmpegLog.message(for: status)) }
            av_packet_rescale_ts(packet, codec!.pointee.time_base, stream.pointee.time_base)
            packet!.pointee.stream_index = stream.pointee.index
            let written = av_interleaved_write_frame(format, packet)
            if written < 0 { throw VideoError.encoding(path: path, message: "cannot write a packet: \(FFmpegLog.message(for: written))") }
        }
    }

    /// The frames as the bytes of an MP4 file (H.264, yuv420p, fast start), through a
    /// temporary file: the MP4 muxer rewrites its header at the end.
    public static func mp4(_ frames: [RGBImage], settings: VideoEncoderSettings) throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "pseudotrack-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).mp4"
        defer { unlink(path) }
        var settings = settings
        settings.fastStart = true
        let encoder = try VideoEncoder(path: path, settings: settings)
        for frame in frames { try encoder.append(frame) }
        try encoder.finish()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VideoError.encoding(path: path, message: "the encoded file cannot be read back")
        }
        return [UInt8](data)
    }
}
