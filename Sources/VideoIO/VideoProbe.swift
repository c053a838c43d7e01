// Probing: opens a file with libavformat, picks the best video stream and reads every one
// of its packets (no decoding) to count the frames exactly and collect their presentation
// timestamps. Counting packets costs one read of the file; it is what makes the frame count
// exact where the container's number is missing (Matroska, AVI, raw streams) or wrong, and
// it detects truncated files whose index announces more frames than the file holds.

import CFFmpeg
import Foundation

public enum VideoProbe {
    /// Probes `path`. Throws `VideoError` naming the file and the cause.
    public static func probe(_ path: String) throws -> VideoInfo {
        let demuxer = try Demuxer(path: path)
        return try demuxer.probe()
    }
}

/// An open input file and its chosen video stream. Internal: VideoProbe and VideoReader
/// share it.
final class Demuxer {
    let path: String
    private(set) var format: UnsafeMutablePointer<AVFormatContext>?
    let streamIndex: Int32
    let decoder: UnsafePointer<AVCodec>

    init(path: String) throws {
        FFmpegLog.install()
        self.path = path
        if let refusal = LocalInput.refusal(path) { throw refusal }

        FFmpegLog.reset()
        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        var status = LocalInput.open(path, &context)
        guard status >= 0, let context else {
            let message = FFmpegLog.message(for: status)
            if Demuxer.startsLikeMP4(path) {
                // An MP4 whose index never got written: the file was cut off (or its writer died).
                throw VideoError.truncated(path: path, message: "an MP4 without its index (\(message)); the file was cut off before its end")
            }
            if let format = FFmpegLog.refusedFormat() {
                throw VideoError.notMediaFile(path: path, message: "a '\(format)' file, which can name other files or URLs; only self-contained local video files are read")
            }
            throw VideoError.notMediaFile(path: path, message: message)
        }
        format = context
        status = avformat_find_stream_info(context, nil)
        if status < 0 {
            avformat_close_input(&format)
            throw VideoError.notMediaFile(path: path, message: FFmpegLog.message(for: status))
        }
        var codec: UnsafePointer<AVCodec>? = nil
        let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)
        if index == pt_averror_stream_not_found() || index < 0 && index != pt_averror_decoder_not_found() {
            avformat_close_input(&format)
            throw VideoError.noVideoStream(path: path)
        }
        if index == pt_averror_decoder_not_found() || codec == nil {
            // Find which codec it was, for the message.
            var name = "unknown"
            for i in 0..<Int(context.pointee.nb_streams) {
                let par = context.pointee.streams[i]!.pointee.codecpar.pointee
                if par.codec_type == AVMEDIA_TYPE_VIDEO { name = String(cString: avcodec_get_name(par.codec_id)); break }
            }
            avformat_close_input(&format)
            throw VideoError.unsupportedCodec(path: path, codec: name)
        }
        let par = context.pointee.streams[Int(index)]!.pointee.codecpar.pointee
        if par.width <= 0 || par.height <= 0 {
            avformat_close_input(&format)
            throw VideoError.notMediaFile(path: path, message: "video stream has no picture size")
        }
        streamIndex = index
        decoder = codec!
    }

    deinit { avformat_close_input(&format) }

    /// The first of the gaps between sorted presentation timestamps wider than 1.5 times
    /// their median: how many frames precede it and about how many it leaves out. Nil when the
    /// clock is regular or there are too few frames to tell.
    static func hole(in gaps: [Double]) -> (framesBefore: Int, missing: Int)? {
        guard gaps.count >= 2 else { return nil }
        let median = gaps.sorted()[gaps.count / 2]
        guard median > 0, let at = gaps.firstIndex(where: { 2 * $0 > 3 * median }) else { return nil }
        return (at + 1, Int(min((gaps[at] / median).rounded(), Double(Int32.max))) - 1)
    }

    /// True when the file begins with an ISO-BMFF `ftyp` box (MP4, MOV, 3GP…).
    static func startsLikeMP4(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 12), head.count == 12 else { return false }
        return Array(head[4..<8]) == Array("ftyp".utf8)
    }

    var stream: UnsafeMutablePointer<AVStream> { format!.pointee.streams[Int(streamIndex)]! }

    func probe() throws -> VideoInfo {
        let format = self.format!
        let st = stream.pointee
        let par = st.codecpar.pointee
        let timeBase = st.time_base

        // Read every packet of the stream: exact count, timestamps, truncation.
        var timestamps: [Int64] = []
        var packets = 0
        var missingTimestamp = false
        let packet = av_packet_alloc()!
        defer { var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p) }
        var readError: Int32 = 0
        FFmpegLog.reset()
        while true {
            let status = av_read_frame(format, packet)
            if status < 0 {
                if status != pt_averror_eof() { readError = status }
                break
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            if packet.pointee.flags & pt_pkt_flag_discard() != 0 { continue }
            packets += 1
            let pts = packet.pointee.pts
            if pts == pt_nopts_value() { missingTimestamp = true } else { timestamps.append(pts) }
        }
        let announced = max(0, Int(st.nb_frames))
        if packets == 0 {
            throw readError != 0 ? VideoError.corrupt(path: path, frame: 0, message: FFmpegLog.message(for: readError))
                                 : VideoError.empty(path: path)
        }
        if readError != 0 {
            throw VideoError.truncated(path: path, message: "read error after \(packets) frames: \(FFmpegLog.message(for: readError))")
        }
        if announced > 0 && packets < announced {
            throw VideoError.truncated(path: path, message: "the container announces \(announced) frames but only \(packets) are present")
        }
        timestamps.sort()
        // The gaps between frames, in Double: a file's timestamps are any Int64, and the
        // difference of two can overflow one.
        let gaps = zip(timestamps.dropFirst(), timestamps).map { Double($0) - Double($1) }
        if let damage = FFmpegLog.lastLogged(), let hole = Self.hole(in: gaps) {
            // The demuxer resynchronised past damaged data (Matroska does so silently) and the
            // frames it skipped left a hole in an otherwise regular clock: labels would span a jump.
            throw VideoError.corrupt(path: path, frame: hole.framesBefore,
                                     message: "the demuxer skipped damaged data (\(damage)); about \(hole.missing) frames are missing after frame \(hole.framesBefore - 1)")
        }
        // Equal timestamps compared as Int64: two far apart from 0 can be one Double.
        if missingTimestamp || zip(timestamps.dropFirst(), timestamps).contains(where: ==) { timestamps = [] }

        // Duration and rate.
        let tb = Double(timeBase.num) / Double(timeBase.den)
        var duration = 0.0
        if st.duration > 0 && st.duration != pt_nopts_value() { duration = Double(st.duration) * tb }
        else if format.pointee.duration > 0 { duration = Double(format.pointee.duration) / Double(pt_time_base()) }
        var rate = 0.0
        if st.avg_frame_rate.num > 0 && st.avg_frame_rate.den > 0 { rate = av_q2d(st.avg_frame_rate) }
        else if st.r_frame_rate.num > 0 && st.r_frame_rate.den > 0 { rate = av_q2d(st.r_frame_rate) }
        var variable = false
        if timestamps.count >= 3 {
            let minGap = gaps.min()!, maxGap = gaps.max()!
            variable = maxGap - minGap > 0.01 * maxGap
            let span = (Double(timestamps.last!) - Double(timestamps.first!)) * tb
            if span > 0 {
                let measured = Double(timestamps.count - 1) / span
                if rate <= 0 || variable { rate = measured }
                if duration <= 0 { duration = span + 1 / measured }
            }
        }
        if rate <= 0 && duration > 0 { rate = Double(packets) / duration }

        let rotationCCW = pt_stream_rotation(stream)
        let turn = rotationCCW.isNaN ? 0 : (((Int((rotationCCW / 90).rounded()) % 4) + 4) % 4) * 90

        let pixelName = av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format)).map { String(cString: $0) } ?? "unknown"
        return VideoInfo(path: path,
                         container: String(cString: format.pointee.iformat.pointee.name),
                         codec: String(cString: decoder.pointee.name),
                         codedWidth: Int(par.width), codedHeight: Int(par.height),
                         pixelFormat: pixelName, frameRate: rate, frameCount: packets,
                         containerFrameCount: announced, duration: duration, rotation: turn,
                         timeBaseNumerator: timeBase.num, timeBaseDenominator: timeBase.den,
                         frameTimestamps: timestamps, variableFrameRate: variable)
    }
}

