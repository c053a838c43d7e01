// A worker's open shard. Samples from the `shards` stage are appended while their
// clips' leases stay held (and renewed); when the next sample would take the shard past
// its size limit, or the worker runs out of clips or is asked to stop, the shard is
// sealed: staged to a temporary file (fsynced), then in one manifest transaction renamed
// to the next shard number, recorded with its clips, and their tasks marked done; then
// `index.json` is rewritten. A clip whose lease was lost meanwhile (another worker took
// it over) is withdrawn and the shard staged again without it, so no clip is sealed twice.

import Foundation
import Logging
import Manifest
import Shards

final class ShardSink {
    let output: ShardOutput
    let runId: Int64?
    let renewal: LeaseRenewal
    var logger: Logger
    private let writer: MDSShardWriter<ShardMember>

    init(output: ShardOutput, columns: MDSColumns, runId: Int64?, renewal: LeaseRenewal, logger: Logger) {
        self.output = output; self.runId = runId; self.renewal = renewal; self.logger = logger
        writer = MDSShardWriter(columns: columns, directory: output.directory)
    }

    var pendingClips: Int { writer.pending.count }

    /// Appends a clip's sample, sealing the current shard first if the sample does not fit.
    /// Returns (clips sealed, tasks failed) by any seal this caused.
    func add(_ columns: [String: MDSValue], member: ShardMember) throws -> (sealed: Int, failed: Int) {
        let sample = try writer.columns.encode(columns)
        var result = (sealed: 0, failed: 0)
        if !writer.fits(sample) { result = try seal() }
        try member.lease.park(member.task)
        writer.append(sample, tag: member)
        return result
    }

    /// Seals the open shard, if it has samples. Returns (clips sealed, tasks failed).
    @discardableResult
    func seal() throws -> (sealed: Int, failed: Int) {
        var failed = 0
        while !writer.pending.isEmpty {
            let lost = Set(writer.pending.map(\.tag.lease).filter { renewal.isLost($0) }.map(\.clipId))
            if !lost.isEmpty { withdraw(lost) ; continue }
            let staged: MDSStagedShard
            do { staged = try writer.stage() } catch {
                failed += failAll("cannot write shard: \(error)")
                return (0, failed)
            }
            let members = writer.pending.map(\.tag)
            do {
                let record = try output.manifest.sealShard(directory: output.directory.path, members: members, runId: runId) { index in
                    let entry = try output.directory.publish(staged, index: index)
                    return PublishedShard(basename: entry.zip.basename, rawBytes: entry.raw.bytes, rawSha1: entry.raw.sha1,
                                          zipBytes: entry.zip.bytes, zipSha1: entry.zip.sha1, entry: entry.json)
                }
                for member in members { renewal.remove(member.lease) }
                writer.clear()
                try output.writeIndex()
                logger.info("sealed \(record.basename): \(record.samples) clips, \(record.rawBytes) bytes, \(record.zipBytes) compressed")
                return (members.count, failed)
            } catch ShardSealError.leasesLost(let clipIds) {
                unlink(staged.temporaryPath)
                withdraw(Set(clipIds))
            } catch {
                unlink(staged.temporaryPath)
                failed += failAll("cannot seal shard: \(error)")
                return (0, failed)
            }
        }
        return (0, failed)
    }

    /// Drops the samples of clips whose leases were taken over: another worker writes them.
    private func withdraw(_ clipIds: Set<Int64>) {
        logger.warning("leases lost on \(clipIds.count) clip(s) waiting in the open shard; another worker writes them")
        for item in writer.pending where clipIds.contains(item.tag.lease.clipId) { renewal.remove(item.tag.lease) }
        writer.removeAll { clipIds.contains($0.lease.clipId) }
    }

    /// Fails every waiting clip's task (each goes back to pending unless out of attempts).
    private func failAll(_ message: String) -> Int {
        logger.error("\(message)")
        var failed = 0
        for item in writer.pending {
            renewal.remove(item.tag.lease)
            if (try? item.tag.lease.fail(item.tag.task, error: message, permanent: false, seconds: item.tag.seconds)) != nil { failed += 1 }
        }
        writer.clear()
        return failed
    }
}
