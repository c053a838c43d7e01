// Reading the small text files a user hands the engine (rig.json, pipeline YAML,
// @list.txt): only a regular file is read, never a FIFO, a device or a socket (a FIFO
// would block the read forever, /dev/zero would never end), and never more than a bound
// (a file larger than its kind can be is refused before it is read into memory). The
// file is opened without blocking and checked on the open descriptor (fstat), so it
// cannot be swapped for a FIFO between the check and the read.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum RegularFile {
    public enum ReadError: Error, Equatable, CustomStringConvertible {
        case cannotOpen(String)
        case notRegular(String)
        case tooLarge(bytes: Int64, limit: Int)
        case readFailed(String)
        public var description: String {
            switch self {
            case .cannotOpen(let why): return "cannot read the file (\(why))"
            case .notRegular(let kind): return "not a regular file (\(kind)); only regular files are read"
            case .tooLarge(let bytes, let limit): return "the file has \(bytes) bytes, more than the limit of \(limit)"
            case .readFailed(let why): return "cannot read the file (\(why))"
            }
        }
    }

    /// What kind of file `path` is (following symlinks), or nil when it is a regular file.
    /// Never opens the file, so it never blocks.
    public static func irregularity(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }   // missing: the caller's own error says so
        return kindName(info.st_mode)
    }

    static func kindName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// The bytes of the regular file `path`, at most `maximumBytes`.
    public static func read(_ path: String, maximumBytes: Int) throws -> Data {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadError.cannotOpen(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ReadError.readFailed(String(cString: strerror(errno))) }
        if let kind = kindName(info.st_mode) { throw ReadError.notRegular(kind) }
        guard info.st_size <= maximumBytes else { throw ReadError.tooLarge(bytes: Int64(info.st_size), limit: maximumBytes) }
        var data = Data(count: Int(info.st_size))
        var total = 0
        var failure: String? = nil
        data.withUnsafeMutableBytes { buffer in
            while total < buffer.count {
                let n = Glibc.read(descriptor, buffer.baseAddress! + total, buffer.count - total)
                if n < 0 { if errno == EINTR { continue }; failure = String(cString: strerror(errno)); return }
                if n == 0 { break }
                total += n
            }
        }
        if let failure { throw ReadError.readFailed(failure) }
        return data.prefix(total)
    }
}
