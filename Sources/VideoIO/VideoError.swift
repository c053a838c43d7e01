// Why a video could not be read. Every case names the file and the cause, in words a
// user can act on; the text FFmpeg gave is kept where FFmpeg gave one.

public enum VideoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be opened for reading.
    case unreadable(path: String, message: String)
    /// The file has no bytes.
    case empty(path: String)
    /// FFmpeg recognises no media container in the file.
    case notMediaFile(path: String, message: String)
    /// The container holds no video stream (audio only, subtitles, …).
    case noVideoStream(path: String)
    /// The video stream's codec has no decoder in this FFmpeg build.
    case unsupportedCodec(path: String, codec: String)
    /// The stream ends before the frames the container announces (a cut-off download).
    case truncated(path: String, message: String)
    /// Decoding failed part-way (damaged packets, broken bitstream).
    case corrupt(path: String, frame: Int?, message: String)
    /// The request does not fit the video (frame index out of range, bad geometry).
    case invalidRequest(path: String, message: String)
    /// Writing a video failed.
    case encoding(path: String, message: String)
    /// The file is not the one that was ingested (its size or modification time differ).
    case changedSinceIngest(path: String, message: String)

    /// A short machine-readable cause: the manifest's `error_kind`.
    public var kind: String {
        switch self {
        case .unreadable: return "unreadable"
        case .empty: return "empty"
        case .notMediaFile: return "not-a-media-file"
        case .noVideoStream: return "no-video-stream"
        case .unsupportedCodec: return "unsupported-codec"
        case .truncated: return "truncated"
        case .corrupt: return "corrupt"
        case .invalidRequest: return "invalid-request"
        case .encoding: return "encoding-failed"
        case .changedSinceIngest: return "changed-since-ingest"
        }
    }

    public var path: String {
        switch self {
        case .unreadable(let p, _), .empty(let p), .notMediaFile(let p, _), .noVideoStream(let p),
             .unsupportedCodec(let p, _), .truncated(let p, _), .corrupt(let p, _, _),
             .invalidRequest(let p, _), .encoding(let p, _), .changedSinceIngest(let p, _):
            return p
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let p, let m): return "\(p): cannot read the file (\(m))"
        case .empty(let p): return "\(p): the file is empty (0 bytes)"
        case .notMediaFile(let p, let m): return "\(p): not a media file FFmpeg can read (\(m))"
        case .noVideoStream(let p): return "\(p): the file has no video stream"
        case .unsupportedCodec(let p, let c): return "\(p): no decoder for the video codec '\(c)' in this FFmpeg build"
        case .truncated(let p, let m): return "\(p): truncated stream (\(m))"
        case .corrupt(let p, let f, let m):
            if let f { return "\(p): corrupt stream at frame \(f) (\(m))" }
            return "\(p): corrupt stream (\(m))"
        case .invalidRequest(let p, let m): return "\(p): \(m)"
        case .encoding(let p, let m): return "\(p): cannot write video (\(m))"
        case .changedSinceIngest(let p, let m):
            return "\(p): the file changed since it was ingested (\(m)); its labels would not match its recorded hash. Ingest it again into a new manifest"
        }
    }
}
