import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's own speed (see `make bench` for the side-by-side with the references).",
        subcommands: [BenchDecode.self, BenchSIFT.self, BenchTeachers.self, BenchShards.self, BenchManifest.self])
}
