// `pseudotrack verify`: re-reads a shard directory and checks it against itself and the
// manifest. Every shard's sizes and SHA-1s (compressed and not), sample count, offsets
// and embedded configuration (MDSShardReader); every sample against the schema
// (TrainingSample.check), and its MP4 decoded to exactly T frames of the stored size;
// index.json equal to the manifest's sealed shards, each sample the clip the manifest
// says, no clip twice, every clip whose `shards` task is done present, and no shard
// file the index does not list.

import Foundation
import Manifest
import Shards
import VideoIO

public struct ShardVerification: Sendable {
    public var errors: [String] = []
    public var warnings: [String] = []
    public var shards = 0
    public var clips = 0
    public var tracks = 0
    public var frames = 0
    public var rawBytes = 0
    public var zipBytes = 0
    public var mediaBytes = 0
    public var columns: [String] = []
    public var passed: Bool { errors.isEmpty }
}

public struct ShardVerifier {
    public let output: ShardOutput
    public var decodeVideo = true

    public init(output: ShardOutput, decodeVideo: Bool = true) { self.output = output; self.decodeVideo = decodeVideo }

    public func verify() -> ShardVerification {
        var result = ShardVerification()
        let directory = output.directory
        let index: MDSIndex
        do { index = try MDSIndex(directory: directory) } catch {
            result.errors.append("\(error)")
            return result
        }
        result.shards = index.entries.count
        // Every column any shard has (rig shards add theirs), sorted.
        result.columns = Set(index.entries.flatMap(\.columns.names)).sorted()
        var records: [ShardRecord] = [], members: [[ManifestDatabase.ShardMemberRecord]] = [], done = Set<Int64>()
        do {
            records = try output.manifest.shards(in: directory.path)
            members = try output.manifest.shardMembers(in: directory.path)
            done = try output.manifest.clipsWithShardsDone()
        } catch { result.errors.append("the manifest cannot be read: \(error)") }

        if records.count != index.entries.count {
            result.errors.append("index.json lists \(index.entries.count) shards, the manifest \(records.count)")
        }
        for (k, (entry, record)) in zip(index.entries, records).enumerated() where entry.json != record.entry {
            result.errors.append("shard \(k): index.json's entry differs from the one the manifest sealed")
        }
        let listed = Set(index.entries.map(\.zip.basename))
        for name in directory.shardFiles() where !listed.contains(name) {
            result.errors.append("\(directory.path)/\(name): a shard file index.json does not list")
        }
        for name in directory.temporaryFiles() {
            result.warnings.append("\(directory.path)/\(name): a temporary file (a writer is running, or crashed; the next run removes it)")
        }

        var seen: [String: Int] = [:]
        for (k, entry) in index.entries.enumerated() {
            if Self.videoColumns(entry.columns) != Self.videoColumns(index.entries[0].columns) {
                result.errors.append("\(entry.zip.basename): columns differ from shard 0's (other than the rig columns)")
            }
            result.rawBytes += entry.raw.bytes
            result.zipBytes += entry.zip.bytes
            let samples: [[String: MDSValue]]
            do { samples = try MDSShardReader.read(entry, in: directory) } catch {
                result.errors.append("\(error)")
                continue
            }
            let expected = k < members.count ? members[k] : []
            if expected.count != samples.count {
                result.errors.append("\(entry.zip.basename): \(samples.count) samples, the manifest records \(expected.count)")
            }
            for (i, sample) in samples.enumerated() {
                let place = "\(entry.zip.basename) sample \(i)"
                do {
                    let summary = try TrainingSample.check(sample)
                    result.clips += 1
                    result.tracks += summary.tracks
                    result.frames += summary.frames
                    seen[summary.clipId, default: 0] += 1
                    if i < expected.count {
                        let name = ShardsStage.clipName(sourceSha256: expected[i].sourceSha256, clipIndex: expected[i].clipIndex)
                        if name != summary.clipId { result.errors.append("\(place): clip \(summary.clipId), the manifest says \(name)") }
                    }
                    if let mp4 = summary.media {
                        result.mediaBytes += mp4.count
                        let stored = summary.stored.map { (width: $0.width * summary.views, height: $0.height) }
                        if decodeVideo, let problem = Self.checkVideo(mp4, frames: summary.frames, stored: stored) {
                            result.errors.append("\(place): video_mp4 \(problem)")
                        }
                    }
                } catch { result.errors.append("\(place): \(error)") }
            }
        }
        for (clip, count) in seen where count > 1 { result.errors.append("clip \(clip) is in \(count) samples") }
        let sealed = Set(members.joined().map(\.clipId))
        let missing = done.subtracting(sealed)
        if !missing.isEmpty {
            result.errors.append("\(missing.count) clip(s) whose shards task is done are in no shard: \(missing.sorted().prefix(10).map(String.init).joined(separator: ", "))")
        }
        return result
    }

    /// A shard's columns without the rig columns, and its compression: what every shard of a directory shares.
    static func videoColumns(_ columns: MDSColumns) -> [String] {
        zip(columns.names, columns.encodings).filter { TrainingSample.rigEncodings[$0.0] == nil }.map { "\($0.0):\($0.1)" } + [columns.compression]
    }

    /// Decodes the MP4 and returns what is wrong with it, or nil.
    static func checkVideo(_ mp4: [UInt8], frames: Int, stored: (width: Int, height: Int)?) -> String? {
        guard mp4.count > 8, Array(mp4[4..<8]) == Array("ftyp".utf8) else { return "does not start with an ftyp box" }
        let path = NSTemporaryDirectory() + "pseudotrack-verify-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).mp4"
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(mp4)) else { return "cannot be written to \(path)" }
        do {
            let reader = try VideoReader(path: path, threads: 1)
            if let stored, (stored.width, stored.height) != (reader.info.width, reader.info.height) {
                return "is \(reader.info.width)x\(reader.info.height), meta.stored says \(stored.width)x\(stored.height)"
            }
            guard reader.info.codec == "h264" else { return "is \(reader.info.codec), not H.264" }
            var decoded = 0
            try reader.readAll(formats: .grey) { _ in decoded += 1 }
            guard decoded == frames, reader.info.frameCount == frames else {
                return "decodes to \(decoded) frames (\(reader.info.frameCount) in the container), the labels have \(frames)"
            }
        } catch { return "cannot be decoded: \(error)" }
        return nil
    }
}
