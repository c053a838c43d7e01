// A stage of the pipeline: a deterministic function of (clip frames, the artifacts of
// earlier stages, its configuration, a generator seeded by run seed and clip) that either
// produces the clip's artifacts, or a training sample for the worker's open shard, or
// rejects the clip with a reason. Stages hold no state between clips; the runner owns
// decoding, leases, commits and the open shard.

import Imaging
import Manifest
import Seeding
import Shards

/// What a stage is given for one clip.
public struct StageInput {
    public var clip: ClipRecord
    /// Grey frames at the stored resolution, [T] of H×W, 0…255.
    public var grey: [GreyImage]
    /// RGB frames at the stored resolution, when the stage asked for them.
    public var rgb: [RGBImage]?
    /// Artifacts of earlier stages, by name, uncompressed.
    public var artifacts: [String: [UInt8]]
    /// Seeded by (run seed, source hash, clip index, stage name).
    public var random: SeededGenerator
    /// The clip's source and (first) video, for stages that record provenance.
    public var source: SourceRecord?
    public var video: VideoRecord?

    public init(clip: ClipRecord, grey: [GreyImage], rgb: [RGBImage]?, artifacts: [String: [UInt8]], random: SeededGenerator,
                source: SourceRecord? = nil, video: VideoRecord? = nil) {
        self.clip = clip; self.grey = grey; self.rgb = rgb; self.artifacts = artifacts; self.random = random
        self.source = source; self.video = video
    }
}

/// What a stage decided for one clip.
public enum StageOutcome {
    /// The clip goes on, with these artifacts stored.
    case done([ArtifactPayload])
    /// No tracker can label the clip: it is skipped, with the reason and any evidence.
    case skipped(reason: String, [ArtifactPayload])
    /// The clip's training sample (its columns, and N): it goes into the worker's open
    /// shard, and the task ends done when that shard is sealed.
    case sample([String: MDSValue], tracks: Int)
}

public protocol Stage: Sendable {
    /// The name used in the pipeline's `stages` list and in the manifest.
    var name: String { get }
    /// Names of the artifacts of earlier stages this stage reads.
    var reads: [String] { get }
    /// Names of the artifacts this stage writes.
    var writes: [String] { get }
    /// Whether the stage needs the RGB frames too (grey frames are always decoded).
    var needsRGB: Bool { get }
    func run(_ input: StageInput) throws -> StageOutcome
}

/// The stages this engine has, and how a pipeline definition configures each.
public enum StageCatalog {
    public static let names = ["decode-check", "points", "teacher", "full-tracker", "quality", "shards"]

    public static func make(_ name: String, pipeline: PipelineDefinition) throws -> Stage {
        switch name {
        case "decode-check": return DecodeCheckStage(configuration: pipeline.decodeCheck)
        case "points": return PointsStage(configuration: pipeline.points)
        case "teacher": return TeacherStage(ensemble: pipeline.teachers)
        case "full-tracker": return FullTrackerStage(configuration: pipeline.fullTracker)
        case "quality": return QualityStage(configuration: pipeline.quality)
        case "shards": return ShardsStage(configuration: pipeline.shards, seed: pipeline.seed, pipelineSha256: pipeline.sha256,
                                          filtered: pipeline.stages.contains("quality"))
        default: throw PipelineError.invalid(path: "<pipeline>", message: "unknown stage '\(name)'")
        }
    }
}
