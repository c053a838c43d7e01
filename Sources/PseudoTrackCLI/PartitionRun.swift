// `pseudotrack partition run`: one cluster task's share of a corpus, resumable on any
// node. It restores the partition's manifest from the shared output when this node has
// none (ManifestRestore), ingests the corpus entries of its partition (PartitionKey),
// publishes a copy of the manifest at every sealed shard while `run` labels them into
// OUT/part-NNNNN/ (ManifestCopier), and exits as `run` does: 0 done, 75 interrupted
// (SIGTERM: requeue the task and it resumes), 1 otherwise.

import ArgumentParser
import Cluster
import Foundation
import Ingest
import Manifest
import Pipeline
import PipelineDefinition

struct PartitionRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Ingest and label this task's partition of a corpus into OUT/part-NNNNN/.")

    @Argument(help: "The whole corpus: video files, directories or @list files (every task gets the same).") var paths: [String]
    @OptionGroup var partitionOptions: PartitionOptions
    @Option(help: "The shared output directory (same path on every node).") var out: String
    @Option(help: "The node-local working manifest (default: $TMPDIR/pseudotrack-<output>-part-NNNNN.sqlite).") var manifest: String?
    @Option(help: "Worker processes (default: one per core).") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Pipeline YAML; must be the one the partition was first ingested with.") var pipeline: String?
    @Option(help: "Progress display: auto, bar, log or none.") var progress: ProgressMode = .log
    @Flag(help: "Run the external-teacher commands of the manifest's stored pipeline without --pipeline.")
    var trustManifestCommands = false

    func run() throws {
        // A SIGTERM (preemption, the time-limit signal) from the very start ends the task
        // resumably with 75: before labelling, the task stops there; during it, `run`
        // (which shares this stop flag and these signal sources) stops as it does alone.
        let stop = StopFlag()
        let signals = SignalForwarding(stop: stop)
        defer { signals.cancel() }
        let partition = try Partition.resolve(index: partitionOptions.index, count: partitionOptions.count)
        let output = PartitionedOutput(path: out)
        try output.prepare(for: partition)
        let local = manifest ?? output.localManifest(partition)
        let copy = output.manifestCopy(partition.index), shards = output.shardDirectory(partition.index)
        let choice = try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards)
        let database = try ManifestDatabase(path: local)
        let removed = try ManifestRestore.reconcile(shardDirectory: shards, manifest: database)
        note("\(partition): manifest \(local) (\(Self.describe(choice)))"
             + (removed.isEmpty ? "" : "; removed from \(shards) what it does not list: \(removed.joined(separator: ", "))"))

        let definition = try PipelineChoice.resolve(pipeline, manifest: database)
        let stored = ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                      seed: definition.seed, stageNames: definition.stages)
        try database.adopt(stored)
        let files = try Ingestor.expand(paths).filter { PartitionKey.partition(of: $0, count: partition.count) == partition.index }
        let record = try database.begin(RunRecord(command: "ingest", engineVersion: EngineVersion.string, pipeline: stored, workers: 1))
        let summary = try Ingestor(manifest: database, pipeline: definition).ingest(files, runId: record.id)
        try database.end(run: record.id!, state: "finished", clipsDone: 0, framesDone: 0)
        note("\(partition): \(files.count) corpus entries; \(summary.ingested) ingested, \(summary.alreadyIngested) already in the manifest, "
             + "\(summary.duplicates.count) duplicate(s), \(summary.failed.count) failed")

        let copier = ManifestCopier(manifest: database, destination: copy)
        try copier.publish()
        if stop.isSet {
            note("\(partition): interrupted before labelling; run the task again to resume")
            throw ExitCode(Run.interruptedExitCode)
        }
        copier.start()
        var arguments = ["--manifest", local, "--out", shards, "--workers", String(workers), "--progress", progress.rawValue]
        if let pipeline { arguments += ["--pipeline", pipeline] }
        if trustManifestCommands { arguments.append("--trust-manifest-commands") }
        var failure: Error? = nil
        do {
            let command = try Run.parse(arguments)
            try command.run(stop: stop, signals: signals)
        } catch { failure = error }
        do { try copier.finish() } catch {
            note("\(partition): the last manifest copy failed: \(error)")
            if failure == nil { failure = error }
        }
        note("\(partition): \(copier.published) manifest cop\(copier.published == 1 ? "y" : "ies") published to \(copy)")
        if let failure { throw failure }
        if stop.isSet {
            note("\(partition): interrupted; run the task again to resume")
            throw ExitCode(Run.interruptedExitCode)
        }
    }

    static func describe(_ choice: ManifestRestore.Choice) -> String {
        switch choice {
        case .fresh: return "new"
        case .local: return "this node's"
        case .restored(nil): return "restored from the shared copy"
        case .restored(let aside?): return "restored from the shared copy; this node's older one set aside as \(aside)"
        }
    }

    func note(_ text: String) { FileHandle.standardError.write(Data("partition: \(text)\n".utf8)) }
}
