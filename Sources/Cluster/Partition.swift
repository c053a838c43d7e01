// One partition of a corpus split across a cluster: its index among `count`, and where
// it lives in the shared output (OUT/part-NNNNN/ for its shards, OUT/manifests/ for the
// copy of its manifest). The index and count come from flags, or from the scheduler's
// environment: a Slurm array task's SLURM_ARRAY_TASK_ID (the count from
// SLURM_ARRAY_TASK_COUNT only when the array is 0…count-1, since a rerun of one task is
// an array of one), or a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (the count, the
// Job's completions, given as a flag or PSEUDOTRACK_PARTITIONS: Kubernetes does not set it).

import Foundation

public struct Partition: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Partition counts above this are refused (five digits in part-NNNNN).
    public static let maximumCount = 100_000

    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= Self.maximumCount else {
            throw PartitionError.invalid("the partition count must be between 1 and \(Self.maximumCount), not \(count)")
        }
        guard index >= 0, index < count else {
            throw PartitionError.invalid("partition index \(index) is outside 0…\(count - 1)")
        }
        self.index = index; self.count = count
    }

    /// `part-NNNNN`: the partition's shard directory under OUT and its manifest copy's stem.
    public var name: String { Self.name(index) }
    public static func name(_ index: Int) -> String { "part-" + String(format: "%05d", index) }

    public var description: String { "partition \(index) of \(count)" }

    /// The partition from flags (which win) or the scheduler's environment.
    public static func resolve(index: Int?, count: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Partition {
        func number(_ name: String) throws -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw PartitionError.invalid("\(name)=\(text) is not a whole number") }
            return value
        }
        let resolvedIndex = try index ?? number("SLURM_ARRAY_TASK_ID") ?? number("JOB_COMPLETION_INDEX")
        guard let resolvedIndex else {
            throw PartitionError.invalid("no partition index: pass --index, or run as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)")
        }
        var resolvedCount = try count ?? number("PSEUDOTRACK_PARTITIONS")
        if resolvedCount == nil, let arrayCount = try number("SLURM_ARRAY_TASK_COUNT") {
            let low = try number("SLURM_ARRAY_TASK_MIN") ?? 0, high = try number("SLURM_ARRAY_TASK_MAX") ?? arrayCount - 1
            guard low == 0, high == arrayCount - 1 else {
                throw PartitionError.invalid("the Slurm array is \(low)…\(high) with \(arrayCount) task(s), not 0…count-1: pass --count (or PSEUDOTRACK_PARTITIONS) with the number of partitions")
            }
            resolvedCount = arrayCount
        }
        guard let resolvedCount else {
            throw PartitionError.invalid("no partition count: pass --count (or set PSEUDOTRACK_PARTITIONS; a Kubernetes Indexed Job's is its completions)")
        }
        return try Partition(index: resolvedIndex, count: resolvedCount)
    }
}

public enum PartitionError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let message): return message }
    }
}
