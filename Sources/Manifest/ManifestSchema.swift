// The manifest schema: the SQL migrations in Manifests/migrations (shipped as this
// module's resources), applied in file-name order by GRDB's DatabaseMigrator. A
// migration is never edited once shipped; the schema changes by adding the next file.

import Foundation
import GRDB

enum ManifestSchema {
    /// The migrations, as (identifier, SQL), sorted by identifier ("0001_initial", …).
    static func migrations() throws -> [(String, String)] {
        let directory = Bundle.module.resourceURL
        let files = ((try? directory.map { try FileManager.default.contentsOfDirectory(at: $0, includingPropertiesForKeys: nil) }) ?? [])?
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent } ?? []
        guard !files.isEmpty else {
            throw ManifestError.invalid("the manifest migrations are missing from the installation (Manifest resources)")
        }
        return try files.map { ($0.deletingPathExtension().lastPathComponent, try String(contentsOf: $0, encoding: .utf8)) }
    }

    static func migrator() throws -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (identifier, sql) in try migrations() {
            migrator.registerMigration(identifier) { db in try db.execute(sql: sql) }
        }
        return migrator
    }
}
