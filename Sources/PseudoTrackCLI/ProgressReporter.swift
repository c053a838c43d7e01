import Foundation
import Manifest

/// Shows a run's progress from the manifest: a bar on a terminal (clips done/total,
/// clips/s, frames/s, ETA), or a log line every 10 seconds otherwise.
final class ProgressReporter: @unchecked Sendable {
    let manifest: ManifestDatabase
    let runId: Int64
    let mode: ProgressMode
    private let done = DispatchSemaphore(value: 0)
    private var thread: Thread?
    private let started = Date()
    private let initialFinished: Int

    init(manifest: ManifestDatabase, runId: Int64, mode: ProgressMode) {
        self.manifest = manifest
        self.runId = runId
        self.mode = mode
        let status = try? manifest.status(failureLimit: 0)
        initialFinished = status.map { $0.clips.done + $0.clips.skipped + $0.clips.failed } ?? 0
    }

    func start() {
        guard mode == .bar || mode == .log else { return }
        let interval: Double = mode == .bar ? 0.5 : 10
        let thread = Thread { [self] in
            while done.wait(timeout: .now() + interval) == .timedOut { report(final: false) }
        }
        self.thread = thread
        thread.start()
    }

    func stop() {
        guard thread != nil else { return }
        done.signal()
        report(final: true)
    }

    private func report(final: Bool) {
        guard let status = try? manifest.status(failureLimit: 0) else { return }
        let c = status.clips
        let finished = c.done + c.skipped + c.failed
        let elapsed = max(1e-3, Date().timeIntervalSince(started))
        let frames = (try? manifest.run(id: runId))?.framesDone ?? 0
        let rate = Double(finished - initialFinished) / elapsed
        let remaining = c.total - finished
        let eta = rate > 0 ? Double(remaining) / rate : .infinity
        let etaText = eta.isFinite ? String(format: "%.0fs", eta) : "?"
        let line = String(format: "%d/%d clips  %.2f clips/s  %.1f frames/s  ETA %@  (%d skipped, %d failed)",
                          finished, c.total, rate, Double(frames) / elapsed, etaText, c.skipped, c.failed)
        if mode == .bar {
            let width = 24
            let filled = c.total > 0 ? width * finished / c.total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(line)\u{1B}[K\(final ? "\n" : "")".utf8))
        } else {
            FileHandle.standardError.write(Data("progress: \(line)\n".utf8))
        }
    }
}
