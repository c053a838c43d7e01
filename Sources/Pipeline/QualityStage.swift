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
import Manifest
import Teachers

public struct QualityConfiguration: Sendable, Equatable {
    public var filter = LabelFilterConfiguration()
    public var minTracks = 16
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["agree_px", "min_appearance", "appearance_window", "cycle_px", "cycle_search", "jump_factor",
                     "min_jump_px", "duplicate_px", "min_frames", "min_tracks", "solo_appearance", "occlusion_search",
                     "occlusion_gap", "refute_appearance", "occlusion_agree_px", "occlusion_margin"])
        if let a = try s.double("refute_appearance") {
            guard a >= -1 && a <= 1 else { throw s.error("refute_appearance", "must be in [-1, 1] (a ZNCC)") }
            filter.refuteAppearance = Float(a)
        }
        filter.occlusionGap = try s.int("occlusion_gap", atLeast: 0) ?? filter.occlusionGap
        filter.agreePx = Float(try s.double("agree_px", atLeast: 0) ?? Double(filter.agreePx))
        if let a = try s.double("min_appearance") {
            guard a >= -1 && a <= 1 else { throw s.error("min_appearance", "must be in [-1, 1] (a ZNCC)") }
            filter.minAppearance = Float(a)
        }
        if let w = try s.int("appearance_window", atLeast: 3) {
            guard w % 2 == 1 else { throw s.error("appearance_window", "must be odd") }
            filter.appearanceRadius = w / 2
        }
        filter.cyclePx = Float(try s.double("cycle_px", atLeast: 0) ?? Double(filter.cyclePx))
        filter.cycleSearch = try s.int("cycle_search", atLeast: 1) ?? filter.cycleSearch
        filter.jumpFactor = Float(try s.double("jump_factor", atLeast: 1) ?? Double(filter.jumpFactor))
        filter.minJumpPx = Float(try s.double("min_jump_px", atLeast: 0) ?? Double(filter.minJumpPx))
        filter.duplicatePx = Float(try s.double("duplicate_px", atLeast: 0) ?? Double(filter.duplicatePx))
        filter.minFrames = try s.int("min_frames", atLeast: 0) ?? filter.minFrames
        minTracks = try s.int("min_tracks", atLeast: 1) ?? minTracks
        if let a = try s.double("solo_appearance") {
            guard a >= -1 && a <= 1 else { throw s.error("solo_appearance", "must be in [-1, 1] (a ZNCC; 1 = never on appearance alone)") }
            filter.soloAppearance = Float(a)
        }
        filter.occlusionSearch = try s.int("occlusion_search", atLeast: 0) ?? filter.occlusionSearch
        filter.occlusionMargin = try s.int("occlusion_margin", atLeast: 0) ?? filter.occlusionMargin
        filter.occlusionAgreePx = Float(try s.double("occlusion_agree_px", atLeast: 0) ?? Double(filter.occlusionAgreePx))
    }
}

public struct QualityStage: Stage {
    public let name = "quality"
    public let reads = ["points", "tracks"]
    public let optionalReads = ["tracks.check", "tracks3d"]
    public let optionalReadsRequireOne = true
    public let writes = ["labels"]
    public let needsRGB = false
    public let configuration: QualityConfiguration

    public init(configuration: QualityConfiguration) { self.configuration = configuration }

    public static let format = "labels.v1+safetensors"

    public func run(_ input: StageInput) throws -> StageOutcome {
        let queries = try PointsStage.decode(input.artifacts["points"] ?? []).map { (t: $0.t, x: $0.x, y: $0.y) }
        let (teacher, teacherJSON) = try TeacherStage.decode(input.artifacts["tracks"] ?? [])
        if let rig = input.artifacts["tracks3d"] { return try runRig(rig, queries: queries, teacherJSON: teacherJSON) }
        guard let check = input.artifacts["tracks.check"] else {
            throw ManifestError.invalid("quality: clip \(input.clip.id ?? 0) has neither tracks.check nor tracks3d from the full tracker")
        }
        let (checker, checkerJSON) = try TeacherStage.decode(check)
        let (labels, kept, statistics) = LabelFilter(configuration: configuration.filter)
            .filter(teacher: teacher, checker: checker, queries: queries, frames: input.grey)
        let checkerName = jsonObject(checkerJSON)["teacher"] ?? ""
        var quality = statistics.json
        quality["checker"] = checkerName
        let metadata = String(decoding: try JSONSerialization.data(withJSONObject: ["quality": quality], options: [.sortedKeys]), as: UTF8.self)
        var bundle = try TensorBundle(decoding: TeacherStage.encode(labels, metadata: teacherJSON))
        bundle.set("kept", kept.map { Int32($0) }, shape: [kept.count])
        bundle.set("removed_by", statistics.removedBy, shape: [teacher.frames, teacher.points])
        bundle.metadata["quality"] = metadata
        bundle.metadata["removed_by_rules"] = LabelFilter.labelRules.joined(separator: ",")
        let artifact = ArtifactPayload(name: "labels", format: Self.format, bytes: bundle.encoded(), metadata: metadata)
        if kept.count < configuration.minTracks {
            return .skipped(reason: "too-few-labelled-tracks: \(kept.count) of \(queries.count) left, \(configuration.minTracks) needed", [artifact])
        }
        return .done([artifact])
    }

    private func runRig(_ bytes: [UInt8], queries: [(t: Int, x: Float, y: Float)], teacherJSON: String) throws -> StageOutcome {
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
        let artifact = ArtifactPayload(name: "labels", format: RigLabels.format, bytes: labels.encoded(), metadata: metadata)
        if kept.count < configuration.minTracks {
            return .skipped(reason: "too-few-labelled-tracks: \(kept.count) of \(queries.count) left, \(configuration.minTracks) needed", [artifact])
        }
        return .done([artifact])
    }

    /// The kept labels, the index of each kept track among the queries, the teacher JSON
    /// and the quality JSON of a `labels` artifact.
    public static func decode(_ bytes: [UInt8]) throws -> (TeacherTracks, [Int], String, String) {
        let (labels, teacherJSON) = try TeacherStage.decode(bytes)
        let bundle = try TensorBundle(decoding: bytes)
        return (labels, try bundle.int32s("kept").map(Int.init), teacherJSON, bundle.metadata["quality"] ?? "{}")
    }
}
