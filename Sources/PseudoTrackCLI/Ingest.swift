import ArgumentParser
import Foundation
import Ingest
import Manifest
import Pipeline
import PipelineDefinition

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register videos and camera rigs in a manifest: hash, probe and cut them into clips.",
        discussion: """
        PATH is a video file, a rig directory (holding rig.json), a directory (searched \
        recursively for video files and rigs) or @LIST \
        (a text file with one path per line). Files that cannot be read are recorded as \
        failed with their cause; the others go on. The same content ingested again is \
        reported as a duplicate and not added twice.
        """)

    @Argument(help: "Video files, rig directories, directories or @list files.") var paths: [String]
    @OptionGroup var manifestOptions: ManifestOptions
    @Option(help: "Pipeline YAML (default: the manifest's, or Pipelines/default.yaml for a new manifest).")
    var pipeline: String?
    @Flag(help: "Print the summary as JSON.") var json = false
    @Flag(help: "Let rig.json name videos and depth outside its rig directory (absolute, '..', or through symlinks).")
    var allowOutsideRigPaths = false
    @Option(help: "Largest frame accepted, in pixels (width × height).") var maxPixels: Int = InputLimits().maxPixelsPerFrame
    @Option(help: "Most cameras accepted in one rig.") var maxRigCameras: Int = InputLimits().maxRigCameras
    @Option(help: "Largest clip accepted, in bytes of stored frames held in a worker's memory.") var maxClipBytes: Int = InputLimits().maxClipBytes
    @Option(help: "Largest pipeline YAML accepted, in bytes.") var maxPipelineBytes: Int = InputLimits().maxPipelineBytes

    func validate() throws {
        guard maxPixels > 0, maxRigCameras > 0, maxClipBytes > 0, maxPipelineBytes > 0 else {
            throw ValidationError("--max-pixels, --max-rig-cameras, --max-clip-bytes and --max-pipeline-bytes must be positive")
        }
    }

    func run() throws {
        let manifest = try manifestOptions.open()
        let definition = try PipelineChoice.resolve(pipeline, manifest: manifest, maximumBytes: maxPipelineBytes)
        let stored = ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                      seed: definition.seed, stageNames: definition.stages)
        try manifest.adopt(stored)
        let files = try Ingestor.expand(paths)
        let run = try manifest.begin(RunRecord(command: "ingest", engineVersion: EngineVersion.string, pipeline: stored, workers: 1))
        var ingestor = Ingestor(manifest: manifest, pipeline: definition)
        ingestor.confineRigPaths = !allowOutsideRigPaths
        ingestor.limits.maxPixelsPerFrame = maxPixels
        ingestor.limits.maxRigCameras = maxRigCameras
        ingestor.limits.maxClipBytes = maxClipBytes
        ingestor.limits.maxPipelineBytes = maxPipelineBytes
        let interactive = isatty(2) != 0 && !json
        let summary = try ingestor.ingest(files, runId: run.id) { done, total in
            if interactive { FileHandle.standardError.write(Data("\ringesting \(done)/\(total)".utf8)) }
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        try manifest.end(run: run.id!, state: "finished", clipsDone: 0, framesDone: 0)
        if json {
            print(try JSONText.encode(summary))
            return
        }
        print("ingested \(summary.ingested - summary.rigs) video(s)" + (summary.rigs > 0 ? " and \(summary.rigs) rig(s)" : "")
              + ", \(summary.clips) clip(s)"
              + (summary.alreadyIngested > 0 ? "; \(summary.alreadyIngested) already in the manifest" : ""))
        if !summary.duplicates.isEmpty {
            print("duplicates (same content, not added again): \(summary.duplicates.count)")
            for d in summary.duplicates { print("  \(d.path) = \(d.duplicateOf)") }
        }
        if !summary.failed.isEmpty {
            print("failed: \(summary.failed.count)")
            for f in summary.failed { print("  [\(f.kind)] \(f.error)") }
        }
    }
}
