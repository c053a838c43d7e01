import Checksums
@testable import Cluster
import Foundation
import GRDB
import Manifest
import XCTest

/// The restore path (ManifestRestore, PartitionedOutput) on an output directory or a
/// manifest copy that someone else shaped: nothing outside OUT/part-NNNNN is read or
/// removed, no link is followed out, and only files of our own naming are removed.
final class HostileOutputTests: XCTestCase {
    var directory: String!
    var out: PartitionedOutput!
    var partition: Partition { try! Partition(index: 0, count: 1) }
    var shards: String { out.shardDirectory(0) }
    var copy: String { out.manifestCopy(0) }
    var local: String { directory + "/node/m.sqlite" }
    /// Somebody else's directory, beside OUT, with files named like our shards.
    var elsewhere: String { directory + "/elsewhere" }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-hostile-\(UUID().uuidString)"
        out = PartitionedOutput(path: directory + "/out")
        for d in ["/node", "/out", "/elsewhere"] {
            try FileManager.default.createDirectory(atPath: directory + d, withIntermediateDirectories: true)
        }
        try write("theirs", to: elsewhere + "/shard.00000.mds.zstd")
        try write("theirs", to: elsewhere + "/.shard.host.1.ab.tmp")
        try write("theirs", to: elsewhere + "/.part-00000.sqlite.12.tmp")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func write(_ text: String, to path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

    func assertElsewhereUntouched(file: StaticString = #filePath, line: UInt = #line) {
        for name in ["shard.00000.mds.zstd", ".shard.host.1.ab.tmp", ".part-00000.sqlite.12.tmp"] {
            XCTAssertEqual(try? String(contentsOfFile: elsewhere + "/" + name, encoding: .utf8), "theirs", name, file: file, line: line)
        }
    }

    /// A manifest at `path` with shard `basenames` sealed in `shards`.
    func manifest(at path: String, sealed basenames: [String]) throws -> ManifestDatabase {
        let manifest = try ManifestDatabase(path: path)
        try manifest.write { db in
            for (n, name) in basenames.enumerated() {
                try db.execute(sql: """
                    INSERT INTO shards (directory, shard_index, basename, samples, raw_bytes, raw_sha1, zip_bytes, zip_sha1, entry, lease_owner, sealed_at)
                    VALUES (?, ?, ?, 1, 1, '', 6, 'x', ?, 'test', 0)
                    """, arguments: [shards, n, name, "{\"n\": \(n)}"])
            }
        }
        return manifest
    }

    func testAPartitionDirectoryThatIsALinkIsRefused() throws {
        try FileManager.default.createSymbolicLink(atPath: shards, withDestinationPath: elsewhere)
        XCTAssertThrowsError(try out.prepare(for: partition)) { error in
            XCTAssert("\(error)".contains("symbolic link") && "\(error)".contains("part-00000"), "\(error)")
        }
        XCTAssertThrowsError(try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards))
        let manifest = try manifest(at: local, sealed: [])
        XCTAssertThrowsError(try ManifestRestore.reconcile(shardDirectory: shards, manifest: manifest)) { error in
            XCTAssert("\(error)".contains("symbolic link"), "\(error)")
        }
        assertElsewhereUntouched()
    }

