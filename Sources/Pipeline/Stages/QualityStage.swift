// `quality`: filters the drawn teacher's labels (`tracks`) with the full tracker's
// (`tracks.check`) and the frames (LabelFilter), and stores what survives as `labels`
// (format `labels.v1+safetensors`: the `tracks` format for the kept tracks, plus `kept`
// I32 [N'], the index of each kept track among the queries; `removed_by` U8 [T, N], for each
// label removed, 1 + the index of its rule in the metadata's `removed_by_rules`, which
// `pseudotrack render --show removed` draws). The per-rule statistics (QualityProvenance) go
// to the artifact's manifest metadata (`pseudotrack status` sums them) and on into the
// shard's `meta.quality`. A rig clip's 3D labels (`tracks3d`) go through RigLabelFilter
// instead, and `labels` is then in the RigLabels format with `kept`. A clip with fewer
// than `min_tracks` tracks left is skipped.

import Foundation
import Labelling
import Manifest
import PipelineDefinition
import Teachers

public struct QualityStage: Stage {
    public var interface: StageInterface { .quality }
    public let needsRGB = false
    public let configuration: QualityConfiguration

    public init(configuration: QualityConfiguration) { self.configuration = configuration }

    public func run(_ input: StageInput) throws -> StageOutcome {
        let queries = try PointsArtifact(decoding: try input.artifact(PointsArtifact.name)).teacherQueries
        let tracks = try TracksArtifact<TeacherProvenance>(decoding: try input.artifact("tracks"))
        if let rig = input.artifacts["tracks3d"] { return try runRig(rig, queries: queries, teacher: tracks.provenance) }
        guard let check = input.artifacts["tracks.check"] else {
            throw StageError.inconsistent("clip \(input.clip.id ?? 0) has neither tracks.check nor tracks3d from the full tracker")
        }
        let checked = try TracksArtifact<CheckerProvenance>(decoding: check, name: "tracks.check")
        try input.requireShape(tracks.labels, of: "tracks", queries: queries.count)
        try input.requireShape(checked.labels, of: "tracks.check", queries: queries.count)
        let filtered = LabelFilter(configuration: configuration.filter)
            .filter(teacher: tracks.labels, checker: checked.labels, queries: queries, frames: input.grey)
        let kept = filtered.kept, statistics = filtered.statistics
        var labels = filtered.labels
        configuration.anchoring?.anchor(&labels, queries: kept.map { queries[$0] }, frames: input.grey)
        let quality = QualityProvenance(.init(statistics, checker: checked.provenance.teacher))
        let bytes = LabelsArtifact(labels: labels, kept: kept, provenance: tracks.provenance, quality: quality, removedBy: statistics.removedBy,
                                   removedByRules: LabelFilter.labelRules.map(\.rawValue)).encoded()
        let artifact = ArtifactPayload(name: LabelsArtifact.name, format: LabelsArtifact.format, bytes: bytes, metadata: ProvenanceJSON.text(quality),
                                       counts: ArtifactCounters.of(quality))
        if kept.count < configuration.minTracks {
            return .skipped(reason: "too-few-labelled-tracks: \(kept.count) of \(queries.count) left, \(configuration.minTracks) needed", [artifact])
        }
        return .done([artifact])
    }

    private func runRig(_ bytes: [UInt8], queries: [TeacherQuery], teacher: TeacherProvenance) throws -> StageOutcome {
        let input = try RigLabels(decoding: bytes)
        var filter = RigLabelFilter()
        filter.minFrames = configuration.filter.minFrames
        filter.jumpFactor = configuration.filter.jumpFactor
        let (tracks, kept, statistics) = filter.filter(input.tracks, queryFrames: queries.map(\.t))
        // RigLabelFilter (Labelling) reports its statistics as a dictionary; they are typed here.
        var object = statistics
        object["checker"] = input.tracker.teacher
        var quality = QualityProvenance(try ProvenanceJSON.decode(QualityProvenance.Statistics.self, fromObject: object, artifact: "labels"))
        let labels = RigLabels(tracks: tracks, queryView: kept.map { input.queryView[$0] }, kept: kept,
                               tracker: input.tracker, teacher: teacher, quality: quality)
        // The manifest's row keeps the totals; each label's source ([T][N]) travels only with
        // the artifact, to the sample's meta.quality.
        quality.quality.labelSource = nil
        let artifact = ArtifactPayload(name: LabelsArtifact.name, format: RigLabels.format, bytes: labels.encoded(), metadata: ProvenanceJSON.text(quality),
                                       counts: ArtifactCounters.of(quality))
        if kept.count < configuration.minTracks {
            return .skipped(reason: "too-few-labelled-tracks: \(kept.count) of \(queries.count) left, \(configuration.minTracks) needed", [artifact])
        }
        return .done([artifact])
    }
}
