import Checksums
@testable import Cluster
import Foundation
import GRDB
import Manifest
import XCTest

/// The copy of a partition's manifest on the shared output, and the choice a task makes
/// at its start between it and the node's own manifest.
final class ManifestRestoreTests: XCTestCase {
    var directory: String!
    var local: String { directory + "/node/m.sqlite" }
    var copy: String { directory + "/out/manifests/part-00000.sqlite" }
    var shards: String { directory + "/out/part-00000" }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-restore-\(UUID().uuidString)"
        for d in ["/node", "/out/manifests", "/out/part-00000"] {
            try FileManager.default.createDirectory(atPath: directory + d, withIntermediateDirectories: true)
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// Writes shard file `n` with some bytes and records it as sealed in `manifest`.
    func seal(_ n: Int, in manifest: ManifestDatabase, content: String) throws {
        let name = "shard.\(String(format: "%05d", n)).mds.zstd"
        try Data(content.utf8).write(to: URL(fileURLWithPath: shards + "/" + name))
        let (sha1, bytes) = try Digest.hexOfFile(shards + "/" + name, .sha1)
        try manifest.write { db in
            try db.execute(sql: """
                INSERT INTO shards (directory, shard_index, basename, samples, raw_bytes, raw_sha1, zip_bytes, zip_sha1, entry, lease_owner, sealed_at)
                VALUES (?, ?, ?, 1, 1, '', ?, ?, ?, 'test', 0)
                """, arguments: [shards, n, name, bytes, sha1, "{\"n\": \(n)}"])
        }
    }

    func testCopiesArePublishedAtomicallyAndRestoredWhereTheNodeHasNone() throws {
        XCTAssertEqual(try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards), .fresh)
        var manifest: ManifestDatabase? = try ManifestDatabase(path: local)
        try seal(0, in: manifest!, content: "zero")
        try manifest!.publishCopy(to: copy)
        // The copy is a manifest in rollback-journal mode, and no temporary is left.
        let copied = try ManifestDatabase(path: copy, readOnly: true)
        XCTAssertEqual(try copied.shards(in: shards).map(\.basename), ["shard.00000.mds.zstd"])
        XCTAssertEqual(try copied.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }, "delete")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/out/manifests"), ["part-00000.sqlite"])

        // A shard sealed after the copy, then the node is lost.
        try seal(1, in: manifest!, content: "one")
        manifest = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: local + suffix) }
        try Data("partial".utf8).write(to: URL(fileURLWithPath: copy.replacingOccurrences(of: "part-00000.sqlite", with: ".part-00000.sqlite.99.tmp")))

        XCTAssertEqual(try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards), .restored(staleSetAside: nil))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/out/manifests"), ["part-00000.sqlite"])
        let restored = try ManifestDatabase(path: local)
        try Data("x".utf8).write(to: URL(fileURLWithPath: shards + "/.shard.otherhost.123.abc.tmp"))
        let removed = try ManifestRestore.reconcile(shardDirectory: shards, manifest: restored)
        XCTAssertEqual(Set(removed), ["shard.00001.mds.zstd", ".shard.otherhost.123.abc.tmp"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shards).filter { !$0.hasPrefix(".index.lock") }.sorted(),
                       ["index.json", "shard.00000.mds.zstd"])
        let index = try String(contentsOfFile: shards + "/index.json", encoding: .utf8)
        XCTAssert(index.contains("\"n\": 0") || index.contains("\"n\":0"), index)
    }

    func testTheNodesOwnManifestIsKeptOnlyWhenItExtendsTheCopy() throws {
        var manifest: ManifestDatabase? = try ManifestDatabase(path: local)
        try seal(0, in: manifest!, content: "zero")
        try manifest!.publishCopy(to: copy)
        try seal(1, in: manifest!, content: "one")
        // Its shards after the copy's are on the output as recorded: kept.
        XCTAssertEqual(try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards), .local)
        manifest = nil

        // Meanwhile another node ran the partition from the copy and sealed another shard 1.
        let otherNode = directory + "/node2/m.sqlite"
        XCTAssertEqual(try ManifestRestore.prepare(local: otherNode, copy: copy, shardDirectory: shards), .restored(staleSetAside: nil))
        let other = try ManifestDatabase(path: otherNode)
        try ManifestRestore.reconcile(shardDirectory: shards, manifest: other)
        try seal(1, in: other, content: "another one")
        try other.publishCopy(to: copy)

        // Back on the first node: its shard 1 is not the output's any more, so the copy wins.
        guard case .restored(let aside?) = try ManifestRestore.prepare(local: local, copy: copy, shardDirectory: shards) else {
            return XCTFail("the stale local manifest was kept")
        }
        XCTAssert(FileManager.default.fileExists(atPath: aside))
        let chosen = try ManifestDatabase(path: local)
        XCTAssertEqual(try chosen.shards(in: shards).map(\.zipSha1), try other.shards(in: shards).map(\.zipSha1))
        XCTAssertEqual(try ManifestRestore.reconcile(shardDirectory: shards, manifest: chosen), [])
    }
}
