import ArgumentParser
import Foundation
import Manifest
import Pipeline

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
    @Option(help: "Worker processes (default: one per core).") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Pipeline YAML; must be the one the manifest was ingested with.") var pipeline: String?
    @Option(help: "Progress display: auto (a bar on a terminal, log lines otherwise), bar, log or none.")
    var progress: ProgressMode = .auto
    @Option(help: .hidden) var runId: Int64?

    static let interruptedExitCode: Int32 = 75

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        let manifest = try manifestOptions.open()
        guard try manifest.pipeline() != nil else {
            throw ValidationError("\(manifestOptions.manifest): nothing ingested yet; run `pseudotrack ingest` first")
        }
        let definition = try PipelineChoice.resolve(pipeline, manifest: manifest)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let output = definition.stages.contains("shards") ? try ShardOutput(path: out, manifest: manifest) : nil
        let stop = StopFlag()
        let signals = SignalForwarding(stop: stop)

        if let runId {
            // A worker process started by a parent `run`.
            let runner = try StageRunner(manifest: manifest, pipeline: definition, runId: runId, output: output, stop: stop)
            _ = try runner.run()
            signals.cancel()
            if stop.isSet { throw ExitCode(Run.interruptedExitCode) }
            return
        }

        let stored = try manifest.pipeline()!
        let record = try manifest.begin(RunRecord(command: "run", engineVersion: EngineVersion.string, pipeline: stored, workers: workers))
        let reporter = ProgressReporter(manifest: manifest, runId: record.id!, mode: progress.resolved)
        reporter.start()
        var failure: Error? = nil
        if workers == 1 {
            do {
                let runner = try StageRunner(manifest: manifest, pipeline: definition, runId: record.id, output: output, stop: stop)
                _ = try runner.run()
            } catch { failure = error }
        } else {
            do { try runChildren(count: workers, runId: record.id!, signals: signals) } catch { failure = error }
        }
        reporter.stop()
        signals.cancel()
        let interrupted = stop.isSet
        let totals = try manifest.read { db in
            try Row.fetchOne(db, sql: "SELECT clips_done, frames_done FROM runs WHERE id = ?", arguments: [record.id!])
        }
        try manifest.end(run: record.id!, state: failure != nil ? "failed" : (interrupted ? "interrupted" : "finished"),
                         clipsDone: totals?["clips_done"] ?? 0, framesDone: totals?["frames_done"] ?? 0)
        if let failure { throw failure }
        let status = try manifest.status(failureLimit: 0)
        let c = status.clips
        print("clips: \(c.done) done, \(c.skipped) skipped, \(c.failed) failed, \(c.pending + c.running) left of \(c.total)")
        if let output {
            let shards = try manifest.shards(in: output.directory.path)
            print("shards: \(shards.count) in \(output.directory.path) (\(shards.reduce(0) { $0 + $1.samples }) clips); check them with `pseudotrack verify --out \(out)`")
        }
        if interrupted {
            print("interrupted: run the same command again to resume")
            throw ExitCode(Run.interruptedExitCode)
        }
    }

    /// Starts `count` worker processes of this executable and waits for them.
    private func runChildren(count: Int, runId: Int64, signals: SignalForwarding) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var children: [Process] = []
        for _ in 0..<count {
            let child = Process()
            child.executableURL = executable
            var arguments = ["run", "--manifest", manifestOptions.manifest, "--out", out, "--workers", "1",
                             "--progress", "none", "--run-id", String(runId)]
            if let pipeline { arguments += ["--pipeline", pipeline] }
            child.arguments = arguments
            try child.run()
            children.append(child)
            signals.forward(to: child.processIdentifier)
        }
        var failed: [String] = []
        for child in children {
            child.waitUntilExit()
            let code = child.terminationStatus
            if code != 0 && code != Run.interruptedExitCode {
                failed.append("worker \(child.processIdentifier) exited with \(child.terminationReason == .uncaughtSignal ? "signal " : "status ")\(code)")
            }
        }
        if !failed.isEmpty {
            FileHandle.standardError.write(Data("warning: \(failed.joined(separator: "; ")); its clips are resumed by the next run\n".utf8))
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

import GRDB
