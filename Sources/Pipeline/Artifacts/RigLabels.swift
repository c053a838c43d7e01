// A rig clip's 3D labels as an artifact (format `tracks3d.v1+safetensors`): `tracks3d`
// F32 [T, N, 3] world metres, `valid` U8 [T, N], `confidence` F32 [T, N], `tracks_views`
// F32 [V, T, N, 2] stored pixels, `visibility_views` U8 [V, T, N], `query_view` I32 [N],
// and, in the quality stage's `labels` artifact, `kept` I32 [N'] (the index of each kept
// point among the queries). Metadata: the tracker's JSON (`tracker`) and the quality
// statistics (`quality`).

import Geometry
import PipelineDefinition

struct RigLabels {
    var tracks: RigTracks3D
    var queryView: [Int]
    var kept: [Int]?
    var metadata: [String: String] = [:]

    static let format = "tracks3d.v1+safetensors"

    func encoded() -> [UInt8] {
        var bundle = TensorBundle()
        let t = tracks.frames, n = tracks.points, v = tracks.views
        bundle.set("tracks3d", tracks.positions, shape: [t, n, 3])
        bundle.set("valid", tracks.valid.map { $0 ? UInt8(1) : 0 }, shape: [t, n])
        bundle.set("confidence", tracks.confidence, shape: [t, n])
        bundle.set("tracks_views", tracks.viewPositions, shape: [v, t, n, 2])
        bundle.set("visibility_views", tracks.viewVisible.map { $0 ? UInt8(1) : 0 }, shape: [v, t, n])
        bundle.set("query_view", queryView.map { Int32($0) }, shape: [n])
        if let kept { bundle.set("kept", kept.map { Int32($0) }, shape: [kept.count]) }
        bundle.metadata = metadata
        return bundle.encoded()
    }

    /// Whether an artifact holds 3D labels.
    static func holds3D(_ bytes: [UInt8]) -> Bool { (try? TensorBundle(decoding: bytes))?.shape("tracks3d") != nil }

    init(tracks: RigTracks3D, queryView: [Int], kept: [Int]? = nil, metadata: [String: String] = [:]) {
        self.tracks = tracks; self.queryView = queryView; self.kept = kept; self.metadata = metadata
    }

    init(decoding bytes: [UInt8]) throws {
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
        self.tracks = tracks
        queryView = try bundle.int32s("query_view").map(Int.init)
        kept = bundle.shape("kept") == nil ? nil : try bundle.int32s("kept").map(Int.init)
        metadata = bundle.metadata
    }
}
