import ArgumentParser
import Foundation
import Manifest
import Pipeline

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read every shard of a run's output and check it against index.json and the manifest.",
        discussion: """
        Checks each shard's sizes and SHA-1 hashes, sample counts and layout, every sample \
        against the schema in Shards/README.md (and its video_mp4 decoded to exactly T \
        frames), that each sample is the clip the manifest sealed there, that no clip \
        appears twice and that every finished clip is in a shard. Exits 1 listing every \
        mismatch; prints a summary of the data set otherwise.
        """)

    @OptionGroup var manifestOptions: ManifestOptions
    @Option(help: "The output directory given to `pseudotrack run --out`.") var out: String
    @Flag(help: "Skip decoding each video_mp4 (faster; the other checks still run).") var skipVideo = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let manifest = try manifestOptions.open(readOnly: true)
        let output = try ShardOutput(path: out, manifest: manifest, writing: false)
        let result = ShardVerifier(output: output, decodeVideo: !skipVideo).verify()
        if json {
            let object: [String: Any] = [
                "passed": result.passed, "errors": result.errors, "warnings": result.warnings, "shards": result.shards,
                "clips": result.clips, "tracks": result.tracks, "frames": result.frames, "raw_bytes": result.rawBytes,
                "zip_bytes": result.zipBytes, "media_bytes": result.mediaBytes, "columns": result.columns,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for warning in result.warnings { print("warning: \(warning)") }
            for error in result.errors { print("error: \(error)") }
            let ratio = result.zipBytes > 0 ? Double(result.rawBytes) / Double(result.zipBytes) : 0
            print("""
                \(output.directory.path): \(result.shards) shards, \(result.clips) clips, \(result.tracks) tracks, \(result.frames) frames
                  \(Self.megabytes(result.rawBytes)) uncompressed (\(Self.megabytes(result.mediaBytes)) of it video), \
                \(Self.megabytes(result.zipBytes)) on disk: zstd ratio \(String(format: "%.2f", ratio))
                  columns: \(result.columns.joined(separator: ", "))
                \(result.passed ? "verified" : "FAILED: \(result.errors.count) problem(s)")
                load in Python (pip install ./Shards/python):
                  from pseudotrack_data import open_shards; samples = open_shards("\(output.directory.path)")
                """)
        }
        if !result.passed { throw ExitCode(1) }
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
}
