import ArgumentParser
import Foundation
import Manifest
import Pipeline

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a manifest's progress: sources (videos and rigs), clips, stages, labels, failures and the last run's throughput.")

    @OptionGroup var manifestOptions: ManifestOptions
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "List at most this many failures (all are counted).") var failures = 1000

    func run() throws {
        let manifest = try manifestOptions.open(readOnly: true)
        let status = try manifest.pipelineStatus(failureLimit: failures)
        if json {
            print(try JSONText.encode(status))
            return
        }
        let v = status.videos, c = status.clips
        // Sources: what ingest was given, a video file or a rig directory of several videos each.
        print("sources \(v.total) total (videos and rigs): \(v.ingested) ingested, \(v.duplicates) duplicates, \(v.failed) failed")
        print("clips   \(c.total) total: \(c.done) done, \(c.pending) pending, \(c.running) running, \(c.skipped) skipped, \(c.failed) failed")
        for stage in status.stageOrder {
            let s = status.stages[stage] ?? [:]
            print("  \(stage.padding(toLength: 16, withPad: " ", startingAt: 0)) done \(s["done"] ?? 0)  pending \(s["pending"] ?? 0)  running \(s["running"] ?? 0)  skipped \(s["skipped"] ?? 0)  failed \(s["failed"] ?? 0)")
        }
        if status.shards.shards > 0 {
            let sh = status.shards
            print("shards       \(sh.shards) sealed in \(sh.directory ?? "?"): \(sh.clips) clips, \(sh.tracks) tracks, "
                  + String(format: "%.1f MB (%.1f MB uncompressed)", Double(sh.zipBytes) / 1e6, Double(sh.rawBytes) / 1e6))
        }
        if status.quality.clips > 0 {
            let q = status.quality
            let share = q.labelsIn > 0 ? 100 * Double(q.labelsOut) / Double(q.labelsIn) : 0
            print("quality      \(q.clips) clips: \(q.labelsOut) of \(q.labelsIn) labels kept (" + String(format: "%.1f%%", share)
                  + "), \(q.tracksOut) of \(q.tracksIn) tracks")
            print("  removed by  " + q.removed.filter { $0.value > 0 }.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: "  "))
            if !q.made3D.isEmpty {
                print("  3D made by  " + q.made3D.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "  "))
            }
        }
        if !status.teachers.isEmpty {
            print("labelled by  " + status.teachers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "  "))
        }
        if !status.skipped.isEmpty {
            print("skipped clips by reason:")
            for s in status.skipped.prefix(10) { print("  \(s.clips)× \(s.reason)") }
        }
        if status.failuresTotal > 0 {
            print("failures (\(status.failuresTotal)):")
            for f in status.failures.prefix(20) {
                print("  \(f.stage ?? "?")\(f.clip.map { " clip \($0)" } ?? ""): \(f.error)")
            }
        }
        if let r = status.lastRun {
            print(String(format: "last run #%lld: %@, %d clips, %d frames, %.2f clips/s, %.1f frames/s, %d worker(s)",
                         r.id, r.endState ?? "running or killed", r.clipsDone, r.framesDone, r.clipsPerSecond, r.framesPerSecond, r.workers))
            if let cause = r.endCause { print("  \(cause)") }
        }
    }
}
