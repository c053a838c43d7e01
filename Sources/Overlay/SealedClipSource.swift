// A clip drawn from wherever its labels still are: the manifest's artifacts while they
// are whole (before the clip is sealed, or after `run --keep-artifacts`), else the shard
// sample the manifest says holds it (sealing drops the artifacts' bytes). The sample is
// looked up in shard_samples and counted across its directory's shards in index.json
// order; `directory` overrides the directory the manifest recorded (a moved output).

import Foundation
import GRDB
import Manifest

public enum SealedClipSource {
    /// The clip from the manifest, or from its shard sample when the manifest's artifacts are gone.
    public static func load(_ manifest: ManifestDatabase, clip id: Int64, directory: String? = nil) throws -> OverlayClip {
        do { return try ManifestClipSource.load(manifest, clip: id) } catch {
            guard let (shards, k) = try sample(of: id, in: manifest, directory: directory) else { throw error }
            return try ShardSampleSource.load(directory: shards, sample: k)
        }
    }

    /// The shard directory and the position of `clip`'s sample among all its samples, or nil when unsealed.
    public static func sample(of clip: Int64, in manifest: ManifestDatabase, directory: String? = nil) throws -> (String, Int)? {
        try manifest.read { db -> (String, Int)? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT ss.sample_index, sh.shard_index, sh.directory FROM shard_samples ss JOIN shards sh ON sh.id = ss.shard_id
                WHERE ss.clip_id = ?
                """, arguments: [clip]) else { return nil }
            let recorded: String = row["directory"]
            let before = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(samples), 0) FROM shards WHERE directory = ? AND shard_index < ?",
                                          arguments: [recorded, row["shard_index"] as Int]) ?? 0
            return (directory ?? recorded, before + (row["sample_index"] as Int))
        }
    }
}
