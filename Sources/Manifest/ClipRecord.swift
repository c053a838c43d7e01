// A clip: T frames of a source (the same frames in every view of a rig), the exact source
// frame index of each, and how source pixels map to the stored resolution.

import Foundation
import GRDB

public struct ClipRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "clips"
    public var id: Int64?
    public var sourceId: Int64
    public var clipIndex: Int
    public var frameCount: Int
    public var frameStep: Int
    /// JSON array of the T source frame indices.
    public var frameIndices: String
    /// JSON of the stored geometry (VideoIO.FrameGeometry).
    public var geometry: String
    public var storedWidth: Int
    public var storedHeight: Int
    public var scaleX: Double
    public var scaleY: Double
    public var offsetX: Double
    public var offsetY: Double
    public var seed: Int64

    enum CodingKeys: String, CodingKey {
        case id, sourceId = "source_id", clipIndex = "clip_index", frameCount = "frame_count",
             frameStep = "frame_step", frameIndices = "frame_indices", geometry, storedWidth = "stored_width",
             storedHeight = "stored_height", scaleX = "scale_x", scaleY = "scale_y", offsetX = "offset_x",
             offsetY = "offset_y", seed
    }

    public init(sourceId: Int64, clipIndex: Int, frameStep: Int, frames: [Int], geometryJSON: String,
                storedWidth: Int, storedHeight: Int, scaleX: Double, scaleY: Double, offsetX: Double, offsetY: Double,
                seed: Int64) {
        self.sourceId = sourceId; self.clipIndex = clipIndex; self.frameCount = frames.count
        self.frameStep = frameStep
        self.frameIndices = String(decoding: try! JSONEncoder().encode(frames), as: UTF8.self)
        self.geometry = geometryJSON; self.storedWidth = storedWidth; self.storedHeight = storedHeight
        self.scaleX = scaleX; self.scaleY = scaleY; self.offsetX = offsetX; self.offsetY = offsetY; self.seed = seed
    }

    public var frames: [Int] { (try? JSONDecoder().decode([Int].self, from: Data(frameIndices.utf8))) ?? [] }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
