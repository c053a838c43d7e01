import Foundation
import GRDB
import XCTest

/// Issue 17, finding 8, through the command line: `ingest` writes only into its own
/// manifests, and `status` reads a manifest on a read-only mount.
final class ManifestFileCommandTests: CommandLineTestCase {
    func testIngestRefusesAnotherProgramsDatabaseAndAFileThatIsNotSQLite() throws {
        try makeVideos(1, frames: 24)
        let pipeline = try writePipeline()
        let theirs = directory + "/notes.sqlite"
        let queue = try DatabaseQueue(path: theirs)
        try queue.write { try $0.execute(sql: "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')") }
        try queue.close()
        let text = directory + "/notes.txt"
        try String(repeating: "not a database\n", count: 50).write(toFile: text, atomically: true, encoding: .utf8)
        for (path, cause) in [(theirs, "not a PseudoTrack manifest"), (text, "not a SQLite database")] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let result = try run(["ingest", directory + "/videos", "--manifest", path, "--pipeline", pipeline])
            XCTAssertNotEqual(result.status, 0, result.stdout)
            XCTAssertTrue(result.stderr.contains(path) && result.stderr.contains(cause), result.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "\(path) changed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
        }
        let tables = try DatabaseQueue(path: theirs).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        XCTAssertEqual(tables, ["notes"])
        // A manifest of our own takes the same command, twice.
        let ours = directory + "/m.sqlite"
        for _ in 0..<2 {
            let result = try run(["ingest", directory + "/videos", "--manifest", ours, "--pipeline", pipeline])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
    }

    func testStatusReadsAManifestOnAReadOnlyMount() throws {
        guard getuid() == 0 else { throw XCTSkip("a read-only bind mount needs root") }
        try makeVideos(1, frames: 24)
        let data = directory + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let ingested = try run(["ingest", directory + "/videos", "--manifest", data + "/m.sqlite", "--pipeline", try writePipeline()])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let mount = directory + "/ro"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        func shell(_ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            process.standardError = Pipe()
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard try shell(["/bin/mount", "--bind", data, mount]) == 0 else { throw XCTSkip("cannot bind-mount here") }
        defer { _ = try? shell(["/bin/umount", mount]) }
        guard try shell(["/bin/mount", "-o", "remount,ro,bind", mount]) == 0 else { throw XCTSkip("cannot remount read-only here") }
        let status = try statusJSON(mount + "/m.sqlite")
        let clips = try XCTUnwrap(status["clips"] as? [String: Any])
        XCTAssertEqual(clips["pending"] as? Int, 1)
        let ingest = try run(["ingest", directory + "/videos", "--manifest", mount + "/m.sqlite"])
        XCTAssertNotEqual(ingest.status, 0, "writing is refused on a read-only mount")
    }
}
