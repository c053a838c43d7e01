import ArgumentParser
import Foundation
import Shards

struct BenchShards: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards",
        abstract: "Shard writing throughput: the samples of a shard directory written again (median of several runs).",
        discussion: """
        Times what a worker does to seal shards: encoding each sample's columns, laying out \
        the shard, zstd compression, SHA-1 of both forms, writing and fsyncing the file and \
        renaming it into place. Reports MB/s of uncompressed shard bytes. --dump writes the \
        uncompressed shards, concatenated, so that `zstd` can be timed on the same bytes \
        (ops/bench/shards.sh does).
        """)

    @Argument(help: "A shard directory (index.json and its shards), e.g. the output of `make demo`.") var shards: String
    @Option(help: "Timed runs; the median is reported.") var runs = 5
    @Option(help: "Write the uncompressed shards here, concatenated.") var dump: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let source = try MDSDirectory(path: shards)
        let index = try MDSIndex(directory: source)
        guard let columns = index.entries.first?.columns else { throw ValidationError("\(shards): index.json lists no shards") }
        let samples = try index.entries.flatMap { try MDSShardReader.read($0, in: source) }
        var rates: [Double] = [], rawBytes = 0, zipBytes = 0
        for _ in 0..<max(1, runs) {
            let scratch = NSTemporaryDirectory() + "pseudotrack-bench-shards-\(getpid())"
            try? FileManager.default.removeItem(atPath: scratch)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let target = try MDSDirectory(path: scratch)
            let writer = MDSShardWriter<Int>(columns: columns, directory: target)
            var published: [MDSIndexEntry] = []
            let start = DispatchTime.now().uptimeNanoseconds
            for (i, sample) in samples.enumerated() {
                let encoded = try columns.encode(sample)
                if !writer.fits(encoded) {
                    published.append(try target.publish(try writer.stage(), index: published.count))
                    writer.clear()
                }
                writer.append(encoded, tag: i)
            }
            published.append(try target.publish(try writer.stage(), index: published.count))
            try target.writeIndex(entryTexts: published.map(\.json))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rawBytes = published.reduce(0) { $0 + $1.raw.bytes }
            zipBytes = published.reduce(0) { $0 + $1.zip.bytes }
            rates.append(Double(rawBytes) / 1e6 / seconds)
        }
        if let dump {
            let writer = MDSShardWriter<Int>(columns: columns, directory: source)
            FileManager.default.createFile(atPath: dump, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dump))
            defer { try? handle.close() }
            for (i, sample) in samples.enumerated() {
                let encoded = try columns.encode(sample)
                if !writer.fits(encoded) { try handle.write(contentsOf: Data(writer.layout())); writer.clear() }
                writer.append(encoded, tag: i)
            }
            try handle.write(contentsOf: Data(writer.layout()))
        }
        let rate = median(rates)
        if json {
            print(try JSONText.encode(BenchShardsResult(samples: samples.count, raw_bytes: rawBytes, zip_bytes: zipBytes,
                                                        compression: columns.compression, runs: rates.count,
                                                        megabytes_per_second: rate, all_runs: rates.sorted())))
        } else {
            print("\(samples.count) samples, " + String(format: "%.1f MB uncompressed -> %.1f MB", Double(rawBytes) / 1e6, Double(zipBytes) / 1e6)
                  + " (\(columns.compression)): " + String(format: "%.1f MB/s written (median of %d)", rate, rates.count))
        }
    }
}

struct BenchShardsResult: Encodable {
    var samples: Int
    var raw_bytes: Int
    var zip_bytes: Int
    var compression: String
    var runs: Int
    var megabytes_per_second: Double
    var all_runs: [Double]
}
