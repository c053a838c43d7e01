import ArgumentParser
import Cluster
import Ingest

struct PartitionList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print each corpus entry with its partition (or only one partition's entries).")

    @Argument(help: "Video files, directories or @list files.") var paths: [String]
    @Option(help: "The number of partitions.") var count: Int
    @Option(help: "Print only this partition's entries.") var index: Int?

    func run() throws {
        _ = try Cluster.Partition(index: index ?? 0, count: count)
        for path in try Ingestor.expand(paths) {
            let partition = PartitionKey.partition(of: path, count: count)
            if let index, index != partition { continue }
            print("\(Cluster.Partition.name(partition))\t\(path)")
        }
    }
}
