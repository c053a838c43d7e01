import ArgumentParser
import Manifest
import Pipeline

/// Options shared by the commands that work on a manifest.
struct ManifestOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite manifest file.")
    var manifest: String

    func open(readOnly: Bool = false) throws -> ManifestDatabase {
        try ManifestDatabase(path: manifest, readOnly: readOnly)
    }
}

/// The pipeline a command runs with: the manifest's, or the one given (which must match).
enum PipelineChoice {
    static func resolve(_ path: String?, manifest: ManifestDatabase) throws -> PipelineDefinition {
        let requested = try path.map { try PipelineDefinition.load(path: $0) }
        if let stored = try manifest.pipeline() {
            if let requested, requested.sha256 != stored.pipelineSha256 {
                throw ManifestError.pipelineMismatch(manifest: stored.pipelineSha256, requested: requested.sha256)
            }
            return try PipelineDefinition.parse(stored.pipelineText, path: "\(manifest.path) (stored pipeline)")
        }
        return try requested ?? PipelineDefinition.defaultPipeline()
    }
}
