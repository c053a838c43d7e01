// Frame-accurate clip access. Frame i is the i-th frame in presentation order; reaching it
// seeks to the keyframe at or before its timestamp (avformat_seek_file, then
// avcodec_flush_buffers) and decodes forward, identifying each decoded frame by its
// timestamp in VideoInfo.frameTimestamps, so a frame reached by seeking is bit-identical
// to the same frame reached by decoding from the start. When a seek lands after the
// target (a broken index, an open GOP), it backs off to earlier keyframes and finally to
// the start. Streams without usable timestamps are decoded from the start, counting.
//
// Damaged data is an error, not concealed (AV_EF_EXPLODE): a requested frame that does
// not decode intact raises VideoError.corrupt; frames elsewhere in the file are unaffected.
// Decoding uses FFmpeg's frame and slice threading (threads = 0 lets FFmpeg choose).
// Memory: the reader holds one decoded frame and the decoder's own references and thread
// queues, never the video; the caller receives frames one at a time.

import CFFmpeg
import Foundation
import Imaging

/// One decoded frame, at the geometry that was asked for.
public struct DecodedFrame: Sendable {
    /// Frame index in the source video (presentation order).
    public var index: Int
    public var grey: GreyImage?
    public var rgb: RGBImage?
}

/// Which buffers to produce for each frame.
public struct FrameFormats: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let grey = FrameFormats(rawValue: 1)
    public static let rgb = FrameFormats(rawValue: 2)
}

public final class VideoReader {
    public let info: VideoInfo
    private var demuxer: Demuxer
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>
    private var converters: [FrameGeometry: FrameConverter] = [:]

    /// Opens `path` for decoding. `info` from an earlier probe avoids reading the file twice.
    /// `threads`: decoder threads, 0 = as many as FFmpeg thinks useful.
    public init(path: String, info: VideoInfo? = nil, threads: Int = 0) throws {
        demuxer = try Demuxer(path: path)
        self.info = try info ?? demuxer.probe()
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard let context = avcodec_alloc_context3(demuxer.decoder) else {
            throw VideoError.invalidRequest(path: path, message: "cannot allocate a decoder")
        }
        codec = context
        var status = avcodec_parameters_to_context(context, demuxer.stream.pointee.codecpar)
        if status >= 0 {
            context.pointee.thread_count = Int32(max(0, threads))
            context.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
            context.pointee.pkt_timebase = demuxer.stream.pointee.time_base
            // Report bitstream damage instead of concealing it: a concealed frame is a
            // plausible-looking picture whose labels would be wrong.
            context.pointee.err_recognition |= AV_EF_EXPLODE
            status = avcodec_open2(context, demuxer.decoder, nil)
        }
        if status < 0 {
            throw VideoError.unsupportedCodec(path: path, codec: "\(String(cString: demuxer.decoder.pointee.name)) (\(FFmpegLog.message(for: status)))")
        }
    }