    func testAManifestsDirectoryThatIsALinkIsRefused() throws {
        try FileManager.default.createSymbolicLink(atPath: out.manifestsDirectory, withDestinationPath: elsewhere)
        XCTAssertThrowsError(try out.prepare(for: partition))
        try FileManager.default.createDirectory(atPath: shards, withIntermediateDirectories: true)
        XCTAssertThrowsError(try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards)) { error in
            XCTAssert("\(error)".contains("manifests") && "\(error)".contains("symbolic link"), "\(error)")
        }
        assertElsewhereUntouched()
    }

    func testAManifestCopyThatIsALinkIsNotReadNorRestoredAsALink() throws {
        try out.prepare(for: partition)
        // The link points at somebody's manifest: restoring it as it is would make this
        // node's working manifest that file, and the task would write into it.
        let theirs = try manifest(at: elsewhere + "/theirs.sqlite", sealed: ["shard.00000.mds.zstd"])
        let before = try theirs.shards(in: shards).count
        try FileManager.default.createSymbolicLink(atPath: copy, withDestinationPath: elsewhere + "/theirs.sqlite")
        XCTAssertThrowsError(try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards)) { error in
            XCTAssert("\(error)".contains("not a regular file"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: local), "nothing restored")
        // A node with its own manifest does not read it either.
        _ = try manifest(at: local, sealed: [])
        XCTAssertThrowsError(try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards))
        XCTAssertEqual(try theirs.shards(in: shards).count, before)
        // And the restore's own copy never follows a link.
        XCTAssertThrowsError(try ManifestRestore.copyRegularFile(copy, to: directory + "/node/copied"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/node/copied"))
    }

    func testOnlyRegularFilesOfOurNamingAreRemoved() throws {
        try out.prepare(for: partition)
        let manifest = try manifest(at: local, sealed: ["shard.00000.mds.zstd"])
        try write("sealed", to: shards + "/shard.00000.mds.zstd")
        try write("orphan", to: shards + "/shard.00001.mds.zstd")                  // ours, not sealed: removed
        try write("ours", to: shards + "/.shard.host_a.123.9f.tmp")                // our temporary: removed
        // Not ours: other names, links, directories.
        let foreign = ["shard.notes.mds.zstd", "shard.1.mds.zstd", "shard.00002.mds.zstd.bak", "shard.00003.mds", "README",
                       ".shard.tmp", ".shard.host.pid.9f.tmp", ".index.lock.tmp"]
        for name in foreign { try write("keep", to: shards + "/" + name) }
        try FileManager.default.createSymbolicLink(atPath: shards + "/shard.00007.mds.zstd", withDestinationPath: elsewhere + "/shard.00000.mds.zstd")
        try FileManager.default.createSymbolicLink(atPath: shards + "/.shard.host.1.ab.tmp", withDestinationPath: elsewhere + "/.shard.host.1.ab.tmp")
        try FileManager.default.createDirectory(atPath: shards + "/shard.00008.mds.zstd", withIntermediateDirectories: false)

        let removed = try ManifestRestore.reconcile(shardDirectory: shards, manifest: manifest)
        XCTAssertEqual(Set(removed), ["shard.00001.mds.zstd", ".shard.host_a.123.9f.tmp"])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: shards))
        XCTAssert(left.isSuperset(of: foreign + ["shard.00000.mds.zstd", "shard.00007.mds.zstd", ".shard.host.1.ab.tmp", "shard.00008.mds.zstd"]),
                  "\(left)")
        assertElsewhereUntouched()
    }

    func testAManifestNamingShardsOutsideItsDirectoryIsRefusedBeforeAnythingIsRemoved() throws {
        try out.prepare(for: partition)
        try write("orphan", to: shards + "/shard.00001.mds.zstd")
        for hostile in ["../elsewhere/shard.00000.mds.zstd", "/etc/passwd", "shard.00000.mds.zstd/../../x"] {
            let path = directory + "/node/\(UUID().uuidString).sqlite"
            let manifest = try manifest(at: path, sealed: [hostile])
            XCTAssertThrowsError(try ManifestRestore.reconcile(shardDirectory: shards, manifest: manifest)) { error in
                XCTAssert("\(error)".contains("not a name this engine writes"), "\(error)")
            }
            XCTAssert(FileManager.default.fileExists(atPath: shards + "/shard.00001.mds.zstd"), "nothing removed for \(hostile)")
        }
        assertElsewhereUntouched()
    }

    /// A local manifest that records, beyond the copy's shards, a shard outside the
    /// directory: its file is not read (a local manifest extends the copy only through
    /// shard files of our naming in the directory), and the copy is chosen.
    func testTheLocalManifestsExtraShardsAreReadOnlyInsideTheDirectory() throws {
        try out.prepare(for: partition)
        let copied = try manifest(at: directory + "/node/copy-source.sqlite", sealed: [])
        try copied.publishCopy(to: copy)
        let (sha1, bytes) = try Digest.hexOfFile(elsewhere + "/shard.00000.mds.zstd", .sha1)
        let kept = try ManifestDatabase(path: local)
        try kept.write { db in
            try db.execute(sql: """
                INSERT INTO shards (directory, shard_index, basename, samples, raw_bytes, raw_sha1, zip_bytes, zip_sha1, entry, lease_owner, sealed_at)
                VALUES (?, 0, '../elsewhere/shard.00000.mds.zstd', 1, 1, '', ?, ?, '{}', 'test', 0)
                """, arguments: [shards, bytes, sha1])
        }
        guard case .restored(let aside?) = try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards) else {
            return XCTFail("a local manifest naming a file outside the directory was kept")
        }
        XCTAssert(FileManager.default.fileExists(atPath: aside))
        assertElsewhereUntouched()
    }

    func testCopyTemporariesOfOtherNamesOrKindsAreLeft() throws {
        try out.prepare(for: partition)
        try write("ours", to: out.manifestsDirectory + "/.part-00000.sqlite.4242.tmp")
        try write("keep", to: out.manifestsDirectory + "/.part-00000.sqlite.notes.tmp")
        try FileManager.default.createSymbolicLink(atPath: out.manifestsDirectory + "/.part-00000.sqlite.77.tmp",
                                                   withDestinationPath: elsewhere + "/.part-00000.sqlite.12.tmp")
        ManifestDatabase.removeCopyTemporaries(of: copy)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: out.manifestsDirectory))
        XCTAssertEqual(left, [".part-00000.sqlite.notes.tmp", ".part-00000.sqlite.77.tmp"])
        assertElsewhereUntouched()
    }

    func testTheIndexLockIsNotFollowed() throws {
        try out.prepare(for: partition)
        try FileManager.default.createSymbolicLink(atPath: shards + "/.index.lock", withDestinationPath: elsewhere + "/shard.00000.mds.zstd")
        let manifest = try manifest(at: local, sealed: [])
        XCTAssertThrowsError(try ManifestRestore.reconcile(shardDirectory: shards, manifest: manifest))
        assertElsewhereUntouched()
    }

    func testOurNamesAreRecognisedExactly() {
        XCTAssert(OutputConfinement.isShardName("shard.00000.mds.zstd"))
        XCTAssert(OutputConfinement.isShardName("shard.123456.mds.zstd"))
        for name in ["shard.0000.mds.zstd", "shard..mds.zstd", "shard.0000x.mds.zstd", "shard.00000.mds", "xshard.00000.mds.zstd",
                     "shard.00000.mds.zstd.tmp", "shard.-0001.mds.zstd", "shard.٠٠٠٠٠.mds.zstd"] {
            XCTAssertFalse(OutputConfinement.isShardName(name), name)
        }
        XCTAssert(OutputConfinement.isTemporaryName(".shard.node-1.4242.9fa0.tmp"))
        XCTAssert(OutputConfinement.isTemporaryName(".index.node_a_b.1.0.tmp"))
        for name in [".shard.tmp", ".shard.node.pid.9f.tmp", ".shard.node.1.xyz.tmp", ".other.node.1.9f.tmp", ".shard..1.9f.tmp",
                     ".shard.a.b.1.9f.tmp", "shard.node.1.9f.tmp"] {
            XCTAssertFalse(OutputConfinement.isTemporaryName(name), name)
        }
    }
}
