// The errors of the stages themselves: an artifact of an earlier stage that is missing or
// not what its format says, inputs of a stage that do not fit together, and a setting
// the clip cannot honour. All are deterministic: the same clip fails the same way on
// every attempt, so the worker fails its task at once (RetryPolicy). The worker records
// them against the clip's task, so they need not repeat the clip.

public enum StageError: Error, CustomStringConvertible, Equatable {
    /// An artifact of an earlier stage is missing or cannot be read as its format says.
    case artifact(name: String, message: String)
    /// What the stage was given does not fit together (labels, queries, frames, views).
    case inconsistent(String)
    /// A pipeline setting the clip or this engine cannot honour (the YAML key, and why).
    case configuration(key: String, message: String)
    /// The pipeline ends with the shards stage and the worker has no output directory.
    case noShardOutput

    public var description: String {
        switch self {
        case .artifact(let name, let message): return "artifact '\(name)': \(message)"
        case .inconsistent(let message): return message
        case .configuration(let key, let message): return "pipeline setting \(key): \(message)"
        case .noShardOutput: return "the pipeline ends with the shards stage: give an output directory (--out DIR)"
        }
    }
}
