import ArgumentParser
import Manifest
import Pipeline
import PipelineDefinition

/// Options shared by the commands that work on a manifest.
struct ManifestOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite manifest file.")
    var manifest: String

    func open(readOnly: Bool = false) throws -> ManifestDatabase {
        try ManifestDatabase(path: manifest, readOnly: readOnly)
    }
}

/// The pipeline a command runs with: the manifest's, or the one given (which must match).
///
/// Trust rule: a manifest is often somebody else's file, and its stored pipeline can
/// name external teachers, which are commands. Those commands run only when the pipeline
/// comes from this command line (`--pipeline P.yaml`, the same text as the manifest's),
/// or when the user says the manifest's own commands may run (`--trust-manifest-commands`);
/// never from the manifest alone.
enum PipelineChoice {
    static func resolve(_ path: String?, manifest: ManifestDatabase, runsCommands: Bool = false,
                        trustManifestCommands: Bool = false, maximumBytes: Int = InputLimits().maxPipelineBytes) throws -> PipelineDefinition {
        let requested = try path.map { try PipelineDefinition.load(path: $0, maximumBytes: maximumBytes) }
        if let stored = try manifest.pipeline() {
            if let requested, requested.sha256 != stored.pipelineSha256 {
                throw ManifestError.pipelineMismatch(manifest: stored.pipelineSha256, requested: requested.sha256)
            }
            let where_ = "\(manifest.path) (stored pipeline)"
            let definition = try PipelineDefinition.parse(stored.pipelineText, path: where_, maximumBytes: max(maximumBytes, stored.pipelineText.utf8.count))
            let commands = definition.teachers.members.compactMap { m in m.external.map { "\(m.name): \($0.command.joined(separator: " "))" } }
            if runsCommands && requested == nil && !trustManifestCommands && !commands.isEmpty {
                throw PipelineError.invalid(path: where_, message: """
                    names external teacher commands (\(commands.joined(separator: "; "))), which would run as you. \
                    Commands run only from a pipeline given on the command line: pass the pipeline file with \
                    --pipeline P.yaml, or --trust-manifest-commands if you trust whoever wrote this manifest
                    """)
            }
            return definition
        }
        return try requested ?? PipelineDefinition.defaultPipeline()
    }
}
