// `pseudotrack run`: works through the manifest with N worker processes (or in-process
// with one). Its exit status tells the truth: 0 only when every clip ended done, skipped,
// or failed for a cause in its own input; 75 when interrupted (resumable); 1 otherwise —
// clips left unfinished (workers crashed beyond the restart bound, an output that cannot
// be written), or failed for another cause (workers killed by the clip, errors).

import ArgumentParser
import CPlatform
import Foundation
import Manifest
import Pipeline
import PipelineDefinition

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the manifest's pipeline until no clip is left to claim.",
        discussion: """
        Workers are processes sharing the manifest; each claims one clip at a time with a \
        lease. Stop with Ctrl-C or SIGTERM: claiming stops, the stage in flight finishes, \
        the rest is released, and the command exits with status 75 (interrupted, resumable). \
        Run it again to resume; a worker killed outright is taken over when its lease \
        expires, or at once on the same host.
        """)

    @OptionGroup var manifestOptions: ManifestOptions
    @Option(help: "Output directory: the training shards (index.json, shard.NNNNN.mds.zstd).") var out: String
    @Option(help: "Worker processes; the default is one per core of this machine.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Pipeline YAML; must be the one the manifest was ingested with.") var pipeline: String?
    @Option(help: "Progress display: auto (a bar on a terminal, log lines otherwise), bar, log or none.")
    var progress: ProgressMode = .auto
    @Flag(help: "Run the external-teacher commands of the manifest's stored pipeline without --pipeline (only for a manifest you trust).")
    var trustManifestCommands = false
    @Option(help: "Replace crashed workers at most this many times in all (default: 2 × workers + 2 × run.max_attempts).")
    var maxWorkerRestarts: Int?
    @Option(help: "Largest pipeline YAML accepted, in bytes.") var maxPipelineBytes: Int = InputLimits().maxPipelineBytes
    @Flag(help: "Start the workers asked for even when their estimated memory exceeds the machine's.")
    var ignoreMemoryEstimate = false
    @Flag(help: "Keep every stage's artifacts in the manifest after their clip is sealed (by default only their sizes, checksums and metadata stay).")
    var keepArtifacts = false
    @Option(help: .hidden) var runId: Int64?

    static let interruptedExitCode: Int32 = 75

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard workers <= 1024 else { throw ValidationError("--workers must be at most 1024") }
        if URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath().path == "/" {
            throw ValidationError("--out /: the root directory is not an output directory; give a directory of its own")
        }
        if let maxWorkerRestarts, maxWorkerRestarts < 0 { throw ValidationError("--max-worker-restarts must not be negative") }
        guard maxPipelineBytes > 0 else { throw ValidationError("--max-pipeline-bytes must be positive") }
    }

    func run() throws {
        let stop = StopFlag()
        try run(stop: stop, signals: SignalForwarding(stop: stop))
    }

    /// Runs with the caller's stop flag and signal handling (`partition run` listens for
    /// SIGTERM from its start; a second SignalForwarding would set the signals to
    /// SIG_IGN under the first one's dispatch sources and silence them).
    func run(stop: StopFlag, signals: SignalForwarding) throws {
        if keepArtifacts { setenv("PSEUDOTRACK_KEEP_ARTIFACTS", "1", 1) }   // the worker processes inherit it
        let manifest = try manifestOptions.open()
        guard try manifest.pipeline() != nil else {
            throw ValidationError("\(manifestOptions.manifest): nothing ingested yet; ingest videos into it first (see `pseudotrack ingest --help`)")
        }
        let definition = try PipelineChoice.resolve(pipeline, manifest: manifest, runsCommands: true,
                                                    trustManifestCommands: trustManifestCommands, maximumBytes: maxPipelineBytes)
        let output = definition.stages.contains("shards") ? try ShardOutput(path: out, manifest: manifest) : nil
        if let runId {
            // A worker process started by a parent `run`: it stops when the parent dies.
            _ = pt_set_parent_death_signal(SIGTERM)
            let runner = try StageRunner(manifest: manifest, pipeline: definition, runId: runId, output: output, stop: stop)
            _ = try runner.run()
            signals.cancel()
            if stop.isSet { throw ExitCode(Run.interruptedExitCode) }
            return
        }

        let stored = try manifest.pipeline()!
        var workers = self.workers
        if workers > 1 && !ignoreMemoryEstimate {
            let perWorker = try WorkerMemoryEstimate.bytes(manifest: manifest, length: definition.clips.length)
            let fitting = WorkerMemoryEstimate.workers(workers, perWorker: perWorker, memory: ProcessInfo.processInfo.physicalMemory)
            if fitting < 1 {
                throw ValidationError("one worker needs about \(perWorker >> 20) MiB for the largest clip, more than this machine's memory; store smaller frames (clips.resolution) or pass --ignore-memory-estimate")
            }
            if fitting < workers {
                FileHandle.standardError.write(Data("warning: \(workers) workers would need about \(perWorker >> 20) MiB each, more than this machine's memory; starting \(fitting)\n".utf8))
                workers = fitting
            }
        }
        let record = try manifest.begin(RunRecord(command: "run", engineVersion: EngineVersion.string, pipeline: stored, workers: workers))
        let reporter = ProgressReporter(manifest: manifest, runId: record.id!, mode: progress.resolved)
        reporter.start()
        var failure: Error? = nil
        var supervision = WorkerSupervisor.Outcome()
        if workers == 1 {
            do {
                let runner = try StageRunner(manifest: manifest, pipeline: definition, runId: record.id, output: output, stop: stop)
                _ = try runner.run()
            } catch { failure = error }
        } else {
            var arguments = ["run", "--manifest", manifestOptions.manifest, "--out", out, "--workers", "1",
                             "--progress", "none", "--run-id", String(record.id!), "--max-pipeline-bytes", String(maxPipelineBytes)]
            if let pipeline { arguments += ["--pipeline", pipeline] }
            if trustManifestCommands { arguments.append("--trust-manifest-commands") }
            let restarts = maxWorkerRestarts ?? 2 * workers + 2 * definition.run.maxAttempts
            let supervisor = WorkerSupervisor(arguments: arguments, manifest: manifest, signals: signals, stop: stop, maxRestarts: restarts)
            do { supervision = try supervisor.run(count: workers) } catch { failure = error }
        }
        reporter.stop()
        signals.cancel()
        let interrupted = stop.isSet
        let totals = try manifest.run(id: record.id!)
        let (unfinished, failedOther, examples) = try manifest.unfinishedAndFailedByOtherCauses()
        var problems: [String] = []
        if let failure { problems.append("\(failure)") }
        problems += supervision.errors
        if !interrupted {
            if supervision.restartsExhausted {
                problems.append("\(supervision.crashes.count) worker crash(es), more than --max-worker-restarts (\(supervision.restarts) replaced)")
            }
            if unfinished > 0 { problems.append("\(unfinished) clip(s) left unfinished") }
            if failedOther > 0 {
                problems.append("\(failedOther) clip(s) failed for a cause other than their input: " + examples.joined(separator: "; "))
            }
        }
        let state = interrupted && failure == nil ? "interrupted" : (problems.isEmpty ? "finished" : "failed")
        try manifest.end(run: record.id!, state: state,
                         clipsDone: totals?.clipsDone ?? 0, framesDone: totals?.framesDone ?? 0)
        if let failure { throw failure }
        let status = try manifest.status(failureLimit: 0)
        let c = status.clips
        print("clips: \(c.done) done, \(c.skipped) skipped, \(c.failed) failed, \(c.pending + c.running) left of \(c.total)")
        if let output {
            let shards = try manifest.shards(in: output.directory.path)
            print("shards: \(shards.count) in \(output.directory.path) (\(shards.reduce(0) { $0 + $1.samples }) clips)")
            print("check them with `\(ShellWord.command(["verify", "--manifest", manifestOptions.manifest, "--out", out]))`")
            print("see them with `\(ShellWord.command(["report", "--manifest", manifestOptions.manifest, "--out", out, "--to", out + "-report"]))`")
        }
        if interrupted {
            print("interrupted: run the same command again to resume")
            throw ExitCode(Run.interruptedExitCode)
        }
        if !problems.isEmpty {
            FileHandle.standardError.write(Data("error: the run did not finish every clip: \(problems.joined(separator: "; "))\n".utf8))
            throw ExitCode.failure
        }
    }
}

enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, log, none
    var resolved: ProgressMode {
        guard self == .auto else { return self }
        return isatty(2) != 0 ? .bar : .log
    }
}
