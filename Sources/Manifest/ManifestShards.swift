// The manifest's record of sealed training shards (migration 0003). Sealing is one
// transaction: every member's lease is checked, the shard takes the directory's next
// number, the caller renames its staged file to that number, the shard and its samples
// are recorded, and each member's `shards` task ends done. A crash before the commit
// leaves a file the manifest does not list (removed by the next run) and the clips
// pending; after it, the clips are in exactly one shard.

import Foundation
import GRDB

/// A sealed shard as the manifest records it.
public struct ShardRecord: Codable, Sendable, FetchableRecord {
    public var id: Int64
    public var directory: String
    public var shardIndex: Int
    public var basename: String
    public var samples: Int
    public var rawBytes: Int
    public var rawSha1: String
    public var zipBytes: Int
    public var zipSha1: String
    /// The shard's index.json entry, exactly as written.
    public var entry: String

    enum CodingKeys: String, CodingKey {
        case id, directory, shardIndex = "shard_index", basename, samples, rawBytes = "raw_bytes", rawSha1 = "raw_sha1",
             zipBytes = "zip_bytes", zipSha1 = "zip_sha1", entry
    }
}

/// What the caller reports once it has put the shard in place under its number.
public struct PublishedShard: Sendable {
    public var basename: String
    public var rawBytes: Int
    public var rawSha1: String
    public var zipBytes: Int
    public var zipSha1: String
    public var entry: String
    public init(basename: String, rawBytes: Int, rawSha1: String, zipBytes: Int, zipSha1: String, entry: String) {
        self.basename = basename; self.rawBytes = rawBytes; self.rawSha1 = rawSha1
        self.zipBytes = zipBytes; self.zipSha1 = zipSha1; self.entry = entry
    }
}

/// A clip in a shard about to be sealed: the lease on its `shards` task, and N.
public struct ShardMember: Sendable {
    public var lease: ManifestLease
    public var task: LeasedTask
    public var tracks: Int
    public var seconds: Double
    public init(lease: ManifestLease, task: LeasedTask, tracks: Int, seconds: Double) {
        self.lease = lease; self.task = task; self.tracks = tracks; self.seconds = seconds
    }
}

public enum ShardSealError: Error, CustomStringConvertible {
    /// These members' leases were lost (taken over after expiring): drop them and seal the rest.
    case leasesLost(clipIds: [Int64])
    public var description: String {
        switch self { case .leasesLost(let ids): return "leases lost on clips \(ids.map(String.init).joined(separator: ", "))" }
    }
}

extension ManifestDatabase {
    /// Seals a shard of `members` (in sample order) in `directory`. `publish` is called
    /// inside the transaction with the shard's number and must put the file in place.
    @discardableResult
    public func sealShard(directory: String, members: [ShardMember], runId: Int64?,
                          publish: (Int) throws -> PublishedShard) throws -> ShardRecord {
        try write { db in
            var lost: [Int64] = []
            for member in members where !(try member.lease.isHeld(member.task, db)) { lost.append(member.lease.clipId) }
            if !lost.isEmpty { throw ShardSealError.leasesLost(clipIds: lost) }
            let index = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(shard_index) + 1, 0) FROM shards WHERE directory = ?",
                                         arguments: [directory])!
            let published = try publish(index)
            let now = Date().timeIntervalSince1970
            try db.execute(sql: """
                INSERT INTO shards (directory, shard_index, basename, samples, raw_bytes, raw_sha1, zip_bytes, zip_sha1,
                                    entry, lease_owner, run_id, sealed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [directory, index, published.basename, members.count, published.rawBytes, published.rawSha1,
                                 published.zipBytes, published.zipSha1, published.entry,
                                 members.first?.lease.owner.description ?? "", runId, now])
            let shardId = db.lastInsertedRowID
            for (sample, member) in members.enumerated() {
                try db.execute(sql: "INSERT INTO shard_samples (shard_id, sample_index, clip_id, tracks) VALUES (?, ?, ?, ?)",
                               arguments: [shardId, sample, member.lease.clipId, member.tracks])
                try member.lease.finishDone(member.task, seconds: member.seconds, db)
                if !Self.keepsSealedArtifacts { try ArtifactRecord.dropPayloads(clip: member.lease.clipId, db) }
            }
            return try ShardRecord.fetchOne(db, sql: "SELECT * FROM shards WHERE id = ?", arguments: [shardId])!
        }
    }

    /// The sealed shards of `directory`, in index order.
    public func shards(in directory: String) throws -> [ShardRecord] {
        try read { db in
            try ShardRecord.fetchAll(db, sql: "SELECT * FROM shards WHERE directory = ? ORDER BY shard_index", arguments: [directory])
        }
    }

    /// Every directory this manifest has sealed shards in.
    public func shardDirectories() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT directory FROM shards ORDER BY directory") }
    }

    /// A clip in a sealed shard: the manifest's clip id, and what names it in the shard.
    public struct ShardMemberRecord: Sendable {
        public var clipId: Int64
        public var sourceSha256: String
        public var clipIndex: Int
        public var tracks: Int
    }

    /// For each sealed shard of `directory` in index order, its clips in sample order.
    public func shardMembers(in directory: String) throws -> [[ShardMemberRecord]] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.shard_index, m.clip_id, m.tracks, c.clip_index, COALESCE(src.sha256, '') AS sha256
                FROM shard_samples m JOIN shards s ON s.id = m.shard_id JOIN clips c ON c.id = m.clip_id
                JOIN sources src ON src.id = c.source_id
                WHERE s.directory = ? ORDER BY s.shard_index, m.sample_index
                """, arguments: [directory])
            var result: [[ShardMemberRecord]] = []
            var current = -1
            for row in rows {
                let index: Int = row["shard_index"]
                while current < index { result.append([]); current += 1 }
                result[index].append(ShardMemberRecord(clipId: row["clip_id"], sourceSha256: row["sha256"],
                                                       clipIndex: row["clip_index"], tracks: row["tracks"]))
            }
            return result
        }
    }

    /// Clips whose `shards` task is done.
    public func clipsWithShardsDone() throws -> Set<Int64> {
        try read { db in Set(try Int64.fetchAll(db, sql: "SELECT clip_id FROM tasks WHERE stage = 'shards' AND state = 'done'")) }
    }

    /// Runs `body` with the basenames of the sealed shards of `directory`, holding the
    /// manifest's write lock: no worker can then be between publishing a shard file and
    /// committing it, so a shard file not named is an orphan.
    public func withSealedShardNames<T>(in directory: String, _ body: (Set<String>) throws -> T) throws -> T {
        try write { db in
            let names = try String.fetchAll(db, sql: "SELECT basename FROM shards WHERE directory = ?", arguments: [directory])
            return try body(Set(names))
        }
    }
}
