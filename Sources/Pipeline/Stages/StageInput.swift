// What a stage is given for one clip: its views, the artifacts of earlier stages, and a
// generator seeded by (run seed, source, clip, stage).

import Imaging
import Manifest
import Seeding
import Teachers

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
    /// The artifact `name` of an earlier stage, uncompressed; a StageError when the clip has none.
    public func artifact(_ name: String) throws -> [UInt8] {
        guard let bytes = artifacts[name] else { throw StageError.artifact(name: name, message: "missing: no earlier stage stored it for this clip") }
        return bytes
    }
    /// A StageError naming both shapes unless `labels` (the artifact `name`) has one point
    /// per query and one frame per frame of the clip: an artifact of another shape is damaged.
    public func requireShape(_ labels: TeacherTracks, of name: String, queries: Int) throws {
        guard labels.points != queries || labels.frames != grey.count else { return }
        throw StageError.inconsistent("clip \(clip.id ?? 0): \(name) has \(labels.points) points over \(labels.frames) frames "
                                      + "for \(queries) queries and \(grey.count) frames")
    }
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
