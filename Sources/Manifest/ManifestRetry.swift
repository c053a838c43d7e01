// Which database errors may pass on another attempt: SQLite busy or locked (another writer
// held the database longer than the busy timeout), an I/O error or a full disk (the
// operator can make room; the task is given another attempt later). Other SQLite errors
// (a constraint, a malformed database) come back the same every time.

import GRDB

extension ManifestDatabase {
    /// Whether `error` is a database error that may pass on another attempt.
    public static func mayPassOnRetry(_ error: Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL].contains(error.resultCode.primaryResultCode)
    }
}
