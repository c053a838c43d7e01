// Errors of the manifest itself (not of the videos it describes).

public enum ManifestError: Error, CustomStringConvertible, Equatable {
    /// The manifest lives on a network file system and would be opened by several writers.
    case networkFileSystem(path: String, kind: String)
    /// The file is not a PseudoTrack manifest, or was written by a newer engine.
    case incompatible(path: String, message: String)
    /// A worker's lease was taken over (it expired) or released: the work must be dropped.
    case leaseLost(task: Int64, stage: String)
    /// The manifest was ingested with another pipeline.
    case pipelineMismatch(manifest: String, requested: String)
    /// Missing or inconsistent content.
    case invalid(String)

    public var description: String {
        switch self {
        case .networkFileSystem(let path, let kind):
            return """
            \(path): the manifest is on a \(kind) network file system. SQLite's file locks and \
            the shared memory of WAL mode are unreliable there, and several workers writing one \
            manifest can corrupt it. Keep the manifest on local disk (the videos and the output \
            may stay on the network file system); on a cluster, give each job its own partition \
            manifest on node-local disk. Set PSEUDOTRACK_ALLOW_NETWORK_FS=1 only if exactly one \
            process will ever open this manifest at a time.
            """
        case .incompatible(let path, let message): return "\(path): not a usable PseudoTrack manifest (\(message))"
        case .leaseLost(let task, let stage):
            return "lease on task \(task) (\(stage)) was lost: it expired and another worker took it over"
        case .pipelineMismatch(let manifest, let requested):
            return "the manifest was ingested with pipeline \(manifest.prefix(12)), not \(requested.prefix(12)); use a new manifest for a different pipeline"
        case .invalid(let message): return message
        }
    }
}
