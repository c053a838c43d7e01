// FFmpeg's own diagnostics. FFmpeg reports the useful detail of a failure ("moov atom not
// found", "Invalid NAL unit size") through av_log, not through the error code; this keeps
// the most recent error-level line so that VideoError messages can carry it, and keeps
// FFmpeg silent on the terminal.

import CFFmpeg
import Foundation

enum FFmpegLog {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var lastLine: String?
    nonisolated(unsafe) private static var lastRefusedFormat: String?
    private static let installOnce: Void = {
        av_log_set_callback { context, level, format, arguments in
            guard level <= AV_LOG_ERROR, let format, let arguments else { return }
            var buffer = [CChar](repeating: 0, count: 1024)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            let line = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty else { return }
            // "Format not on whitelist": the refused demuxer is the logging context's name.
            var refused: String? = nil
            if line.contains("not on whitelist"), let context,
               let avClass = context.load(as: UnsafePointer<AVClass>?.self), let name = avClass.pointee.item_name?(context) {
                refused = String(cString: name)
            }
            FFmpegLog.lock.lock()
            FFmpegLog.lastLine = line
            if refused != nil { FFmpegLog.lastRefusedFormat = refused }
            FFmpegLog.lock.unlock()
        }
    }()

    /// Routes FFmpeg's log through this type; call before any FFmpeg work.
    static func install() { _ = installOnce }

    /// Forgets the last line, so that the next `message(for:)` reports only what follows.
    static func reset() {
        lock.lock(); lastLine = nil; lastRefusedFormat = nil; lock.unlock()
    }

    /// The demuxer refused by the format whitelist since the last reset (LocalInput), if any.
    static func refusedFormat() -> String? {
        lock.lock(); defer { lock.unlock() }
        return lastRefusedFormat
    }

    /// FFmpeg's text for `code`, followed by its last logged error line when there is one.
    static func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        pt_error_string(code, &buffer, buffer.count)
        let text = String(cString: buffer)
        lock.lock(); let detail = lastLine; lock.unlock()
        if let detail, detail != text { return "\(text): \(detail)" }
        return text
    }

    static func lastLogged() -> String? {
        lock.lock(); defer { lock.unlock() }
        return lastLine
    }
}
