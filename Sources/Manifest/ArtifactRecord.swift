// A stage's output for a clip, stored zstd-compressed with the SHA-256 of its raw bytes
// and a format tag that says what the bytes are and in which version.

import Checksums
import Compression
import Foundation
import GRDB

public struct ArtifactRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "artifacts"
    public var id: Int64?
    public var clipId: Int64
    public var stage: String
    public var name: String
    public var format: String
    public var compression: String
    public var rawBytes: Int
    public var sha256: String
    public var data: Data
    public var createdAt: Double
    /// A JSON object of facts about the artifact, or nil.
    public var metadata: String?

    enum CodingKeys: String, CodingKey {
        case id, clipId = "clip_id", stage, name, format, compression, rawBytes = "raw_bytes", sha256, data,
             createdAt = "created_at", metadata
    }

    public init(clipId: Int64, stage: String, payload: ArtifactPayload) throws {
        self.clipId = clipId; self.stage = stage; self.name = payload.name; self.format = payload.format
        self.compression = "zstd"; self.rawBytes = payload.bytes.count
        self.sha256 = Digest.hex(payload.bytes)
        self.data = Data(try Zstd.compress(payload.bytes))
        self.createdAt = Date().timeIntervalSince1970
        self.metadata = payload.metadata
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The raw bytes, decompressed and checked against the stored SHA-256.
    public func payload() throws -> [UInt8] {
        if compression == Self.dropped {
            throw ManifestError.invalid("artifact \(name) of clip \(clipId) was dropped once the clip was sealed in a shard (only its size, SHA-256 and metadata are kept; `run --keep-artifacts` keeps them whole)")
        }
        let raw = try Zstd.decompress([UInt8](data))
        guard raw.count == rawBytes, Digest.hex(raw) == sha256 else {
            throw ManifestError.invalid("artifact \(name) of clip \(clipId) is damaged: checksum mismatch")
        }
        return raw
    }
}

extension ManifestDatabase {
    /// The artifact `name` of a clip, or nil.
    public func artifact(clip: Int64, name: String) throws -> ArtifactRecord? {
        try read { try ArtifactRecord.fetchOne($0, sql: "SELECT * FROM artifacts WHERE clip_id = ? AND name = ?", arguments: [clip, name]) }
    }
}
