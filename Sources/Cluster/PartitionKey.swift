// Which partition a corpus entry belongs to, computed by every node alone. The key is a
// content fingerprint, so that the same content under two paths falls in one partition,
// where ingest's duplicate detection labels it once: SHA-256 of the file's size and its
// first 4 KiB (one stat and one small read per file on each node, instead of hashing the
// whole corpus everywhere; files that only share a size and a start merely share a
// partition). A rig directory's key is its rig.json's. An entry that cannot be read keys
// on its path, so it is recorded failed by exactly one partition. The partition is the
// key's first 8 bytes modulo the count: uniform, and independent of the entry's position
// in the list, so adding files to a corpus moves none of the others.

import Checksums
import Foundation

public enum PartitionKey {
    /// Bytes of the file's start that enter the key.
    public static let headBytes = 4096

    /// The partition of `path` among `count`.
    public static func partition(of path: String, count: Int) -> Int {
        Int(key(of: path) % UInt64(count))
    }

    /// The 64-bit content key of `path` (a video file or a rig directory).
    public static func key(of path: String) -> UInt64 {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let file = exists && isDirectory.boolValue ? path + "/rig.json" : path
        let digest = Digest(.sha256)
        if let (size, head) = sizeAndHead(file) {
            digest.update(Array("content \(size)\n".utf8))
            digest.update(head)
        } else {
            digest.update(Array("path \(path)\n".utf8))
        }
        let hex = digest.finalizeHex()
        return UInt64(hex.prefix(16), radix: 16)!
    }

    static func sizeAndHead(_ path: String) -> (Int64, [UInt8])? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var head = [UInt8](repeating: 0, count: headBytes)
        var filled = 0
        while filled < headBytes {
            let n = head.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, headBytes - filled) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            filled += n
        }
        return (Int64(info.st_size), Array(head.prefix(filled)))
    }
}
