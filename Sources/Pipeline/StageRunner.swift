// The worker loop. It claims a clip (a lease on its remaining tasks), decodes the clip's
// frames once, passes them through the stages in order and commits each stage's result
// as soon as it is done, so a crash loses at most the stage in flight. The lease is
// renewed in the background; a stop request (SIGINT/SIGTERM) stops claiming, finishes the
// stage in flight and releases the rest, leaving the manifest ready to resume.
// A clip's results depend only on (pipeline, seed, clip): never on the worker or the order.

import Foundation
import Imaging
import Logging
import Manifest
import Seeding
import VideoIO

/// What one worker did.
public struct WorkerTotals: Sendable {
    public var clipsFinished = 0
    public var clipsSkipped = 0
    public var tasksFailed = 0
    public var framesDecoded = 0
}

/// A flag set from a signal handler and read by the worker between stages.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func set() { lock.lock(); value = true; lock.unlock() }
}

public final class StageRunner {
    public let manifest: ManifestDatabase
    public let pipeline: PipelineDefinition
    public let runId: Int64?
    public let owner: LeaseOwner
    public let stop: StopFlag
    public var logger = Logger(label: "pseudotrack.worker")
    private let stages: [String: Stage]

    public init(manifest: ManifestDatabase, pipeline: PipelineDefinition, runId: Int64?,
                owner: LeaseOwner = LeaseOwner(), stop: StopFlag = StopFlag()) throws {
        self.manifest = manifest
        self.pipeline = pipeline
        self.runId = runId
        self.owner = owner
        self.stop = stop
        var stages: [String: Stage] = [:]
        for name in pipeline.stages { stages[name] = try StageCatalog.make(name, pipeline: pipeline) }
        self.stages = stages
    }

    /// Works until nothing is claimable or a stop is requested. Stage timings are in the
    /// manifest (tasks.seconds); the run's counters are added to its row after each clip.
    public func run() throws -> WorkerTotals {
        var totals = WorkerTotals()
        let frameSource = ClipFrameSource(threads: pipeline.decode.threads)
        while !stop.isSet {
            guard let lease = try manifest.claim(owner: owner, duration: pipeline.run.leaseSeconds, runId: runId) else { break }
            let renewal = LeaseRenewal(lease: lease)
            defer { renewal.stop() }
            let before = totals
            try work(on: lease, frameSource: frameSource, renewal: renewal, totals: &totals)
            if let runId {
                try manifest.count(run: runId, clips: totals.clipsFinished + totals.clipsSkipped - before.clipsFinished - before.clipsSkipped,
                                   frames: totals.framesDecoded - before.framesDecoded)
            }
        }
        return totals
    }

    private func work(on lease: ManifestLease, frameSource: ClipFrameSource, renewal: LeaseRenewal,
                      totals: inout WorkerTotals) throws {
        guard let clip = try manifest.clip(lease.clipId), let source = try manifest.sourceRecord(clip.sourceId),
              let video = try manifest.videos(ofSource: clip.sourceId).first else {
            throw ManifestError.invalid("clip \(lease.clipId) has no source or video in the manifest")
        }
        var frames: (grey: [GreyImage], rgb: [RGBImage]?)? = nil
        var finishedAll = true
        for task in lease.tasks {
            if stop.isSet || renewal.lost { finishedAll = false; break }
            guard let stage = stages[task.stage] else {
                try lease.begin(task)
                try lease.fail(task, error: "stage '\(task.stage)' is not in this engine's pipeline", permanent: true, seconds: 0)
                totals.tasksFailed += 1
                return
            }
            try lease.begin(task)
            let started = Date()
            do {
                if frames == nil || (stage.needsRGB && frames?.rgb == nil) {
                    frames = try frameSource.frames(of: clip, video: video, rgb: stage.needsRGB || needsRGBLater(lease, after: task))
                    totals.framesDecoded += clip.frameCount
                }
                var inputs: [String: [UInt8]] = [:]
                for name in stage.reads {
                    guard let artifact = try manifest.artifact(clip: clip.id!, name: name) else {
                        throw ManifestError.invalid("clip \(clip.id!): stage \(stage.name) needs artifact '\(name)', which no earlier stage stored")
                    }
                    inputs[name] = try artifact.payload()
                }
                let input = StageInput(clip: clip, grey: frames!.grey, rgb: frames!.rgb, artifacts: inputs,
                                       random: SeededGenerator(seed: pipeline.seed, source.sha256 ?? "", String(clip.clipIndex), stage.name))
                let outcome = try stage.run(input)
                let seconds = Date().timeIntervalSince(started)
                switch outcome {
                case .done(let artifacts):
                    try lease.complete(task, artifacts: artifacts, seconds: seconds)
                case .skipped(let reason, let artifacts):
                    try lease.skip(task, reason: reason, artifacts: artifacts, seconds: seconds)
                    totals.clipsSkipped += 1
                    return
                }
            } catch let error as ManifestError {
                if case .leaseLost = error {
                    logger.warning("\(error)")
                    return
                }
                try lease.fail(task, error: error.description, permanent: false, seconds: Date().timeIntervalSince(started))
                totals.tasksFailed += 1
                return
            } catch let error as VideoError {
                // Decoding is deterministic: the same error would come back on every attempt.
                try lease.fail(task, error: error.description, permanent: true, seconds: Date().timeIntervalSince(started))
                totals.tasksFailed += 1
                return
            } catch {
                try lease.fail(task, error: "\(stage.name): \(error)", permanent: false, seconds: Date().timeIntervalSince(started))
                totals.tasksFailed += 1
                return
            }
        }
        if finishedAll && lease.tasks.isEmpty {
            totals.clipsFinished += 1
        } else {
            try lease.release()
        }
    }

    private func needsRGBLater(_ lease: ManifestLease, after task: LeasedTask) -> Bool {
        lease.tasks.contains { $0.stageIndex >= task.stageIndex && (stages[$0.stage]?.needsRGB ?? false) }
    }
}

/// Renews a lease every third of its duration on a background thread until stopped.
final class LeaseRenewal: @unchecked Sendable {
    private let lease: ManifestLease
    private let lock = NSLock()
    private var stopped = false
    private var isLost = false
    private let done = DispatchSemaphore(value: 0)

    init(lease: ManifestLease) {
        self.lease = lease
        let thread = Thread { [self] in self.loop() }
        thread.start()
    }

    var lost: Bool { lock.lock(); defer { lock.unlock() }; return isLost }

    private func loop() {
        let interval = max(0.2, lease.duration / 3)
        while done.wait(timeout: .now() + interval) == .timedOut {
            lock.lock(); let finished = stopped; lock.unlock()
            if finished { return }
            do { try lease.renew() } catch {
                lock.lock(); isLost = true; lock.unlock()
                return
            }
        }
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        done.signal()
    }
}
