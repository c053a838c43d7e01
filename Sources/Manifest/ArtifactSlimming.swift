// Once a clip is sealed in a shard, its artifacts (the intermediate tracks of every stage,
// ~320 KB per clip with the default pipeline, more than the clip's shard sample) have
// served their purpose: the manifest keeps each artifact's row — name, format, raw size,
// SHA-256 and metadata, what provenance and `status` read — and drops its bytes, in the
// sealing transaction. A million clips then fit in a few GB instead of 300 GB, and the
// manifest copy a cluster task publishes at every seal stays small. Dropped pages are
// reused by the next clips' artifacts, so the file stops growing by their size.
// `run --keep-artifacts` (PSEUDOTRACK_KEEP_ARTIFACTS=1, inherited by the worker
// processes) keeps them whole, for debugging a stage.

import Foundation
import GRDB

extension ArtifactRecord {
    /// The `compression` of an artifact whose bytes were dropped.
    public static let dropped = "dropped"

    /// Drops the bytes of every artifact of `clip`, keeping their rows.
    static func dropPayloads(clip: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE artifacts SET data = x'', compression = ? WHERE clip_id = ?", arguments: [dropped, clip])
    }
}

extension ManifestDatabase {
    /// Whether sealing keeps the clips' artifacts whole (default: PSEUDOTRACK_KEEP_ARTIFACTS=1).
    nonisolated(unsafe) public static var keepsSealedArtifacts = ProcessInfo.processInfo.environment["PSEUDOTRACK_KEEP_ARTIFACTS"] == "1"
}
