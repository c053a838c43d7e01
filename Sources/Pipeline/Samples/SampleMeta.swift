// A sample's `meta` column (Shards/README.md §5.3, and §5.4's `meta.rig` for a rig clip):
// the clip's stable name, its source video, frames and stored geometry, the teacher's
// provenance, the seed, the quality statistics with the sample's own label counts, the
// engine, and for a rig its cameras. Written as text through ProvenanceJSON, with the
// same bytes the untyped dictionary had.

struct SampleMeta: Encodable {
    struct Video: Encodable { var uri: String; var sha256: String; var width: Int; var height: Int; var fps: Double }
    struct Clip: Encodable {
        var frameIndices: [Int]; var frameStep: Int; var index: Int
        enum CodingKeys: String, CodingKey { case frameIndices = "frame_indices", frameStep = "frame_step", index }
    }
    struct Transform: Encodable {
        var scaleX: Double; var scaleY: Double; var offsetX: Double; var offsetY: Double
        enum CodingKeys: String, CodingKey { case scaleX = "scale_x", scaleY = "scale_y", offsetX = "offset_x", offsetY = "offset_y" }
    }
    struct Stored: Encodable { var width: Int; var height: Int }
    /// `meta.teacher`: TeacherProvenance with the teacher's name as `name`.
    struct Teacher: Encodable {
        var name: String; var version: String; var params: [String: String]; var draw: TeacherProvenance.Draw
        init(_ provenance: TeacherProvenance) {
            name = provenance.teacher; version = provenance.version; params = provenance.params; draw = provenance.draw
        }
    }
    /// `meta.quality`: the quality stage's statistics (none without that stage) and `labels`,
    /// the sample's own counts, in one object.
    struct Quality: Encodable {
        var statistics: QualityProvenance.Statistics?
        var labels: Labels
        struct Labels: Encodable {
            var points: Int; var labelledFraction: Double; var visibleFraction: Double
            enum CodingKeys: String, CodingKey { case points, labelledFraction = "labelled_fraction", visibleFraction = "visible_fraction" }
        }
        enum CodingKeys: String, CodingKey { case labels }
        func encode(to encoder: Encoder) throws {
            try statistics?.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(labels, forKey: .labels)
        }
    }
    struct Engine: Encodable {
        var version: String; var pipelineSha256: String
        enum CodingKeys: String, CodingKey { case version, pipelineSha256 = "pipeline_sha256" }
    }
    /// `meta.rig`: the rig directory, its frame rate and depth unit, and each view's cameras.
    struct Rig: Encodable {
        struct View: Encodable {
            var name: String
            /// K for the stored pixels, and as given in rig.json.
            var K: [[Double]]; var KSource: [[Double]]
            /// World-to-camera [R | t] (3 × 4) at each of the clip's frames.
            var extrinsicsW2C: [[[Double]]]
            var hasDepth: Bool
            enum CodingKeys: String, CodingKey { case name, K, KSource = "K_source", extrinsicsW2C = "extrinsics_w2c", hasDepth = "has_depth" }
        }
        var uri: String; var fps: Double; var views: [View]; var depthUnitM: Double
        enum CodingKeys: String, CodingKey { case uri, fps, views, depthUnitM = "depth_unit_m" }
    }

    var clipId: String
    var video: Video
    var clip: Clip
    var transform: Transform
    var stored: Stored
    var teacher: Teacher
    var seed: Int64
    var quality: Quality
    var engine: Engine
    var rig: Rig?

    enum CodingKeys: String, CodingKey { case clipId = "clip_id", video, clip, transform, stored, teacher, seed, quality, engine, rig }
}
