import Foundation
import GRDB
@testable import Manifest
import XCTest

/// Issue 17, finding 8: `status` and `verify` open the manifest read-only, on a read-only
/// mount too, and leave nothing beside a read-only manifest.
final class ReadOnlyOpeningTests: ManifestTestCase {
    private func shell(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardError = Pipe()
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The test manifest, closed (its -wal checkpointed and removed), at `path`.
    private func closedManifest() throws -> String {
        try addSources(2, clips: 2)
        let path = manifest.path
        manifest = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"), "closing the last connection removes the -wal")
        return path
    }

    func testAReadOnlyManifestLeavesNoShmBehind() throws {
        let path = try closedManifest()
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        do {
            let readOnly = try ManifestDatabase(path: path, readOnly: true)
            XCTAssertEqual(try readOnly.status().clips.total, 4)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-shm"), "a read-only -shm left behind")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    func testAManifestOnAReadOnlyMountOpensReadOnly() throws {
        guard getuid() == 0 else { throw XCTSkip("a read-only bind mount needs root") }
        let path = try closedManifest()
        let mount = directory + "/ro"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        guard try shell(["/bin/mount", "--bind", directory, mount]) == 0 else { throw XCTSkip("cannot bind-mount here") }
        defer { _ = try? shell(["/bin/umount", mount]) }
        guard try shell(["/bin/mount", "-o", "remount,ro,bind", mount]) == 0 else { throw XCTSkip("cannot remount read-only here") }
        let mounted = mount + "/" + (path as NSString).lastPathComponent
        XCTAssertFalse(FileManager.default.isWritableFile(atPath: mounted))
        let readOnly = try ManifestDatabase(path: mounted, readOnly: true)
        let status = try readOnly.status()
        XCTAssertEqual(status.clips.total, 4)
        XCTAssertEqual(status.clips.pending, 4)
        XCTAssertThrowsError(try ManifestDatabase(path: mounted), "writing needs a writable manifest")
    }

    func testAWritableManifestStillSeesALiveWritersChanges() throws {
        try addSources(1, clips: 1)
        // The writer is open (its -wal holds the changes): the reader shares it.
        let reader = try ManifestDatabase(path: manifest.path, readOnly: true)
        XCTAssertEqual(try reader.status().clips.total, 1)
        try addSources(2, clips: 1)
        XCTAssertEqual(try reader.status().clips.total, 2)
    }
}
