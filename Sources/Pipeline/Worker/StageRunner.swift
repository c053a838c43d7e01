// The worker loop. It claims a clip (a lease on its remaining tasks), decodes the clip's
// frames once, passes them through the stages in order and commits each stage's result
// as soon as it is done, so a crash loses at most the stage in flight. The lease is
// renewed in the background; a stop request (SIGINT/SIGTERM) stops claiming, finishes the
// stage in flight and releases the rest, leaving the manifest ready to resume. A clip's
// own bad data (VideoError) fails it at once with cause `input`, other deterministic errors
// with cause `error`, and only what can pass on retry gets another attempt (RetryPolicy);
// an output that cannot be written (ShardOutputError) gives the clip back and ends the
// worker with the error.
// A clip's results depend only on (pipeline, seed, clip): never on the worker or the order.

import Foundation
import Imaging
import Logging
import Manifest
import PipelineDefinition
import Seeding
import VideoIO

public final class StageRunner {
    public let manifest: ManifestDatabase
    public let pipeline: PipelineDefinition
    public let runId: Int64?
    public let owner: LeaseOwner
    public let stop: StopFlag
    public var logger = Logger(label: "pseudotrack.worker")
    public let output: ShardOutput?
    private let stages: [String: Stage]

    /// `output` is where the `shards` stage writes; required when the pipeline has it.
    public init(manifest: ManifestDatabase, pipeline: PipelineDefinition, runId: Int64?, output: ShardOutput? = nil,
                owner: LeaseOwner = LeaseOwner(), stop: StopFlag = StopFlag()) throws {
        self.manifest = manifest
        self.pipeline = pipeline
        self.runId = runId
        self.output = output
        self.owner = owner
        self.stop = stop
        var stages: [String: Stage] = [:]
        for name in pipeline.stages { stages[name] = try StageCatalog.make(name, pipeline: pipeline) }
        self.stages = stages
        if stages["shards"] != nil && output == nil {
            throw StageError.noShardOutput
        }
    }

    /// Works until nothing is claimable or a stop is requested. Stage timings are in the
    /// manifest (tasks.seconds); the run's counters are added to its row after each clip.
    public func run() throws -> WorkerTotals {
        var totals = WorkerTotals()
        let frameSource = ClipFrameSource(threads: pipeline.decode.threads)
        let renewal = LeaseRenewal(duration: pipeline.run.leaseSeconds)
        defer { renewal.stop() }
        var sink: ShardSink? = nil
        if let output {
            for name in try output.recover() { logger.info("removed \(name), left by a crashed run") }
            sink = ShardSink(output: output, configuration: pipeline.shards, runId: runId, renewal: renewal, logger: logger)
        }
        while !stop.isSet {
            guard let lease = try manifest.claim(owner: owner, duration: pipeline.run.leaseSeconds, runId: runId) else { break }
            renewal.add(lease)
            let before = totals
            let parked = try work(on: lease, frameSource: frameSource, sink: sink, renewal: renewal, totals: &totals)
            if !parked { renewal.remove(lease) }
            try count(since: before, totals)
        }
        if let sink {
            let before = totals
            let (sealed, failed) = try sink.seal()
            totals.clipsFinished += sealed
            totals.tasksFailed += failed
            try count(since: before, totals)
        }
        return totals
    }

    private func count(since before: WorkerTotals, _ totals: WorkerTotals) throws {
        guard let runId else { return }
        try manifest.count(run: runId, clips: totals.clipsFinished + totals.clipsSkipped - before.clipsFinished - before.clipsSkipped,
                           frames: totals.framesDecoded - before.framesDecoded)
    }

