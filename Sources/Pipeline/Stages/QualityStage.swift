// `quality`: filters the drawn teacher's labels (`tracks`) with the full tracker's
// (`tracks.check`) and the frames (LabelFilter), and stores what survives as `labels`
// (format `labels.v1+safetensors`: the `tracks` format for the kept tracks, plus `kept`
// I32 [N'], the index of each kept track among the queries; `removed_by` U8 [T, N], for each
// label removed, 1 + the index of its rule in the metadata's `removed_by_rules`, which
// `pseudotrack render --show removed` draws). The per-rule statistics go
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
        let tracks = try TracksArtifact(decoding: try input.artifact("tracks"))
        let teacher = tracks.labels, teacherJSON = tracks.provenance
        if let rig = input.artifacts["tracks3d"] { return try runRig(rig, queries: queries, teacherJSON: teacherJSON) }
        guard let check = input.artifacts["tracks.check"] else {
            throw StageError.inconsistent("clip \(input.clip.id ?? 0) has neither tracks.check nor tracks3d from the full tracker")
        }
        let checked = try TracksArtifact(decoding: check)
        let checker = checked.labels, checkerJSON = checked.provenance
        let filtered = LabelFilter(configuration: configuration.filter)
            .filter(teacher: teacher, checker: checker, queries: queries, frames: input.grey)
        let kept = filtered.kept, statistics = filtered.statistics
        var labels = filtered.labels
        configuration.anchoring?.anchor(&labels, queries: kept.map { queries[$0] }, frames: input.grey)
        let checkerName = jsonObject(checkerJSON)["teacher"] ?? ""
        var quality = statistics.json
        quality["checker"] = checkerName
        let metadata = String(decoding: try JSONSerialization.data(withJSONObject: ["quality": quality], options: [.sortedKeys]), as: UTF8.self)
        let bytes = LabelsArtifact(labels: labels, kept: kept, provenance: teacherJSON, quality: metadata, removedBy: statistics.removedBy,
                                   removedByRules: LabelFilter.labelRules.map(\.rawValue)).encoded()
        let artifact = ArtifactPayload(name: LabelsArtifact.name, format: LabelsArtifact.format, bytes: bytes, metadata: metadata)
        if kept.count < configuration.minTracks {
            return .skipped(reason: "too-few-labelled-tracks: \(kept.count) of \(queries.count) left, \(configuration.minTracks) needed", [artifact])
        }
        return .done([artifact])
    }

    private func runRig(_ bytes: [UInt8], queries: [TeacherQuery], teacherJSON: String) throws -> StageOutcome {
        let input = try RigLabels(decoding: bytes)
        var filter = RigLabelFilter()
        filter.minFrames = configuration.filter.minFrames
        filter.jumpFactor = configuration.filter.jumpFactor
        let (tracks, kept, statistics) = filter.filter(input.tracks, queryFrames: queries.map(\.t))
        var quality = statistics
        quality["checker"] = jsonObject(input.metadata["tracker"] ?? "{}")["teacher"] ?? ""
        let metadata = String(decoding: try JSONSerialization.data(withJSONObject: ["quality": quality], options: [.sortedKeys]), as: UTF8.self)
        let labels = RigLabels(tracks: tracks, queryView: kept.map { input.queryView[$0] }, kept: kept,
                               metadata: ["teacher": teacherJSON, "quality": metadata, "tracker": input.metadata["tracker"] ?? "{}"])
        // The manifest's row keeps the totals; each label's source ([T][N]) travels only with
        // the artifact, to the sample's meta.quality.
        quality["label_source"] = nil
        let summary = String(decoding: try JSONSerialization.data(withJSONObject: ["quality": quality], options: [.sortedKeys]), as: UTF8.self)
        let artifact = ArtifactPayload(name: "labels", format: RigLabels.format, bytes: labels.encoded(), metadata: summary)
        if kept.count < configuration.minTracks {
            return .skipped(reason: "too-few-labelled-tracks: \(kept.count) of \(queries.count) left, \(configuration.minTracks) needed", [artifact])
        }
        return .done([artifact])
    }
}
