// The `labels` artifact of a video clip (format `labels.v1+safetensors`), the quality
// stage's output: the `tracks` format (TracksArtifact) for the kept tracks, `kept` I32 [N']
// (the index of each kept track among the queries), `removed_by` U8 [T, N] over all the
// queries (for each label a rule removed, 1 + the index of the rule in the metadata's
// `removed_by_rules`, comma-separated; 0 where none did), the teacher's provenance, and the
// quality statistics as JSON in the bundle's metadata (`quality`, also the artifact's
// manifest metadata). A rig clip's `labels` are RigLabels with `kept`. Encoded and decoded
// here only.

import Teachers

public struct LabelsArtifact {
    public static let name = "labels"
    public static let format = "labels.v1+safetensors"

    public var labels: TeacherTracks
    /// Index of each kept track among the queries.
    public var kept: [Int]
    /// The teacher's provenance.
    public var provenance: TeacherProvenance
    /// The statistics of the label filter.
    public var quality: QualityProvenance
    /// [T, N] over all the queries: 1 + the index in `removedByRules` of the rule that removed each label, 0 for none.
    public var removedBy: [UInt8]
    public var removedByRules: [String]

    public init(labels: TeacherTracks, kept: [Int], provenance: TeacherProvenance, quality: QualityProvenance, removedBy: [UInt8], removedByRules: [String]) {
        self.labels = labels; self.kept = kept; self.provenance = provenance; self.quality = quality
        self.removedBy = removedBy; self.removedByRules = removedByRules
    }

    public func encoded() -> [UInt8] {
        var bundle = TracksArtifact(labels: labels, provenance: provenance).bundle()
        bundle.set("kept", kept.map { Int32($0) }, shape: [kept.count])
        bundle.set("removed_by", removedBy, shape: [labels.frames, labels.frames == 0 ? 0 : removedBy.count / labels.frames])
        bundle.metadata["quality"] = ProvenanceJSON.text(quality)
        bundle.metadata["removed_by_rules"] = removedByRules.joined(separator: ",")
        return bundle.encoded()
    }

    public init(decoding bytes: [UInt8]) throws {
        let bundle = try TensorBundle(decoding: bytes)
        let tracks = try TracksArtifact<TeacherProvenance>(bundle, name: Self.name)
        labels = tracks.labels; provenance = tracks.provenance
        kept = try bundle.int32s("kept").map(Int.init)
        guard kept.count == labels.points else { throw StageError.artifact(name: Self.name, message: "\(kept.count) kept indices for \(labels.points) tracks") }
        quality = try ProvenanceJSON.decode(QualityProvenance.self, from: bundle.metadata["quality"], artifact: Self.name)
        removedBy = bundle.shape("removed_by") == nil ? [] : try bundle.bytes("removed_by")
        removedByRules = bundle.metadata["removed_by_rules"].map { $0.split(separator: ",").map(String.init) } ?? []
    }
}