    /// Runs the clip's leased tasks. Returns true when its sample waits in the open shard
    /// (the lease stays held until the shard is sealed).
    private func work(on lease: ManifestLease, frameSource: ClipFrameSource, sink: ShardSink?, renewal: LeaseRenewal,
                      totals: inout WorkerTotals) throws -> Bool {
        guard let clip = try manifest.clip(lease.clipId), let source = try manifest.sourceRecord(clip.sourceId),
              case let videos = try manifest.videos(ofSource: clip.sourceId), let video = videos.first else {
            throw ManifestError.invalid("clip \(lease.clipId) has no source or video in the manifest")
        }
        var views: [ClipView]? = nil
        var decoded: (rgb: Bool, depth: Bool) = (false, false)
        var finishedAll = true
        for task in lease.tasks {
            if stop.isSet || renewal.isLost(lease) { finishedAll = false; break }
            guard let stage = stages[task.stage] else {
                try lease.begin(task)
                try lease.fail(task, error: "stage '\(task.stage)' is not in this engine's pipeline", permanent: true, seconds: 0, cause: .error)
                totals.tasksFailed += 1
                return false
            }
            try lease.begin(task)
            if let name = Self.crashOn, !name.isEmpty, (source.uri as NSString).lastPathComponent == name { raise(SIGSEGV) }
            let started = Date()
            do {
                if views == nil || (stage.needsRGB && !decoded.rgb) || (stage.needsDepth && !decoded.depth) {
                    let later = lease.tasks.filter { $0.stageIndex >= task.stageIndex }.compactMap { stages[$0.stage] }
                    decoded = (later.contains { $0.needsRGB }, later.contains { $0.needsDepth })
                    views = try frameSource.views(of: clip, videos: videos, rgb: decoded.rgb, depth: decoded.depth)
                    totals.framesDecoded += clip.frameCount * videos.count
                }
                var inputs: [String: [UInt8]] = [:]
                for name in stage.interface.reads {
                    guard let artifact = try manifest.artifact(clip: clip.id!, name: name) else {
                        throw ManifestError.invalid("clip \(clip.id!): stage \(stage.name) needs artifact '\(name)', which no earlier stage stored")
                    }
                    inputs[name] = try artifact.payload()
                }
                for name in stage.interface.optionalReads {
                    if let artifact = try manifest.artifact(clip: clip.id!, name: name) { inputs[name] = try artifact.payload() }
                }
                let input = StageInput(clip: clip, views: views!, artifacts: inputs,
                                       random: SeededGenerator(seed: pipeline.seed, source.sha256 ?? "", String(clip.clipIndex), stage.name),
                                       source: source, video: video)
                let outcome = try stage.run(input)
                let seconds = Date().timeIntervalSince(started)
                switch outcome {
                case .done(let artifacts):
                    try lease.complete(task, artifacts: artifacts, seconds: seconds)
                case .skipped(let reason, let artifacts):
                    try lease.skip(task, reason: reason, artifacts: artifacts, seconds: seconds)
                    totals.clipsSkipped += 1
                    return false
                case .sample(let columns, let tracks):
                    guard let sink else { throw StageError.noShardOutput }
                    let (sealed, failed) = try sink.add(columns, member: ShardMember(lease: lease, task: task, tracks: tracks, seconds: seconds))
                    totals.clipsFinished += sealed
                    totals.tasksFailed += failed
                    return true
                }
            } catch ManifestError.leaseLost(let id, let name) {
                logger.warning("\(ManifestError.leaseLost(task: id, stage: name))")
                return false
            } catch let error as ShardOutputError {
                // The output failed, not the clip: give it back and end the worker.
                try? lease.release()
                throw error
            } catch {
                // Another attempt only for what can pass on retry (RetryPolicy).
                let message = error is VideoError || error is ManifestError ? "\(error)" : "\(stage.name): \(error)"
                try lease.fail(task, error: message, permanent: !RetryPolicy.mayPassOnRetry(error),
                               seconds: Date().timeIntervalSince(started), cause: RetryPolicy.cause(error))
                totals.tasksFailed += 1
                return false
            }
        }
        if finishedAll && lease.tasks.isEmpty {
            totals.clipsFinished += 1
        } else {
            try lease.release()
        }
        return false
    }
}

extension StageRunner {
    /// Fault injection for the tests of worker supervision (`run` replacing crashed
    /// workers): a worker that claims a clip of the source whose file name is
    /// PSEUDOTRACK_TEST_CRASH_ON crashes itself with SIGSEGV, as a decoder bug would.
    static let crashOn = ProcessInfo.processInfo.environment["PSEUDOTRACK_TEST_CRASH_ON"]
}
