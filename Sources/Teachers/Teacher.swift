// A teacher turns a clip and its queries into pseudo-tracks. Arrays are frames first,
// as CoTracker's training code uses them: tracks [T, N, 2] (x, y in pixels, integer =
// pixel centre), visible, confidence and valid [T, N]. `valid` marks the frames the
// teacher says something about (an online tracker says nothing before the query frame);
// a valid frame that is not visible is a claim that the point is occluded there.

import Imaging

public struct TeacherQuery: Equatable, Sendable {
    /// Query frame, index into the clip.
    public var t: Int
    public var x: Float
    public var y: Float
    /// The point's scale (SIFT σ), for teachers that size patches from it.
    public var sigma: Float
    public init(t: Int, x: Float, y: Float, sigma: Float = 2) { self.t = t; self.x = x; self.y = y; self.sigma = sigma }
}

public struct TeacherTracks: Equatable, Sendable {
    public let frames: Int
    public let points: Int
    /// [T, N, 2]
    public var tracks: [Float]
    /// [T, N]
    public var visible: [Bool]
    public var confidence: [Float]
    public var valid: [Bool]

    public init(frames: Int, points: Int) {
        self.frames = frames; self.points = points
        tracks = [Float](repeating: 0, count: frames * points * 2)
        visible = [Bool](repeating: false, count: frames * points)
        confidence = [Float](repeating: 0, count: frames * points)
        valid = [Bool](repeating: false, count: frames * points)
    }

    public func position(t: Int, n: Int) -> SIMD2<Float> {
        SIMD2(tracks[(t * points + n) * 2], tracks[(t * points + n) * 2 + 1])
    }

    public mutating func set(t: Int, n: Int, position p: SIMD2<Float>, visible v: Bool, confidence c: Float, valid ok: Bool = true) {
        tracks[(t * points + n) * 2] = p.x
        tracks[(t * points + n) * 2 + 1] = p.y
        visible[t * points + n] = v
        confidence[t * points + n] = c
        valid[t * points + n] = ok
    }
}

/// The frames a teacher tracks through: grey always, RGB when the teacher asked for it.
public struct TeacherClip: Sendable {
    /// Names the clip in messages and in an external teacher's requests.
    public var id: String
    /// [T] frames, 0…255, all the same size.
    public var grey: [GreyImage]
    public var rgb: [RGBImage]?
    public init(id: String = "clip", grey: [GreyImage], rgb: [RGBImage]? = nil) { self.id = id; self.grey = grey; self.rgb = rgb }
}

public protocol Teacher: Sendable {
    /// The name used in the pipeline's `teachers` list.
    var name: String { get }
    /// Changes whenever the teacher's labels for the same input change.
    var version: String { get }
    /// The settings that shape its labels, recorded with them.
    var parameters: [String: String] { get }
    /// Whether `track` needs the RGB frames.
    var needsRGB: Bool { get }
    /// Tracks `queries` through the clip.
    func track(_ clip: TeacherClip, queries: [TeacherQuery]) throws -> TeacherTracks
}

extension Teacher {
    public var version: String { "1" }
    public var needsRGB: Bool { false }
}
