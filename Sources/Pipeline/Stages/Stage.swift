// A stage of the pipeline: a deterministic function of (clip frames, the artifacts of
// earlier stages, its configuration, a generator seeded by run seed and clip) that either
// produces the clip's artifacts, or a training sample for the worker's open shard, or
// rejects the clip with a reason. Stages hold no state between clips; the runner owns
// decoding, leases, commits and the open shard.

import Geometry
import Imaging
import Labelling
import Manifest
import PipelineDefinition
import Seeding
import Shards

/// One view of a clip: the only one of a video, one per camera of a rig.
public struct ClipView {
    public var name: String
    /// Grey frames at the stored resolution, [T] of H×W, 0…255.
    public var grey: [GreyImage]
    /// RGB frames at the stored resolution, when a stage asked for them.
    public var rgb: [RGBImage]?
    /// A rig view's camera at each frame, for stored pixels.
    public var cameras: [PinholeCamera]?
    /// A rig view's depth at each frame at the stored size, when it has depth and a stage asked for it.
    public var depth: [DepthMap]?
    /// The view's video as the manifest records it (calibration and depth source included).
    public var record: VideoRecord?

    public init(name: String = "main", grey: [GreyImage], rgb: [RGBImage]? = nil, cameras: [PinholeCamera]? = nil,
                depth: [DepthMap]? = nil, record: VideoRecord? = nil) {
        self.name = name; self.grey = grey; self.rgb = rgb; self.cameras = cameras; self.depth = depth; self.record = record
    }
}

extension ClipView: TrackedView {}

/// What a stage is given for one clip.
public struct StageInput {
    public var clip: ClipRecord
    /// The clip's views, in the rig's order (one for a video).
    public var views: [ClipView]
    /// The first view's grey frames (a video's only view).
    public var grey: [GreyImage] { views[0].grey }
    /// The first view's RGB frames.
    public var rgb: [RGBImage]? { views[0].rgb }
    /// Whether the clip comes from a calibrated rig.
    public var isRig: Bool { views[0].cameras != nil }
    /// Artifacts of earlier stages, by name, uncompressed.
    public var artifacts: [String: [UInt8]]
    /// Seeded by (run seed, source hash, clip index, stage name).
    public var random: SeededGenerator
    /// The clip's source and (first) video, for stages that record provenance.
    public var source: SourceRecord?
    public var video: VideoRecord?

    public init(clip: ClipRecord, views: [ClipView], artifacts: [String: [UInt8]], random: SeededGenerator,
                source: SourceRecord? = nil, video: VideoRecord? = nil) {
        precondition(!views.isEmpty)
        self.clip = clip; self.views = views; self.artifacts = artifacts; self.random = random
        self.source = source; self.video = video
    }

    public init(clip: ClipRecord, grey: [GreyImage], rgb: [RGBImage]?, artifacts: [String: [UInt8]], random: SeededGenerator,
                source: SourceRecord? = nil, video: VideoRecord? = nil) {
        self.init(clip: clip, views: [ClipView(grey: grey, rgb: rgb)], artifacts: artifacts, random: random, source: source, video: video)
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
    /// The stage's name and the artifacts it reads and writes (PipelineDefinition's StageInterface).
    var interface: StageInterface { get }
    /// Whether the stage needs the RGB frames too (grey frames are always decoded).
    var needsRGB: Bool { get }
    /// Whether the stage needs a rig's depth maps.
    var needsDepth: Bool { get }
    func run(_ input: StageInput) throws -> StageOutcome
}

extension Stage {
    public var name: String { interface.name }
    public var needsDepth: Bool { false }
}

/// The stages this engine has, made as a pipeline definition configures each.
public enum StageCatalog {
    public static func make(_ name: String, pipeline: PipelineDefinition) throws -> Stage {
        switch name {
        case "decode-check": return DecodeCheckStage(configuration: pipeline.decodeCheck)
        case "points": return PointsStage(configuration: pipeline.points)
        case "teacher": return TeacherStage(ensemble: pipeline.teachers)
        case "full-tracker": return FullTrackerStage(configuration: pipeline.fullTracker)
        case "quality": return QualityStage(configuration: pipeline.quality)
        case "shards": return ShardsStage(configuration: pipeline.shards, seed: pipeline.seed, pipelineSha256: pipeline.sha256,
                                          filtered: pipeline.stages.contains("quality"))
        default: throw StageError.configuration(key: "stages", message: "this engine has no stage '\(name)'")
        }
    }
}
