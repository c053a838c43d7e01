// `pseudotrack status` of a manifest this pipeline labels: the manifest's summary
// (ManifestStatus) and what its artifacts' counters mean (ArtifactCounters): the clips
// each teacher labelled and the quality stage's totals. Its JSON is the summary's keys
// plus `teachers` and `quality`; the summary's fields read through (`status.clips`).

import Manifest

@dynamicMemberLookup
public struct PipelineStatus: Encodable, Sendable {
    /// The manifest's summary; its fields also read through (`status.clips`).
    public var summary: ManifestStatus
    /// Clips labelled by each teacher (the teacher stage's draw).
    public var teachers: [String: Int]

    /// The quality stage's totals: labels in and out, and labels removed by each rule.
    public struct Quality: Codable, Sendable {
        public var clips = 0, labelsIn = 0, labelsOut = 0, tracksIn = 0, tracksOut = 0
        public var removed: [String: Int] = [:]
        /// Rig clips' 3D labels kept, by how they were made: `depth`, `triangulated_K` (K views), `rigid` (RigidGroupMotion).
        public var made3D: [String: Int] = [:]
        enum CodingKeys: String, CodingKey {
            case clips, labelsIn = "labels_in", labelsOut = "labels_out", tracksIn = "tracks_in", tracksOut = "tracks_out", removed
            case made3D = "labels_made_3d"
        }
    }
    public var quality = Quality()

    public init(_ status: ManifestStatus) {
        summary = status
        let counts = StatusCounts(counts: status.artifactCounters)
        teachers = counts["teachers"]
        quality.clips = counts["quality", "clips"]
        quality.labelsIn = counts["quality", "labels_in"]; quality.labelsOut = counts["quality", "labels_out"]
        quality.tracksIn = counts["quality", "tracks_in"]; quality.tracksOut = counts["quality", "tracks_out"]
        quality.removed = counts["labels_removed"]
        quality.made3D = counts["labels_made"]
    }

    public subscript<T>(dynamicMember keyPath: KeyPath<ManifestStatus, T>) -> T { summary[keyPath: keyPath] }

    enum CodingKeys: String, CodingKey { case teachers, quality }

    /// The summary's keys and, beside them, `teachers` and `quality`.
    public func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(teachers, forKey: .teachers)
        try container.encode(quality, forKey: .quality)
    }
}

extension ManifestDatabase {
    /// The manifest's status with the pipeline's counters read (ManifestDatabase.status).
    public func pipelineStatus(failureLimit: Int = 1000, countingRows: Bool = false) throws -> PipelineStatus {
        PipelineStatus(try status(failureLimit: failureLimit, countingRows: countingRows, counting: ArtifactCounters.counting))
    }
}
