// Keeps a rig's paths inside its directory. rig.json is data: a video or depth path that
// is absolute, climbs out with `..`, or reaches outside through a symlink would make the
// engine read (and put into training shards) files that are not the rig's. A path is
// refused when it is absolute or has a `..` component, and, once the file exists, when
// its real path (symlinks resolved, realpath(3)) is not inside the real path of the rig
// directory. `pseudotrack ingest --allow-outside-rig-paths` turns the check off.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct RigPathConfinement {
    let directory: String
    /// The rig directory's real path, or the path itself when it cannot be resolved.
    let root: String

    init(directory: String) {
        self.directory = directory
        root = Self.realPath(directory) ?? directory
    }

    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Why `relative` (as rig.json gives it) may not be used, or nil.
    func problem(_ relative: String, what: String) -> String? {
        if relative.hasPrefix("/") {
            return "\(what) path '\(relative)' is absolute; rig paths must stay inside the rig directory (--allow-outside-rig-paths to allow)"
        }
        if relative.split(separator: "/").contains("..") {
            return "\(what) path '\(relative)' leaves the rig directory with '..' (--allow-outside-rig-paths to allow)"
        }
        // The deepest part of the path without a pattern placeholder that exists must resolve inside.
        var probe = relative
        if probe.contains("%") { probe = (probe as NSString).deletingLastPathComponent }
        guard !probe.isEmpty else { return nil }
        return escape(directory + "/" + probe, what: what, shown: relative)
    }

    /// Why the existing file `path` may not be read (it resolves outside the rig), or nil.
    func escape(_ path: String, what: String, shown: String? = nil) -> String? {
        guard let real = Self.realPath(path) else { return nil }   // missing: reported as missing later
        if real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/") { return nil }
        return "\(what) path '\(shown ?? path)' resolves to \(real), outside the rig directory (a symlink; --allow-outside-rig-paths to allow)"
    }
}
