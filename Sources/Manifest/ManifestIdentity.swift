// What makes a file a PseudoTrack manifest, checked before anything is written to it. A
// manifest is often given by path on a command line, and a wrong path must not turn
// somebody else's SQLite database into a manifest (ten tables added, WAL switched on) or
// be rewritten as one when it is not SQLite at all (issue 17, finding 8).
//
// Accepted: no file, an empty file, a SQLite database with no schema and no header
// marks, a database whose header carries PseudoTrack's application_id (set by migration
// 0006), and a manifest made before 0006 (application_id 0, PseudoTrack's first migration
// recorded in grdb_migrations, and its tasks table). Anything else is refused, naming the
// file. The check reads only: the header bytes, then an immutable read-only connection.

import Foundation
import GRDB

enum ManifestIdentity {
    /// PRAGMA application_id of a manifest: "PTRK" (0x5054524B), set by 0006_application_id.sql.
    static let applicationID: Int32 = 0x5054_524B
    static let sqliteMagic = Array("SQLite format 3\0".utf8)

    /// Throws ManifestError.incompatible unless `path` is absent, empty, or may be opened as a manifest.
    static func check(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue { throw ManifestError.incompatible(path: path, message: "a directory, not a manifest file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ManifestError.incompatible(path: path, message: "cannot be read")
        }
        let header = [UInt8]((try? handle.read(upToCount: 100)) ?? Data())
        try? handle.close()
        if header.isEmpty { return }
        guard header.count == 100, Array(header.prefix(16)) == sqliteMagic else {
            throw ManifestError.incompatible(path: path, message: "not a SQLite database; give a new file name or an existing manifest")
        }
        // Bytes 68-71 of the header: the application_id, big-endian.
        let headerID = Int32(bitPattern: header[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        if headerID == applicationID { return }
        var configuration = Configuration()
        configuration.readonly = true
        let facts: (applicationID: Int32, userVersion: Int32, tables: Set<String>, migrations: Set<String>)
        do {
            let queue = try DatabaseQueue(path: try ReadOnlyOpening.sqliteName(for: path, preferImmutable: true),
                                          configuration: configuration)
            facts = try queue.read { db in
                let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"))
                let migrations = tables.contains("grdb_migrations")
                    ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : []
                return (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                        try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0, tables, migrations)
            }
            try queue.close()
        } catch let error as ManifestError {
            throw error
        } catch {
            throw ManifestError.incompatible(path: path, message: "cannot be read as SQLite: \(error)")
        }
        if facts.applicationID == applicationID { return }
        if facts.applicationID != 0 {
            throw ManifestError.incompatible(path: path, message: String(format: "a SQLite database of another program (application_id 0x%08X); PseudoTrack writes only into its own manifests", UInt32(bitPattern: facts.applicationID)))
        }
        if facts.tables.isEmpty && facts.userVersion == 0 { return }
        if facts.migrations.contains("0001_initial") && facts.tables.contains("tasks") { return }
        let names = facts.tables.sorted().prefix(5).joined(separator: ", ") + (facts.tables.count > 5 ? ", …" : "")
        throw ManifestError.incompatible(path: path, message: """
            a SQLite database that is not a PseudoTrack manifest (\(facts.tables.count) table(s): \(names)); \
            PseudoTrack writes only into its own manifests, so give a new file name
            """)
    }
}
