import Foundation
import GRDB
@testable import Manifest
import XCTest

/// Issue 17, finding 8: a manifest path that names somebody else's file is refused before
/// anything is written to it; PseudoTrack's own manifests, old and new, open as before.
final class ManifestIdentityTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-identity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testAnotherProgramsDatabaseIsRefusedAndLeftAsItWas() throws {
        let path = directory + "/notes.sqlite"
        let theirs = try DatabaseQueue(path: path)
        try theirs.write { db in
            try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('mine')")
        }
        try theirs.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ManifestDatabase(path: path)) { error in
            guard case ManifestError.incompatible(let named, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(named, path)
            XCTAssertTrue(message.contains("not a PseudoTrack manifest") && message.contains("notes"), message)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "not a byte changed (no tables, no WAL switch)")
        XCTAssertEqual(before[18], 1, "still a rollback-journal database")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-shm"))
    }

    func testADatabaseMarkedByAnotherProgramIsRefused() throws {
        let path = directory + "/app.sqlite"
        let theirs = try DatabaseQueue(path: path)
        try theirs.write { try $0.execute(sql: "PRAGMA application_id = 1234") }
        try theirs.close()
        XCTAssertThrowsError(try ManifestDatabase(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("another program"), "\(error)")
        }
    }

    func testAFileThatIsNotSQLiteIsRefusedAndLeftAsItWas() throws {
        let path = directory + "/thesis.txt"
        let text = String(repeating: "chapter one, page after page\n", count: 20)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ManifestDatabase(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("not a SQLite database"), "\(error)")
        }
        XCTAssertThrowsError(try ManifestDatabase(path: path, readOnly: true))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text)
    }

    func testNewAndEmptyFilesBecomeManifestsMarkedInTheHeader() throws {
        FileManager.default.createFile(atPath: directory + "/empty.sqlite", contents: nil)
        for path in [directory + "/new.sqlite", directory + "/empty.sqlite"] {
            let manifest = try ManifestDatabase(path: path)
            let id = try manifest.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") }
            XCTAssertEqual(id, 0x5054_524B, "PTRK")
            _ = try ManifestDatabase(path: path)
        }
    }

    func testAManifestMadeBeforeTheMarkStillOpensAndIsMarked() throws {
        let path = directory + "/old.sqlite"
        let manifest = try ManifestDatabase(path: path)
        // As an engine before 0006 left it: no application_id, 0006 not recorded.
        try manifest.write { db in
            try db.execute(sql: "PRAGMA application_id = 0")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '0006_application_id'")
        }
        let reopened = try ManifestDatabase(path: path)
        XCTAssertEqual(try reopened.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") }, 0x5054_524B)
        XCTAssertTrue(try reopened.schemaVersions().contains("0006_application_id"))
    }
}
