// The full-tracker stage's provenance: the independent tracker that made `tracks.check`
// (or a rig's `tracks3d`), its version and parameters, and the drawn teacher it checks; for
// a rig also the views and those with depth. Stored as the artifact's manifest metadata and
// in its bundle metadata (`teacher` in `tracks.check`, `tracker` in `tracks3d`). Text
// through ProvenanceJSON only.

public struct CheckerProvenance: Codable, Equatable, Sendable {
    public var teacher: String
    public var version: String
    public var params: [String: String]
    /// The name of the drawn teacher whose labels this tracker checks.
    public var checks: String
    /// A rig's views, and those with depth (nil for a video clip).
    public var views: [String]?
    public var withDepth: [String]?

    enum CodingKeys: String, CodingKey { case teacher, version, params, checks, views, withDepth = "with_depth" }

    public init(teacher: String, version: String, params: [String: String], checks: String, views: [String]? = nil, withDepth: [String]? = nil) {
        self.teacher = teacher; self.version = version; self.params = params; self.checks = checks
        self.views = views; self.withDepth = withDepth
    }
}
