// Motion between the frames of a clip, as query selection needs it: where points of one
// frame are in another. A sparse tracker of a module above this one gives it
// (Teachers.LucasKanadeFrameMotion), so that Features needs no tracker of its own.

/// Where points of one frame of a clip are in another.
public protocol FrameMotion {
    /// Positions in frame `to` of `points` of frame `from` (pixels, integer = pixel centre;
    /// clip frame indices); nil where a point could not be followed.
    func carry(_ points: [SIMD2<Float>], from: Int, to: Int) -> [SIMD2<Float>?]
}
