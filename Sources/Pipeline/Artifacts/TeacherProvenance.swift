// The teacher stage's provenance: the teacher that made `tracks` (and each `tracks.NAME`),
// its version and parameters, and how it was drawn from the ensemble. Stored as the
// artifacts' manifest metadata and in their bundle metadata (`teacher`); the shards stage
// copies it into a sample's `meta.teacher`. Text through ProvenanceJSON only.

public struct TeacherProvenance: Codable, Equatable, Sendable {
    /// How the teacher was drawn: `teacher.choose`, the ensemble's members and their weights.
    public struct Draw: Codable, Equatable, Sendable {
        public var choose: String
        public var ensemble: [String]
        public var weights: [Double]

        public init(choose: String, ensemble: [String], weights: [Double]) { self.choose = choose; self.ensemble = ensemble; self.weights = weights }
    }

    public var teacher: String
    public var version: String
    public var params: [String: String]
    public var draw: Draw

    public init(teacher: String, version: String, params: [String: String], draw: Draw) {
        self.teacher = teacher; self.version = version; self.params = params; self.draw = draw
    }
}
