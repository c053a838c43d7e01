// The `pseudotrack` command: a thin root that lists the subcommands, one per file.

import ArgumentParser
import Pipeline

@main
struct PseudoTrack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudotrack",
        abstract: "Turns video corpora into pseudo-labelled point-tracking training data.",
        version: EngineVersion.string,
        subcommands: [Ingest.self, Run.self, Status.self, Verify.self, Probe.self, Points.self, Track.self, Eval.self, Render.self, ReportCommand.self, Bench.self, Synthesize.self,
                      PartitionCommand.self, Merge.self])
}
