// Where a point is asked about: a pixel (stored pixels, integer = pixel centre) of one
// view at one frame. Geometry's form of a tracker query, without the tracker's extras
// (Teachers.TeacherQuery adds the point's scale and maps onto this one).

public struct QueryPixel: Equatable, Sendable {
    /// The query frame, an index into the clip.
    public var t: Int
    public var x: Float
    public var y: Float
    public init(t: Int, x: Float, y: Float) { self.t = t; self.x = x; self.y = y }
}
