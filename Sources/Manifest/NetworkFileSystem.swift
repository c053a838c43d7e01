// Detects manifests on network file systems. SQLite's locking, and the shared memory
// that WAL mode needs, are unreliable over NFS, SMB/CIFS and parallel cluster file
// systems (https://www.sqlite.org/lockingv3.html#how_to_corrupt, "Things that can go
// wrong"); several writers there can corrupt the manifest silently. The file system
// is identified by statfs's magic number, as Linux's statfs(2) lists them.

import CPlatform
import Foundation

public enum NetworkFileSystem {
    /// Magic numbers of network and cluster file systems (Linux statfs f_type).
    static let magicNames: [Int64: String] = [
        0x6969: "NFS",
        0x517B: "SMB",
        0xFF53_4D42: "CIFS",
        0xFE53_4D42: "SMB2",
        0x0BD0_0BD0: "Lustre",
        0x4750_4653: "GPFS",
        0x00C3_6400: "CephFS",
        0x0102_1997: "9P",
        0x5346_414F: "AFS",
        0x6B41_4653: "kAFS",
        0x6573_5546: "FUSE (sshfs, GlusterFS, s3fs, …)",
        0x0000_7461_636F: "OCFS2",
        0x1983_0326: "BeeGFS",
    ]

    /// The name of the network file system holding `path` (or its nearest existing
    /// parent), or nil for a local one.
    public static func kind(of path: String) -> String? {
        var probe = URL(fileURLWithPath: path).standardizedFileURL
        while !FileManager.default.fileExists(atPath: probe.path) && probe.path != "/" {
            probe.deleteLastPathComponent()
        }
        let magic = pt_filesystem_magic(probe.path)
        return magic < 0 ? nil : name(forMagic: Int64(magic))
    }

    static func name(forMagic magic: Int64) -> String? {
        magicNames[magic & 0xFFFF_FFFF] ?? magicNames[magic]
    }
}
