// The `shards` section: shard size, zstd level, how a sample carries its clip (`media`):
// an H.264 MP4 (`video_mp4`), raw frames, or nothing, and whether rig clips carry depth
// (Pipeline's ShardsStage, TrainingSample and RigSample build the samples).

public enum ShardMedia: String, Sendable, CaseIterable {
    case videoMP4 = "video_mp4", frames, none
}

public struct ShardsConfiguration: Sendable, Equatable {
    /// Largest uncompressed shard in bytes.
    public var sizeLimit = 1 << 26
    public var zstdLevel: Int32 = 3
    public var media: ShardMedia = .videoMP4
    /// x264 CRF of `video_mp4`.
    public var crf = 18
    /// Rig clips carry each view's depth at the stored size (`depth_views`, uint16 mm).
    public var depth = false
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["size_limit", "zstd_level", "media", "crf", "depth"])
        if let depth = try s.bool("depth") { self.depth = depth }
        if let limit = try s.int("size_limit", atLeast: 1024) {
            guard limit < (1 << 32) else { throw s.error("size_limit", "must be below 4 GiB (MDS offsets are 32-bit)") }
            sizeLimit = limit
        }
        if let level = try s.int("zstd_level", atLeast: 1) {
            guard level <= 22 else { throw s.error("zstd_level", "must be 1…22") }
            zstdLevel = Int32(level)
        }
        if let media = try s.string("media") {
            guard let m = ShardMedia(rawValue: media) else { throw s.error("media", "must be video_mp4, frames or none") }
            self.media = m
        }
        if let crf = try s.int("crf", atLeast: 0) {
            guard crf <= 51 else { throw s.error("crf", "must be 0…51") }
            self.crf = crf
        }
    }
}
