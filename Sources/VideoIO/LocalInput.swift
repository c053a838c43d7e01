// What FFmpeg may open: a local, regular file, read through the `file` protocol only,
// by one of the demuxers a local video corpus needs. Everything else FFmpeg can do with
// a name is refused, because a corpus is often somebody else's files:
//
// - protocols: `file` only (`protocol_whitelist`), inherited by every nested open, so an
//   HLS or DASH playlist, a concat list, or an MOV reference can never reach a URL;
// - names: a name that looks like a URL or protocol (`concat:a.mp4|b.mp4`, `file:x`,
//   `http://…`, `subfile,,…`) is refused before FFmpeg sees it, and the file is passed to
//   FFmpeg as `file:` + path, so that no part of a file name is parsed as a protocol;
// - demuxers (`format_whitelist`): containers of one video each, whose content is the file
//   itself — MP4/MOV/3GP (`mov`, external data references off, FFmpeg's default),
//   Matroska/WebM, AVI, MPEG-PS, MPEG-TS, FLV, ASF/WMV, Ogg, MXF, Y4M, GIF, raw H.264/HEVC/
//   MPEG-4/MJPEG streams, and single still images (`image2` and the `*_pipe` image
//   demuxers). Not allowed: `hls`, `dash`, `concat`, `ffconcat`, `tee`, `data`, `lavfi`
//   and the other demuxers that open further files or URLs named inside the file — a
//   playlist saved as `.mp4` is refused (not-a-media-file) instead of decoded;
// - file kind: regular files only (stat after following symlinks): a FIFO would block
//   the open forever and /dev/zero would never end.

import CFFmpeg
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum LocalInput {
    static let protocols = "file"
    static let demuxers = [
        "mov", "matroska", "avi", "mpeg", "mpegts", "flv", "asf", "ogg", "mxf", "yuv4mpegpipe", "gif",
        "h264", "hevc", "m4v", "mjpeg", "image2",
        "png_pipe", "jpeg_pipe", "bmp_pipe", "pgm_pipe", "ppm_pipe", "pbm_pipe", "pam_pipe", "tiff_pipe", "webp_pipe", "gif_pipe",
    ].joined(separator: ",")

    /// True when FFmpeg would read `path` as a URL or protocol name rather than a file
    /// name: `scheme:` at the start of a relative name, or a `subfile,`-style option list.
    static func looksLikeURL(_ path: String) -> Bool {
        if path.hasPrefix("/") { return false }
        guard let colon = path.firstIndex(of: ":") else { return false }
        let scheme = path[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter else { return scheme.contains(",") }
        return scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.,_".contains($0)) }
    }

    /// Why `path` may not be opened, as a VideoError, or nil.
    static func refusal(_ path: String) -> VideoError? {
        if looksLikeURL(path) {
            return .unreadable(path: path, message: "looks like a URL or an FFmpeg protocol; only local files are read (write ./\(path) for a file of that name)")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .unreadable(path: path, message: errno == ENOENT ? "no such file" : "permission denied or not a regular file")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return info.st_size == 0 ? .empty(path: path) : nil
        case S_IFDIR: return .unreadable(path: path, message: "is a directory")
        case S_IFIFO: return .unreadable(path: path, message: "a FIFO, not a regular file; only regular files are read")
        case S_IFCHR, S_IFBLK: return .unreadable(path: path, message: "a device, not a regular file; only regular files are read")
        default: return .unreadable(path: path, message: "not a regular file; only regular files are read")
        }
    }

    /// Opens `path` with the whitelists. Returns FFmpeg's status and the context.
    static func open(_ path: String, _ context: inout UnsafeMutablePointer<AVFormatContext>?) -> Int32 {
        var options: OpaquePointer? = nil
        av_dict_set(&options, "protocol_whitelist", protocols, 0)
        av_dict_set(&options, "format_whitelist", demuxers, 0)
        defer { av_dict_free(&options) }
        return avformat_open_input(&context, "file:" + path, nil, &options)
    }
}
