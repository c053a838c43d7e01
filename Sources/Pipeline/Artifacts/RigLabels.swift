// A rig clip's 3D labels as an artifact (format `tracks3d.v1+safetensors`): `tracks3d`
// F32 [T, N, 3] world metres, `valid` U8 [T, N], `confidence` F32 [T, N], `tracks_views`
// F32 [V, T, N, 2] stored pixels, `visibility_views` U8 [V, T, N], `query_view` I32 [N],
// `label_source` U8 [T, N] (how each label was made: 0 none, 1 depth, K triangulated from
// K views; absent in artifacts written before it, read as 0),
// and, in the quality stage's `labels` artifact, `kept` I32 [N'] (the index of each kept
// point among the queries). Metadata: the full tracker's provenance (`tracker`) and, in
// `labels`, the teacher's (`teacher`) and the quality statistics (`quality`), as
// ProvenanceJSON text.

import Geometry
import PipelineDefinition

public struct RigLabels {
    public var tracks: RigTracks3D
    public var queryView: [Int]
    public var kept: [Int]?
    public var tracker: CheckerProvenance
    public var teacher: TeacherProvenance?
    public var quality: QualityProvenance?

    public static let format = "tracks3d.v1+safetensors"

    func encoded() -> [UInt8] {
        var bundle = TensorBundle()
        let t = tracks.frames, n = tracks.points, v = tracks.views
        bundle.set("tracks3d", tracks.positions, shape: [t, n, 3])
        bundle.set("valid", tracks.valid.map { $0 ? UInt8(1) : 0 }, shape: [t, n])
        bundle.set("confidence", tracks.confidence, shape: [t, n])
        bundle.set("tracks_views", tracks.viewPositions, shape: [v, t, n, 2])
        bundle.set("visibility_views", tracks.viewVisible.map { $0 ? UInt8(1) : 0 }, shape: [v, t, n])
        bundle.set("query_view", queryView.map { Int32($0) }, shape: [n])
        bundle.set("label_source", tracks.source, shape: [t, n])
        if let kept { bundle.set("kept", kept.map { Int32($0) }, shape: [kept.count]) }
        bundle.metadata["tracker"] = ProvenanceJSON.text(tracker)
        if let teacher { bundle.metadata["teacher"] = ProvenanceJSON.text(teacher) }
        if let quality { bundle.metadata["quality"] = ProvenanceJSON.text(quality) }
        return bundle.encoded()
    }

    /// Whether an artifact holds 3D labels.
    static func holds3D(_ bytes: [UInt8]) -> Bool { (try? TensorBundle(decoding: bytes))?.shape("tracks3d") != nil }

    init(tracks: RigTracks3D, queryView: [Int], kept: [Int]? = nil, tracker: CheckerProvenance,
         teacher: TeacherProvenance? = nil, quality: QualityProvenance? = nil) {
        self.tracks = tracks; self.queryView = queryView; self.kept = kept
        self.tracker = tracker; self.teacher = teacher; self.quality = quality
    }

    public init(decoding bytes: [UInt8]) throws {
        let bundle = try TensorBundle(decoding: bytes)
        guard let shape = bundle.shape("tracks3d"), shape.count == 3, let views = bundle.shape("tracks_views"), views.count == 4 else {
            throw StageError.artifact(name: "tracks3d", message: "3D labels without [T, N, 3] tracks3d and [V, T, N, 2] tracks_views")
        }
        var tracks = RigTracks3D(frames: shape[0], points: shape[1], views: views[0])
        tracks.positions = try bundle.floats("tracks3d")
        tracks.valid = try bundle.bytes("valid").map { $0 != 0 }
        tracks.confidence = try bundle.floats("confidence")
        tracks.viewPositions = try bundle.floats("tracks_views")
        tracks.viewVisible = try bundle.bytes("visibility_views").map { $0 != 0 }
        if bundle.shape("label_source") != nil { tracks.source = try bundle.bytes("label_source") }
        self.tracks = tracks
        queryView = try bundle.int32s("query_view").map(Int.init)
        kept = bundle.shape("kept") == nil ? nil : try bundle.int32s("kept").map(Int.init)
        tracker = try ProvenanceJSON.decode(CheckerProvenance.self, from: bundle.metadata["tracker"], artifact: "tracks3d")
        teacher = try bundle.metadata["teacher"].map { try ProvenanceJSON.decode(TeacherProvenance.self, from: $0, artifact: "labels") }
        quality = try bundle.metadata["quality"].map { try ProvenanceJSON.decode(QualityProvenance.self, from: $0, artifact: "labels") }
    }
}
