// The `pseudotrack` command: a thin root that lists the subcommands, one per file.

import ArgumentParser

@main
struct PseudoTrack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudotrack",
        abstract: "Turns video corpora into pseudo-labelled point-tracking training data.",
        version: "0.1.0",
        subcommands: [Probe.self, Bench.self])
}