    deinit {
        avcodec_free_context(&codec)
        var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p)
        var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f)
    }

    /// The identity geometry of this video (native displayed size).
    public var nativeGeometry: FrameGeometry { .native(width: info.width, height: info.height) }

    /// Decodes the frames `indices` (ascending, distinct, within 0..<frameCount) and hands
    /// each to `body` in order. Throws VideoError.truncated when the stream ends before a
    /// requested frame, VideoError.corrupt when a requested frame cannot be decoded intact.
    public func read(frames indices: [Int], geometry: FrameGeometry? = nil, formats: FrameFormats = .grey,
                     _ body: (DecodedFrame) throws -> Void) throws {
        guard !indices.isEmpty else { return }
        for (a, b) in zip(indices, indices.dropFirst()) where b <= a {
            throw VideoError.invalidRequest(path: info.path, message: "frame indices must be ascending and distinct")
        }
        guard indices.first! >= 0, indices.last! < info.frameCount else {
            throw VideoError.invalidRequest(path: info.path, message: "frames \(indices.first!)…\(indices.last!) outside 0..<\(info.frameCount)")
        }
        let geometry = geometry ?? nativeGeometry
        guard geometry.sourceWidth == info.width, geometry.sourceHeight == info.height else {
            throw VideoError.invalidRequest(path: info.path, message: "geometry is for \(geometry.sourceWidth)x\(geometry.sourceHeight), video is \(info.width)x\(info.height)")
        }
        formatsRequested = formats
        let converter = converters[geometry] ?? FrameConverter(geometry: geometry, rotation: info.rotation)
        converters[geometry] = converter

        var next = 0  // position in `indices` of the next frame to deliver
        var backoff = 0
        while next < indices.count {
            let target = indices[next]
            let landed = try seek(toFrame: target, backoff: backoff)
            let outcome = try decodeForward(from: landed, indices: indices, next: &next, converter: converter, body: body)
            switch outcome {
            case .done: return
            case .overshot:
                // The first frame after the seek was past the target: seek earlier.
                backoff += 1
                if backoff > 4 { throw VideoError.corrupt(path: info.path, frame: target, message: "frame \(target) cannot be reached by seeking or decoding from the start") }
            case .ended(let last):
                throw VideoError.truncated(path: info.path, message: "the stream ends after frame \(last.map(String.init) ?? "none"); frame \(indices[next]) was requested")
            }
        }
    }

    /// Decodes every frame from the start; the sequential path (benchmarks, whole-video tracking).
    public func readAll(geometry: FrameGeometry? = nil, formats: FrameFormats = .grey,
                        _ body: (DecodedFrame) throws -> Void) throws {
        try read(frames: Array(0..<info.frameCount), geometry: geometry, formats: formats, body)
    }

    private enum Outcome { case done, overshot, ended(lastIndex: Int?) }

    /// Positions the demuxer so that decoding starts at or before frame `target`; returns
    /// the frame index decoding starts counting from when timestamps are unusable.
    private func seek(toFrame target: Int, backoff: Int) throws -> Int? {
        avcodec_flush_buffers(codec)
        guard info.seekable else {
            // Counting from the start is the only exact way: start from a fresh input.
            if decodedSinceOpen { try reopen() }
            decodedSinceOpen = true
            return 0
        }
        decodedSinceOpen = true
        // Back off by whole GOP-sized steps: 0, 1, 4, 16, 64 frames, then the start.
        let step = backoff == 0 ? 0 : (backoff >= 4 ? target : Int(pow(4.0, Double(backoff - 1))))
        let index = max(0, target - step)
        let format = demuxer.format!
        let ts = info.frameTimestamps[index]
        let status = avformat_seek_file(format, demuxer.streamIndex, Int64.min, ts, ts, 0)
        if status < 0 {
            let first = info.frameTimestamps[0]
            let again = avformat_seek_file(format, demuxer.streamIndex, Int64.min, first, first, AVSEEK_FLAG_BACKWARD)
            if again < 0 { try reopen() }
        }
        return nil
    }

    private var decodedSinceOpen = false

    /// Re-opens the input (for demuxers that cannot seek back to the start).
    private func reopen() throws {
        demuxer = try Demuxer(path: info.path)
    }

    private func decodeForward(from countingStart: Int?, indices: [Int], next: inout Int, converter: FrameConverter,
                               body: (DecodedFrame) throws -> Void) throws -> Outcome {
        let format = demuxer.format!
        var counter = countingStart ?? 0
        var firstDecoded = true
        var lastIndex: Int? = nil
        var pendingError: String? = nil
        var endOfInput = false

        func handle(_ frame: UnsafeMutablePointer<AVFrame>) throws -> Outcome? {
            let index: Int
            if countingStart != nil {
                index = counter; counter += 1
            } else {
                let ts = frame.pointee.best_effort_timestamp != pt_nopts_value() ? frame.pointee.best_effort_timestamp : frame.pointee.pts
                guard let found = Self.position(of: ts, in: info.frameTimestamps) else { return nil }
                index = found
            }
            defer { firstDecoded = false }
            if firstDecoded && index > indices[next] { return .overshot }
            lastIndex = index
            guard index == indices[next] else {
                if index > indices[next] {
                    throw VideoError.corrupt(path: info.path, frame: indices[next],
                                             message: pendingError ?? "the decoder produced no picture for this frame")
                }
                return nil
            }
            if frame.pointee.decode_error_flags != 0 || frame.pointee.flags & pt_frame_flag_corrupt() != 0 {
                throw VideoError.corrupt(path: info.path, frame: index, message: pendingError ?? FFmpegLog.lastLogged() ?? "the decoder flagged the frame as damaged")
            }
            var decoded = DecodedFrame(index: index)
            decoded.grey = formatsRequested.contains(.grey) ? try converter.grey(frame) : nil
            decoded.rgb = formatsRequested.contains(.rgb) ? try converter.rgb(frame) : nil
            try body(decoded)
            next += 1
            return next == indices.count ? .done : nil
        }

        FFmpegLog.reset()
        while true {
            // Drain every frame the decoder has ready.
            while true {
                let status = avcodec_receive_frame(codec, frame)
                if status == pt_averror_eagain() { break }
                if status == pt_averror_eof() { return .ended(lastIndex: lastIndex) }
                if status < 0 {
                    throw VideoError.corrupt(path: info.path, frame: lastIndex.map { $0 + 1 }, message: FFmpegLog.message(for: status))
                }
                defer { av_frame_unref(frame) }
                if let outcome = try handle(frame) { return outcome }
            }
            if endOfInput { return .ended(lastIndex: lastIndex) }
            let status = av_read_frame(format, packet)
            if status < 0 {
                if status != pt_averror_eof() { pendingError = FFmpegLog.message(for: status) }
                avcodec_send_packet(codec, nil)  // enter draining mode
                endOfInput = true
                if status != pt_averror_eof() {
                    // Drain what can still be decoded, then report the read error.
                    while avcodec_receive_frame(codec, frame) >= 0 {
                        defer { av_frame_unref(frame) }
                        if let outcome = try handle(frame) { return outcome }
                    }
                    throw VideoError.truncated(path: info.path, message: "read error after frame \(lastIndex.map(String.init) ?? "none"): \(pendingError!)")
                }
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == demuxer.streamIndex else { continue }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != pt_averror_eagain() {
                // A damaged packet: the decoder conceals and goes on; a requested frame
                // that comes out damaged, or never comes out, is reported with this text.
                pendingError = FFmpegLog.message(for: sent)
            }
        }
    }

    private var formatsRequested: FrameFormats = .grey

    /// Index of `ts` in the sorted timestamp table, if present.
    static func position(of ts: Int64, in table: [Int64]) -> Int? {
        var lo = 0, hi = table.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if table[mid] < ts { lo = mid + 1 } else { hi = mid }
        }
        return lo < table.count && table[lo] == ts ? lo : nil
    }
}
