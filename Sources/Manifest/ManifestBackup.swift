// A consistent copy of a live manifest, published atomically: SQLite's online backup
// (sqlite3_backup, one step, so the copy is one snapshot while workers keep writing)
// into a temporary file beside the destination, switched to a rollback journal (readers
// of the copy write nothing beside it), fsynced, renamed over the destination, and the
// directory fsynced. A crash at any moment leaves either the previous copy or the new
// one, plus at worst a temporary file that the next publish removes. The destination may
// be on a network file system: only one process writes it, and nobody writes the copy.

import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

extension ManifestDatabase {
    /// Publishes a copy of the manifest at `destination` (replacing the previous one).
    public func publishCopy(to destination: String) throws {
        let directory = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        let temporary = "\(directory)/.\(name).\(getpid()).tmp"
        unlink(temporary)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            let copy = try DatabaseQueue(path: temporary, configuration: configuration)
            try queue.backup(to: copy)
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            try Self.fsync(path: temporary, directory: false)
        } catch {
            unlink(temporary)
            throw ManifestError.invalid("\(destination): cannot write the manifest copy: \(error)")
        }
        guard rename(temporary, destination) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw ManifestError.invalid("\(destination): cannot publish the manifest copy: \(message)")
        }
        try? Self.fsync(path: directory, directory: true)
    }

    /// Removes the temporary files of interrupted publishes of `destination`: regular
    /// files named `.NAME.<pid>.tmp` as publishCopy names them, nothing else.
    public static func removeCopyTemporaries(of destination: String) {
        let directory = (destination as NSString).deletingLastPathComponent
        let prefix = "." + (destination as NSString).lastPathComponent + ".", suffix = ".tmp"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix(prefix) && name.hasSuffix(suffix) && name.count > prefix.count + suffix.count {
            let pid = name.dropFirst(prefix.count).dropLast(suffix.count)
            var info = stat()
            guard pid.allSatisfy({ $0.isASCII && $0.isNumber }), lstat(directory + "/" + name, &info) == 0,
                  (info.st_mode & S_IFMT) == S_IFREG else { continue }
            unlink(directory + "/" + name)
        }
    }

    static func fsync(path: String, directory: Bool) throws {
        let descriptor = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC)
        guard descriptor >= 0 else { throw ManifestError.invalid("\(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        if Glibc.fsync(descriptor) != 0 && !directory {
            throw ManifestError.invalid("\(path): fsync: \(String(cString: strerror(errno)))")
        }
    }
}
