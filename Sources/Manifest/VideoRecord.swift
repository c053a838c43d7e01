// A video stream of a source (the only one of a plain video, one per camera of a rig):
// what the probe found, including the frame timestamp table used to seek exactly.

import Compression
import Foundation
import GRDB

public struct VideoRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "videos"
    public var id: Int64?
    public var sourceId: Int64
    public var viewIndex: Int
    public var viewName: String
    public var path: String
    public var sha256: String
    public var container: String
    public var codec: String
    public var pixelFormat: String
    public var codedWidth: Int
    public var codedHeight: Int
    public var width: Int
    public var height: Int
    public var frameRate: Double
    public var frameCount: Int
    public var containerFrameCount: Int
    public var duration: Double
    public var rotation: Int
    public var variableFrameRate: Bool
    public var timeBaseNum: Int32
    public var timeBaseDen: Int32
    /// zstd of little-endian Int64 presentation timestamps.
    public var frameTimestamps: Data
    public var calibration: String?
    public var depth: String?
    /// The file's size and modification time (ns) at ingest (migration 0004); nil before it.
    public var fileBytes: Int64?
    public var fileMtimeNs: Int64?

    enum CodingKeys: String, CodingKey {
        case id, sourceId = "source_id", viewIndex = "view_index", viewName = "view_name", path, sha256,
             container, codec, pixelFormat = "pixel_format", codedWidth = "coded_width", codedHeight = "coded_height",
             width, height, frameRate = "frame_rate", frameCount = "frame_count",
             containerFrameCount = "container_frame_count", duration, rotation,
             variableFrameRate = "variable_frame_rate", timeBaseNum = "time_base_num", timeBaseDen = "time_base_den",
             frameTimestamps = "frame_timestamps", calibration, depth,
             fileBytes = "file_bytes", fileMtimeNs = "file_mtime_ns"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public init(sourceId: Int64, viewIndex: Int, viewName: String, path: String, sha256: String, container: String,
                codec: String, pixelFormat: String, codedWidth: Int, codedHeight: Int, width: Int, height: Int,
                frameRate: Double, frameCount: Int, containerFrameCount: Int, duration: Double, rotation: Int,
                variableFrameRate: Bool, timeBaseNum: Int32, timeBaseDen: Int32, timestamps: [Int64]) throws {
        self.sourceId = sourceId; self.viewIndex = viewIndex; self.viewName = viewName; self.path = path
        self.sha256 = sha256; self.container = container; self.codec = codec; self.pixelFormat = pixelFormat
        self.codedWidth = codedWidth; self.codedHeight = codedHeight; self.width = width; self.height = height
        self.frameRate = frameRate; self.frameCount = frameCount; self.containerFrameCount = containerFrameCount
        self.duration = duration; self.rotation = rotation; self.variableFrameRate = variableFrameRate
        self.timeBaseNum = timeBaseNum; self.timeBaseDen = timeBaseDen
        var raw = [UInt8](); raw.reserveCapacity(timestamps.count * 8)
        for t in timestamps { withUnsafeBytes(of: t.littleEndian) { raw.append(contentsOf: $0) } }
        self.frameTimestamps = Data(try Zstd.compress(raw))
    }

    /// The presentation timestamps, decompressed.
    public func timestamps() throws -> [Int64] {
        let raw = try Zstd.decompress([UInt8](frameTimestamps))
        return stride(from: 0, to: raw.count, by: 8).map { i in
            raw[i..<i + 8].enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * Int64($1.offset)) }
        }
    }
}
