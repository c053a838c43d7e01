// A worker's open shard. Samples from the `shards` stage are appended while their
// clips' leases stay held (and renewed); when the next sample would take the shard past
// its size limit, or the worker runs out of clips or is asked to stop, the shard is
// sealed: staged to a temporary file (fsynced), then in one manifest transaction renamed
// to the next shard number, recorded with its clips, and their tasks marked done; then
// `index.json` is rewritten. A clip whose lease was lost meanwhile (another worker took
// it over) is withdrawn and the shard staged again without it, so no clip is sealed twice.
// Rig clips have four more columns than video clips, and an MDS shard has one set of
// columns: a worker that meets both keeps one open shard per kind.
// A shard that cannot be written (the directory unwritable, the disk full) is not the
// clips' fault: their leases are released without using up an attempt and the error
// ends the worker, so that `run` fails instead of counting every clip failed, and the
// same command resumes them once the output is writable again.

import Foundation
import Logging
import Manifest
import PipelineDefinition
import Shards

final class ShardSink {
    let output: ShardOutput
    let runId: Int64?
    let renewal: LeaseRenewal
    var logger: Logger
    let configuration: ShardsConfiguration
    /// The open shards: video clips' and rig clips'.
    private var writers: [Bool: MDSShardWriter<ShardMember>] = [:]

    init(output: ShardOutput, configuration: ShardsConfiguration, runId: Int64?, renewal: LeaseRenewal, logger: Logger) {
        self.output = output; self.configuration = configuration; self.runId = runId; self.renewal = renewal; self.logger = logger
    }

    var pendingClips: Int { writers.values.map(\.pending.count).reduce(0, +) }

    /// Appends a clip's sample, sealing the current shard of its kind first if the sample
    /// does not fit. Returns (clips sealed, tasks failed) by any seal this caused.
    func add(_ columns: [String: MDSValue], member: ShardMember) throws -> (sealed: Int, failed: Int) {
        let rig = columns["tracks3d"] != nil
        let writer = writers[rig] ?? MDSShardWriter(columns: configuration.columns(rig: rig), directory: output.directory)
        writers[rig] = writer
        let sample = try writer.columns.encode(columns)
        var result = (sealed: 0, failed: 0)
        if !writer.fits(sample) { result = try seal(writer) }
        try member.lease.park(member.task)
        writer.append(sample, tag: member)
        return result
    }

    /// Seals the open shards that have samples. Returns (clips sealed, tasks failed).
    @discardableResult
    func seal() throws -> (sealed: Int, failed: Int) {
        var total = (sealed: 0, failed: 0)
        for key in writers.keys.sorted(by: { !$0 && $1 }) {
            let (sealed, failed) = try seal(writers[key]!)
            total.sealed += sealed; total.failed += failed
        }
        return total
    }

    private func seal(_ writer: MDSShardWriter<ShardMember>) throws -> (sealed: Int, failed: Int) {
        let failed = 0
        while !writer.pending.isEmpty {
            let lost = Set(writer.pending.map(\.tag.lease).filter { renewal.isLost($0) }.map(\.clipId))
            if !lost.isEmpty { withdraw(lost, from: writer) ; continue }
            let staged: MDSStagedShard
            do { staged = try writer.stage() } catch {
                releaseAll(in: writer)
                throw ShardOutputError.unwritable(directory: output.directory.path, message: "cannot write a shard: \(error)")
            }
            let members = writer.pending.map(\.tag)
            var published: String? = nil
            do {
                let record = try output.manifest.sealShard(directory: output.directory.path, members: members, runId: runId) { index in
                    let entry = try output.directory.publish(staged, index: index, keepStaged: true)
                    published = entry.zip.basename
                    return PublishedShard(basename: entry.zip.basename, rawBytes: entry.raw.bytes, rawSha1: entry.raw.sha1,
                                          zipBytes: entry.zip.bytes, zipSha1: entry.zip.sha1, entry: entry.json)
                }
                published = nil   // committed: from here on the file is the manifest's
                output.directory.retire(staged)
                for member in members { renewal.remove(member.lease) }
                writer.clear()
                try output.writeIndex()
                logger.info("sealed \(record.basename): \(record.samples) clips, \(record.rawBytes) bytes, \(record.zipBytes) compressed")
                return (members.count, failed)
            } catch ShardSealError.leasesLost(let clipIds) {
                unlink(staged.temporaryPath)
                withdraw(Set(clipIds), from: writer)
            } catch {
                if let published { output.directory.withdraw(staged, basename: published) } else { unlink(staged.temporaryPath) }
                releaseAll(in: writer)
                throw ShardOutputError.unwritable(directory: output.directory.path, message: "cannot seal a shard: \(error)")
            }
        }
        return (0, failed)
    }

    /// Drops the samples of clips whose leases were taken over: another worker writes them.
    private func withdraw(_ clipIds: Set<Int64>, from writer: MDSShardWriter<ShardMember>) {
        logger.warning("leases lost on \(clipIds.count) clip(s) waiting in the open shard; another worker writes them")
        for item in writer.pending where clipIds.contains(item.tag.lease.clipId) { renewal.remove(item.tag.lease) }
        writer.removeAll { clipIds.contains($0.lease.clipId) }
    }

    /// Gives every waiting clip back (pending, the attempt not counted): the output failed, not the clip.
    private func releaseAll(in writer: MDSShardWriter<ShardMember>) {
        for item in writer.pending {
            renewal.remove(item.tag.lease)
            try? item.tag.lease.release()
        }
        writer.clear()
    }
}
