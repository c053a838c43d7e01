// A source handed to ingest: a video file or a rig directory, with its content hash and
// how ingesting it ended (ingested, a duplicate of an earlier source, or failed and why).

import GRDB

public struct SourceRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sources"
    public enum Kind: String, Codable, Sendable { case video, rig }
    public enum State: String, Codable, Sendable { case ingested, duplicate, failed }

    public var id: Int64?
    public var kind: Kind
    public var uri: String
    public var sha256: String?
    public var bytes: Int64?
    public var state: State
    public var duplicateOf: Int64?
    public var errorKind: String?
    public var error: String?
    public var runId: Int64?
    public var ingestedAt: Double

    enum CodingKeys: String, CodingKey {
        case id, kind, uri, sha256, bytes, state, duplicateOf = "duplicate_of", errorKind = "error_kind",
             error, runId = "run_id", ingestedAt = "ingested_at"
    }

    public init(kind: Kind, uri: String, sha256: String?, bytes: Int64?, state: State, duplicateOf: Int64? = nil,
                errorKind: String? = nil, error: String? = nil, runId: Int64?, ingestedAt: Double) {
        self.kind = kind; self.uri = uri; self.sha256 = sha256; self.bytes = bytes; self.state = state
        self.duplicateOf = duplicateOf; self.errorKind = errorKind; self.error = error
        self.runId = runId; self.ingestedAt = ingestedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
