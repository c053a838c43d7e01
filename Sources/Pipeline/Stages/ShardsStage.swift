// `shards`: turns a labelled clip into a training sample (TrainingSample: the labels of
// the `labels` artifact when the pipeline filters them (`quality`), else the teacher's
// `tracks`, for the queries of `points`, the clip as an H.264 MP4 or as raw
// frames, and its provenance in `meta`, SampleMeta) for the worker's open shard. A rig clip's sample
// (RigSample) adds its 3D labels, every view side by side in the media, and `meta.rig`. The stage only
// builds the sample; the worker's ShardSink appends it to the current MDS shard and the
// clip's task ends done when that shard is sealed (ManifestDatabase.sealShard).
// Defaults: 64 MiB uncompressed shards and zstd level 3 (mosaicml-streaming's own
// defaults), H.264 at CRF 18 with x264's veryfast preset (visually near-lossless at a
// fraction of the labelling time).

import Foundation
import Imaging
import Manifest
import PipelineDefinition
import Shards
import Teachers
import VideoIO

public struct ShardsStage: Stage {
    public var interface: StageInterface { .shards(filtered: filtered) }
    public let configuration: ShardsConfiguration
    public let seed: Int64
    public let pipelineSha256: String
    /// Whether the labels come from the `quality` stage.
    public let filtered: Bool

    public init(configuration: ShardsConfiguration, seed: Int64, pipelineSha256: String, filtered: Bool) {
        self.configuration = configuration; self.seed = seed; self.pipelineSha256 = pipelineSha256; self.filtered = filtered
    }

    public var needsRGB: Bool { configuration.media != .none }
    public var needsDepth: Bool { configuration.depth }

    public func run(_ input: StageInput) throws -> StageOutcome {
        guard let source = input.source, let video = input.video else {
            throw StageError.inconsistent("clip \(input.clip.id ?? 0) has no source or video record")
        }
        var queries = try PointsArtifact(decoding: try input.artifact(PointsArtifact.name)).teacherQueries
        if let bytes = filtered ? input.artifacts["labels"] : input.artifacts["tracks3d"], RigLabels.holds3D(bytes) {
            return try rigSample(input, labels: try RigLabels(decoding: bytes), queries: queries, source: source, video: video)
        }
        let labels: TeacherTracks, teacher: TeacherProvenance
        var quality: QualityProvenance?
        if filtered {
            let labelled = try LabelsArtifact(decoding: try input.artifact(LabelsArtifact.name))
            (labels, teacher, quality) = (labelled.labels, labelled.provenance, labelled.quality)
            queries = labelled.kept.map { queries[$0] }
        } else {
            let tracks = try TracksArtifact<TeacherProvenance>(decoding: try input.artifact("tracks"))
            (labels, teacher) = (tracks.labels, tracks.provenance)
        }
        try input.requireShape(labels, of: filtered ? LabelsArtifact.name : "tracks", queries: queries.count)
        guard labels.points > 0 else { throw StageError.inconsistent("clip \(input.clip.id ?? 0): no labelled track to write") }
        var columns = TrainingSample.labelColumns(labels, queries: queries)
        try addMedia(input.rgb, to: &columns, input: input, video: video)
        columns["meta"] = .json(ProvenanceJSON.text(meta(input, source: source, video: video, labels: labels, teacher: teacher, quality: quality)))
        return .sample(columns, tracks: labels.points)
    }

    /// The media column of RGB frames (a rig's views already side by side).
    func addMedia(_ rgb: [RGBImage]?, to columns: inout [String: MDSValue], input: StageInput, video: VideoRecord) throws {
        guard configuration.media != .none else { return }
        guard let rgb, let first = rgb.first else { throw StageError.inconsistent("no RGB frames decoded") }
        switch configuration.media {
        case .videoMP4:
            var settings = VideoEncoderSettings(codec: .h264, width: first.width, height: first.height)
            let fps = video.frameRate / Double(input.clip.frameStep)
            settings.frameRateNumerator = Int32(max(1, (fps * 1001).rounded()))
            settings.frameRateDenominator = 1001
            settings.quality = configuration.crf
            columns["video_mp4"] = .bytes(try VideoEncoder.mp4(rgb, settings: settings))
        case .frames:
            columns["frames"] = .array(MDSArray(uint8: rgb.flatMap(\.bytes), shape: [rgb.count, first.height, first.width, 3]))
        case .none: break
        }
    }

    /// The stable name of a clip in shards: the first 16 hex digits of its source's
    /// SHA-256 and its index.
    public static func clipName(sourceSha256: String, clipIndex: Int) -> String {
        "\(sourceSha256.prefix(16))/\(clipIndex)"
    }

    /// The sample's `meta` (SampleMeta), without `rig`.
    func meta(_ input: StageInput, source: SourceRecord, video: VideoRecord, labels: TeacherTracks,
              teacher: TeacherProvenance, quality: QualityProvenance?) -> SampleMeta {
        let clip = input.clip
        let frameIndices = clip.frames
        let cells = labels.frames * labels.points
        let labelled = labels.valid.filter { $0 }.count
        let visible = zip(labels.valid, labels.visible).filter { $0 && $1 }.count
        let counts = SampleMeta.Quality.Labels(points: labels.points, labelledFraction: cells > 0 ? Double(labelled) / Double(cells) : 0,
                                               visibleFraction: cells > 0 ? Double(visible) / Double(cells) : 0)
        let sha256 = source.sha256 ?? video.sha256
        return SampleMeta(
            clipId: Self.clipName(sourceSha256: sha256, clipIndex: clip.clipIndex),
            video: .init(uri: source.uri, sha256: sha256, width: video.width, height: video.height, fps: video.frameRate),
            clip: .init(frameIndices: frameIndices, frameStep: clip.frameStep, index: clip.clipIndex),
            transform: .init(scaleX: clip.scaleX, scaleY: clip.scaleY, offsetX: clip.offsetX, offsetY: clip.offsetY),
            stored: .init(width: clip.storedWidth, height: clip.storedHeight),
            teacher: .init(teacher), seed: seed, quality: .init(statistics: quality?.quality, labels: counts),
            engine: .init(version: EngineVersion.string, pipelineSha256: pipelineSha256))
    }
}

extension ShardsConfiguration {
    /// The columns of a video clip's sample, or of a rig clip's.
    public func columns(rig: Bool) -> MDSColumns {
        var encodings = TrainingSample.encodings(media: media, rig: rig)
        if rig && depth { encodings.merge(TrainingSample.depthEncodings) { a, _ in a } }
        return MDSColumns(encodings, zstdLevel: zstdLevel, sizeLimit: sizeLimit)
    }
}
