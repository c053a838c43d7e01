// The largest clip a manifest holds, for estimating a worker's memory before a run: the
// most stored pixels of one frame of any clip, and the most views of any source (1 for a
// video, the cameras of a rig).

import GRDB

public struct LargestClip: Equatable, Sendable {
    /// The largest stored width × height of a clip (0 when there are none).
    public var storedPixels: Int
    /// The most videos of one source (1 when there are none).
    public var views: Int
}

extension ManifestDatabase {
    public func largestClip() throws -> LargestClip {
        try read { db in
            LargestClip(storedPixels: try Int.fetchOne(db, sql: "SELECT MAX(stored_width * stored_height) FROM clips") ?? 0,
                        views: try Int.fetchOne(db, sql: "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM videos GROUP BY source_id)") ?? 1)
        }
    }
}
