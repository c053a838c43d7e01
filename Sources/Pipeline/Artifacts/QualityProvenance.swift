// The quality stage's provenance, `{"quality": {...}}`: what the label filter kept and
// removed (LabelFilterStatistics, or RigLabelFilter's for a rig) and the checker it weighed
// the teacher against. Stored as the `labels` artifact's manifest metadata (which
// `pseudotrack status` and the report sum) and in its bundle metadata (`quality`); the
// shards stage copies it into a sample's `meta.quality`. A rig's adds `kind`, how the
// kept labels were made (`labels_made`) and, in the artifact only, each label's source.
// Text through ProvenanceJSON only.

import Labelling

public struct QualityProvenance: Codable, Equatable, Sendable {
    public var quality: Statistics

    public struct Statistics: Codable, Equatable, Sendable {
        public var tracksIn: Int, tracksOut: Int
        public var labelsIn: Int, labelsOut: Int, visibleOut: Int, occludedOut: Int
        /// Labels removed, by rule (LabelRule's raw values).
        public var labelsRemoved: [String: Int]
        public var tracksRemoved: TracksRemoved
        /// The name of the tracker whose labels were the evidence.
        public var checker: String
        /// `rig` for a rig clip's 3D labels; nil for a video clip.
        public var kind: String?
        /// A rig's kept labels by how they were made (`depth`, `triangulated_K`, `rigid`).
        public var labelsMade: [String: Int]?
        /// A rig's [T][N'] source of each kept label (RigTracks3D.source); in the artifact and
        /// the sample's meta, not in the manifest row.
        public var labelSource: [[Int]]?

        enum CodingKeys: String, CodingKey {
            case tracksIn = "tracks_in", tracksOut = "tracks_out", labelsIn = "labels_in", labelsOut = "labels_out"
            case visibleOut = "visible_out", occludedOut = "occluded_out", labelsRemoved = "labels_removed"
            case tracksRemoved = "tracks_removed", checker, kind, labelsMade = "labels_made", labelSource = "label_source"
        }

        /// A video clip's statistics (LabelFilter).
        public init(_ s: LabelFilterStatistics, checker: String) {
            tracksIn = s.tracksIn; tracksOut = s.tracksOut; labelsIn = s.labelsIn; labelsOut = s.labelsOut
            visibleOut = s.visibleOut; occludedOut = s.occludedOut; labelsRemoved = s.removed
            tracksRemoved = .byRule(s.tracksRemoved); self.checker = checker
        }
    }

    /// Tracks removed: by rule for a video clip, a count for a rig (RigLabelFilter keeps no
    /// per-rule count of whole tracks).
    public enum TracksRemoved: Codable, Equatable, Sendable {
        case byRule([String: Int])
        case count(Int)

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let count = try? container.decode(Int.self) { self = .count(count) } else { self = .byRule(try container.decode([String: Int].self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .byRule(let counts): try container.encode(counts)
            case .count(let count): try container.encode(count)
            }
        }
    }

    public init(_ quality: Statistics) { self.quality = quality }
}
