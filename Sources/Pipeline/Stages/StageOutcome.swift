// What a stage decided for one clip: artifacts to store, a skip with its reason, or a
// training sample for the worker's open shard.

import Manifest
import Shards

/// What a stage decided for one clip.
public enum StageOutcome {
    /// The clip goes on, with these artifacts stored.
    case done([ArtifactPayload])
    /// No tracker can label the clip: it is skipped, with the reason and any evidence.
    case skipped(reason: String, [ArtifactPayload])
    /// The clip's training sample (its columns, and N): it goes into the worker's open
    /// shard, and the task ends done when that shard is sealed.
    case sample([String: MDSValue], tracks: Int)
}
