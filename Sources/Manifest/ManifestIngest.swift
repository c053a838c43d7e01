// Writing what ingest found: sources, their videos, clips and one pending task per clip
// and stage, for many sources per transaction.

import Foundation
import GRDB

/// Everything ingest learned about one source, ready to be written.
public struct IngestedSource: Sendable {
    public var source: SourceRecord
    public var videos: [VideoRecord]
    public var clips: [ClipRecord]
    public init(source: SourceRecord, videos: [VideoRecord] = [], clips: [ClipRecord] = []) {
        self.source = source; self.videos = videos; self.clips = clips
    }
}

/// What became of a source when it was written.
public enum IngestOutcome: Equatable, Sendable {
    case ingested(clips: Int)
    case duplicate(of: String)
    case alreadyIngested
    case failed(String)
}

extension ManifestDatabase {
    /// The ingested source with this content hash, if any.
    public func source(withContent sha256: String) throws -> SourceRecord? {
        try read { db in
            try SourceRecord.fetchOne(db, sql: "SELECT * FROM sources WHERE sha256 = ? AND state = 'ingested'", arguments: [sha256])
        }
    }

    /// Writes a batch of sources in one transaction. A source whose content is already
    /// ingested is recorded as a duplicate (or not at all, when it is the very same path);
    /// a failed source replaces an earlier failure of the same path.
    public func record(_ batch: [IngestedSource], stages: [String], maxAttempts: Int) throws -> [IngestOutcome] {
        try write { db in
            var outcomes: [IngestOutcome] = []
            for item in batch {
                var source = item.source
                if source.state == .failed {
                    try db.execute(sql: "DELETE FROM sources WHERE uri = ? AND state = 'failed'", arguments: [source.uri])
                    try source.insert(db)
                    outcomes.append(.failed(source.error ?? "failed"))
                    continue
                }
                if let hash = source.sha256,
                   let existing = try SourceRecord.fetchOne(db, sql: "SELECT * FROM sources WHERE sha256 = ? AND state = 'ingested'", arguments: [hash]) {
                    try db.execute(sql: "DELETE FROM sources WHERE uri = ? AND state = 'failed'", arguments: [source.uri])
                    if existing.uri == source.uri {
                        outcomes.append(.alreadyIngested)
                    } else {
                        source.state = .duplicate
                        source.duplicateOf = existing.id
                        if try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sources WHERE uri = ? AND state = 'duplicate')", arguments: [source.uri])! {
                            try source.insert(db)
                        }
                        outcomes.append(.duplicate(of: existing.uri))
                    }
                    continue
                }
                // A path that failed before and now ingests: forget the failure.
                try db.execute(sql: "DELETE FROM sources WHERE uri = ? AND state = 'failed'", arguments: [source.uri])
                try source.insert(db)
                for var video in item.videos {
                    video.sourceId = source.id!
                    try video.insert(db)
                }
                for var clip in item.clips {
                    clip.sourceId = source.id!
                    try clip.insert(db)
                    for (index, stage) in stages.enumerated() {
                        try db.execute(sql: """
                            INSERT INTO tasks (clip_id, stage, stage_index, max_attempts) VALUES (?, ?, ?, ?)
                            """, arguments: [clip.id!, stage, index, maxAttempts])
                    }
                }
                outcomes.append(.ingested(clips: item.clips.count))
            }
            return outcomes
        }
    }

    /// The videos of a source, by view.
    public func videos(ofSource id: Int64) throws -> [VideoRecord] {
        try read { try VideoRecord.fetchAll($0, sql: "SELECT * FROM videos WHERE source_id = ? ORDER BY view_index", arguments: [id]) }
    }

    public func clip(_ id: Int64) throws -> ClipRecord? {
        try read { try ClipRecord.fetchOne($0, key: id) }
    }

    public func sourceRecord(_ id: Int64) throws -> SourceRecord? {
        try read { try SourceRecord.fetchOne($0, key: id) }
    }
}
