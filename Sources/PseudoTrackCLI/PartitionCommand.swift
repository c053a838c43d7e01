// `pseudotrack partition`: a corpus split across a cluster's batch jobs (Slurm array
// tasks, Kubernetes Indexed Job pods), one partition per task; see ops/README.md.

import ArgumentParser

struct PartitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition",
        abstract: "Label a corpus as partitions (one per cluster task), then inspect and verify them.",
        discussion: """
        Each task runs `pseudotrack partition run CORPUS --out OUT` with its partition index \
        and count (flags, or the scheduler's SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX). \
        When all are done, `pseudotrack merge OUT` writes the root index.json.
        """,
        subcommands: [PartitionRun.self, PartitionList.self, PartitionStatus.self, PartitionVerify.self])
}

/// The partition index and count of a task: flags, else the scheduler's environment.
struct PartitionOptions: ParsableArguments {
    @Option(help: "This task's partition, 0…count-1 (default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX).")
    var index: Int?
    @Option(help: "The number of partitions (default: PSEUDOTRACK_PARTITIONS, or SLURM_ARRAY_TASK_COUNT for an array 0…N-1).")
    var count: Int?
}
