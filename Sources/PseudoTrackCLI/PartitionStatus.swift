import ArgumentParser
import Cluster
import Foundation

struct PartitionStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Every partition's progress, failures and throughput, and their sums (from the manifest copies in OUT).")

    @Argument(help: "The partitioned output directory.") var out: String
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "List at most this many failures per partition (all are counted).") var failures = 100

    func run() throws {
        let status = try PartitionedStatus(dataset: PartitionedDataset(output: PartitionedOutput(path: out)), failureLimit: failures)
        if json {
            print(try JSONText.encode(status))
            return
        }
        for entry in status.partitions {
            guard let s = entry.status else {
                print("\(entry.name)  no manifest copy yet")
                continue
            }
            let c = s.clips
            let run = s.lastRun.map { String(format: "; last run %@, %.2f clips/s", $0.endState ?? "running or killed", $0.clipsPerSecond) } ?? ""
            print("\(entry.name)  clips \(c.total): \(c.done) done, \(c.pending) pending, \(c.running) running, \(c.skipped) skipped, \(c.failed) failed; "
                  + "\(s.shards.shards) shards\(s.failuresTotal > 0 ? "; \(s.failuresTotal) failure(s)" : "")\(run)")
            for f in s.failures.prefix(5) { print("    \(f.stage ?? "?")\(f.clip.map { " clip \($0)" } ?? ""): \(f.error)") }
        }
        let t = status.totals, c = t.clips
        print("total  \(status.partitions.count) partitions, videos \(t.videos.total) (\(t.videos.ingested) ingested, \(t.videos.duplicates) duplicates, \(t.videos.failed) failed)")
        print("       clips \(c.total): \(c.done) done, \(c.pending) pending, \(c.running) running, \(c.skipped) skipped, \(c.failed) failed")
        print(String(format: "       %d shards, %d clips in them, %.1f MB; %d failure(s); %.2f clips/s", t.shards, t.shardClips, Double(t.zipBytes) / 1e6, t.failures, t.clipsPerSecond))
    }
}
