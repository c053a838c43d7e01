// Accumulates encoded samples for the current shard and writes it out (Shards/README.md
// §3): uint32 sample count, uint32 absolute offsets, the configuration text, the
// samples; the whole compressed into one zstd frame; SHA-1 of both forms. The shard goes
// to a temporary file that is fsynced before anyone may rename it into place, so a
// crash can leave only an unreferenced temporary file. Each sample carries a tag (the
// caller's handle on it, e.g. its clip's lease) so that samples can be withdrawn before
// the shard is sealed.

import Checksums
import Compression
import Foundation

public final class MDSShardWriter<Tag> {
    public let columns: MDSColumns
    public let directory: MDSDirectory
    public private(set) var pending: [(tag: Tag, sample: [UInt8])] = []
    private var pendingBytes = 0
    private let configuration: [UInt8]

    public init(columns: MDSColumns, directory: MDSDirectory) {
        self.columns = columns
        self.directory = directory
        configuration = Array(columns.configurationText.utf8)
    }

    /// Uncompressed size of a shard of `count` samples totalling `payload` bytes.
    private func rawSize(count: Int, payload: Int) -> Int { 4 + 4 * (count + 1) + configuration.count + payload }

    /// Whether `sample` still fits in the current shard (mosaicml-streaming's rule: a
    /// sample that would take the shard past the size limit starts the next one; an
    /// empty shard takes any sample).
    public func fits(_ sample: [UInt8]) -> Bool {
        pending.isEmpty || rawSize(count: pending.count + 1, payload: pendingBytes + sample.count) <= columns.sizeLimit
    }

    public func append(_ sample: [UInt8], tag: Tag) {
        pending.append((tag, sample))
        pendingBytes += sample.count
    }

    /// Withdraws the samples whose tag matches (their clips will be written by someone else).
    public func removeAll(where predicate: (Tag) -> Bool) {
        pending.removeAll { predicate($0.tag) }
        pendingBytes = pending.reduce(0) { $0 + $1.sample.count }
    }

    public func clear() { pending.removeAll(); pendingBytes = 0 }

    /// The uncompressed shard of the pending samples.
    public func layout() -> [UInt8] {
        let count = pending.count
        var raw: [UInt8] = []
        raw.reserveCapacity(rawSize(count: count, payload: pendingBytes))
        appendUInt32(UInt32(count), to: &raw)
        var offset = 4 + 4 * (count + 1) + configuration.count
        appendUInt32(UInt32(offset), to: &raw)
        for item in pending {
            offset += item.sample.count
            appendUInt32(UInt32(offset), to: &raw)
        }
        raw += configuration
        for item in pending { raw += item.sample }
        return raw
    }

    /// Compresses the pending samples into a temporary file of the directory, fsynced.
    /// The samples stay pending until `clear()`: the caller publishes the staged shard,
    /// then clears.
    public func stage() throws -> MDSStagedShard {
        precondition(!pending.isEmpty, "MDSShardWriter.stage: no samples")
        let raw = layout()
        let compressed = try Zstd.compress(raw, level: columns.zstdLevel)
        let path = directory.temporaryPath()
        try MDSDirectory.writeDurably(compressed, to: path)
        return MDSStagedShard(temporaryPath: path, columns: columns, samples: pending.count,
                              rawBytes: raw.count, rawSHA1: Digest.hex(raw, .sha1),
                              zipBytes: compressed.count, zipSHA1: Digest.hex(compressed, .sha1))
    }
}

/// A shard written under a temporary name, not yet in the directory's index.
public struct MDSStagedShard: Sendable {
    public var temporaryPath: String
    public var columns: MDSColumns
    public var samples: Int
    public var rawBytes: Int
    public var rawSHA1: String
    public var zipBytes: Int
    public var zipSHA1: String

    /// Its index entry once it is shard number `index`.
    public func entry(index: Int) -> MDSIndexEntry {
        let basename = MDSIndexEntry.rawBasename(index)
        return MDSIndexEntry(columns: columns, samples: samples,
                             raw: MDSFileInfo(basename: basename, bytes: rawBytes, sha1: rawSHA1),
                             zip: MDSFileInfo(basename: basename + ".zstd", bytes: zipBytes, sha1: zipSHA1))
    }
}
