// The SQLite manifest that coordinates a labelling run: one file, opened by every worker
// process on a host. WAL journal (readers never block the writer), a busy timeout (a
// writer waits for another instead of failing), and every write in BEGIN IMMEDIATE, so
// two workers never both read a task as free and then both take it. Nothing is written
// to a file that is not a manifest (ManifestIdentity, checked before the WAL switch), a
// read-only open writes nothing beside the file (ReadOnlyOpening), and a writable open
// closes the runs whose process is gone without recording how they ended (RunRecord).

import Foundation
import GRDB

public final class ManifestDatabase: @unchecked Sendable {
    public let path: String
    let queue: DatabaseQueue

    /// Opens (creating if needed) the manifest at `path` and brings its schema up to date.
    /// Refuses a manifest on a network file system unless PSEUDOTRACK_ALLOW_NETWORK_FS=1, and
    /// a file that is not a manifest (not SQLite, or somebody else's database).
    public convenience init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = 120) throws {
        if !readOnly, ProcessInfo.processInfo.environment["PSEUDOTRACK_ALLOW_NETWORK_FS"] != "1",
           let kind = NetworkFileSystem.kind(of: path) {
            throw ManifestError.networkFileSystem(path: path, kind: kind)
        }
        var configuration = Self.configuration(readOnly: readOnly, busyTimeout: busyTimeout)
        if !readOnly { configuration.journalMode = .wal }
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw ManifestError.invalid("\(path): no such manifest")
        }
        // Before anything is written (the WAL switch included): is this file ours?
        try ManifestIdentity.check(path: path)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: readOnly ? try ReadOnlyOpening.sqliteName(for: path) : path, configuration: configuration)
        } catch let error as ManifestError { throw error } catch {
            throw ManifestError.incompatible(path: path, message: "\(error)")
        }
        try self.init(path: path, queue: queue, readOnly: readOnly)
    }

    /// A new manifest in memory (SQLite's own in-memory database, through GRDB's
    /// DatabaseQueue), gone with the object: the schema, statements and transactions of a
    /// file's, without the file (so without WAL, and `path` is ":memory:"). The manifest
    /// tests run against it as well as against files.
    public static func inMemory() throws -> ManifestDatabase {
        let queue = try DatabaseQueue(configuration: configuration(readOnly: false, busyTimeout: 120))
        return try ManifestDatabase(path: ":memory:", queue: queue, readOnly: false)
    }

    /// Foreign keys on, a busy timeout, and synchronous = NORMAL (safe with WAL).
    private static func configuration(readOnly: Bool, busyTimeout: TimeInterval) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// Checks (read-only) or brings up to date (writable) the schema of the database in `queue`.
    private init(path: String, queue: DatabaseQueue, readOnly: Bool) throws {
        self.path = path
        self.queue = queue
        let migrator = try ManifestSchema.migrator()
        if readOnly {
            let applied: Set<String>, superseded: Bool
            do {
                (applied, superseded) = try queue.read { (try migrator.appliedIdentifiers($0), try migrator.hasBeenSuperseded($0)) }
            } catch {
                throw ManifestError.incompatible(path: path, message: "cannot be read: \(error)")
            }
            if applied.isEmpty { throw ManifestError.incompatible(path: path, message: "no PseudoTrack schema") }
            if superseded { throw ManifestError.incompatible(path: path, message: "written by a newer PseudoTrack; upgrade the engine") }
        } else {
            do {
                if try queue.read({ try migrator.hasBeenSuperseded($0) }) {
                    throw ManifestError.incompatible(path: path, message: "written by a newer PseudoTrack; upgrade the engine")
                }
                try migrator.migrate(queue)
            } catch let error as ManifestError { throw error } catch {
                throw ManifestError.incompatible(path: path, message: "\(error)")
            }
            try closeRunsOfGoneProcesses()
        }
    }

    /// Runs `body` in a BEGIN IMMEDIATE transaction: it holds the write lock from the start.
    @discardableResult
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.read(body)
    }

    /// Applied schema migrations, in order.
    public func schemaVersions() throws -> [String] {
        try queue.read { db in try ManifestSchema.migrator().appliedMigrations(db) }
    }
}
