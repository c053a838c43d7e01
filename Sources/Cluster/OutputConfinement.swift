// What a partition task may read and remove in the shared output. OUT is shared, and its
// contents — the partition directories, the manifest copies, the files in them — may have
// been put there by someone else, or come with a copied manifest. A task restoring its
// partition removes files, so it holds to this:
//   - OUT/part-NNNNN and OUT/manifests must be directories themselves, not symbolic links
//     (to another data set's shards, say): the task refuses to start otherwise;
//   - a manifest copy must be a regular file, read without following a link;
//   - only files named as this engine names them are removed — shard.NNNNN.mds.zstd (five
//     or more digits), its temporaries .shard|.index.<host>.<pid>.<nonce>.tmp — and only
//     regular files: a link, a directory or a file of any other name is left alone;
//   - a sealed shard a manifest records must have such a name: a basename that leaves the
//     directory ("../x", "/etc/x") makes the manifest unusable here, and nothing is read.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum OutputConfinement {
    /// Throws unless `path` is absent or a directory itself (not a link to one).
    static func requireOwnDirectory(_ path: String, role: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFLNK {
            throw PartitionError.invalid("\(path): \(role) is a symbolic link; it must be a directory of its own in the output, so that nothing outside it is read or removed (replace the link by a directory)")
        }
        guard kind == S_IFDIR else { throw PartitionError.invalid("\(path): \(role) is not a directory") }
    }

    /// True when `path` is a regular file (lstat: a link to one is not).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// True when `path` exists as anything, a dangling link included.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// `shard.NNNNN.mds.zstd`, as MDSIndexEntry names a shard (five digits, more past 99999).
    static func isShardName(_ name: String) -> Bool {
        let prefix = "shard.", suffix = ".mds.zstd"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return false }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        return digits.count >= 5 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `.shard.<host>.<pid>.<nonce>.tmp` or `.index.<host>.<pid>.<nonce>.tmp`, as MDSDirectory names its temporaries.
    static func isTemporaryName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "shard" || parts[1] == "index", parts[5] == "tmp",
              !parts[2].isEmpty, !parts[3].isEmpty, parts[3].allSatisfy({ $0.isASCII && $0.isNumber }),
              !parts[4].isEmpty, parts[4].allSatisfy({ $0.isHexDigit }) else { return false }
        return true
    }
}
