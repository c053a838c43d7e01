// The `clips` section: how clips are cut from a video and the size they are stored at.

import VideoIO

/// How clips are cut from a video.
public struct ClipsSection: Sendable, Equatable {
    public enum Step: Sendable, Equatable { case fixed(Int), range(Int, Int) }
    public enum Resolution: Sendable, Equatable {
        case native
        case maxSide(Int)
        case crop(width: Int, height: Int)
        case fit(width: Int, height: Int)
    }
    /// Frames per clip (T).
    public var length = 48
    /// Source frames between clip starts; nil = each clip starts where the last one ended.
    public var stride: Int? = nil
    /// Source frames between consecutive clip frames: fixed, or drawn per clip.
    public var frameStep: Step = .fixed(1)
    /// At most this many clips per video; nil = no limit.
    public var maxPerVideo: Int? = nil
    /// A shorter last clip is kept when it has at least this many frames.
    public var minLength = 24
    public var resolution: Resolution = .maxSide(512)

    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["length", "stride", "frame_step", "max_per_video", "min_length", "resolution"])
        length = try s.int("length", atLeast: 2) ?? length
        if s.isText("stride", "auto") { stride = nil } else { stride = try s.int("stride", atLeast: 1) }
        if let range = try s.section("frame_step", scalarAllowed: true) {
            try range.allow(["min", "max"])
            guard let lo = try range.int("min", atLeast: 1), let hi = try range.int("max", atLeast: 1), lo <= hi else {
                throw s.error("frame_step", "a range needs min and max with 1 <= min <= max")
            }
            frameStep = lo == hi ? .fixed(lo) : .range(lo, hi)
        } else if let step = try s.int("frame_step", atLeast: 1) {
            frameStep = .fixed(step)
        }
        maxPerVideo = try s.int("max_per_video", atLeast: 0).flatMap { $0 == 0 ? nil : $0 }
        minLength = try s.int("min_length", atLeast: 2) ?? min(minLength, length)
        guard minLength <= length else { throw s.error("min_length", "must not exceed length (\(length))") }
        if let r = try s.section("resolution") {
            try r.allow(["mode", "max_side", "width", "height"])
            let mode = try r.string("mode") ?? "max_side"
            switch mode {
            case "native": resolution = .native
            case "max_side": resolution = .maxSide(try r.int("max_side", atLeast: 16) ?? 512)
            case "crop", "fit":
                guard let w = try r.int("width", atLeast: 16), let h = try r.int("height", atLeast: 16) else {
                    throw r.error("mode", "\(mode) needs width and height")
                }
                guard w % 2 == 0 && h % 2 == 0 else { throw r.error("width", "width and height must be even (the clips are stored as yuv420p video)") }
                resolution = mode == "crop" ? .crop(width: w, height: h) : .fit(width: w, height: h)
            default: throw r.error("mode", "must be native, max_side, crop or fit")
            }
        }
    }

    /// The stored geometry of a video with this displayed size.
    public func geometry(width: Int, height: Int) -> FrameGeometry {
        switch resolution {
        case .native: return .native(width: width, height: height)
        case .maxSide(let m): return .fitting(maxSide: m, width: width, height: height)
        case .crop(let w, let h): return .cropping(to: w, h, width: width, height: height)
        case .fit(let w, let h): return .fitting(in: w, h, width: width, height: height)
        }
    }
}
