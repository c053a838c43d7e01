import Geometry
import Labelling
import XCTest

/// RigLabelFilter's short-track rule counts a 3D track's own labels: labels RigidGroupMotion
/// filled from its neighbours' motion extend a track, they do not make one.
final class RigLabelFilterTests: XCTestCase {
    func testFilledLabelsDoNotCountTowardsTheShortTrackRule() {
        let frames = 16, n = 3
        var tracks = RigTracks3D(frames: frames, points: n, views: 1)
        // Point 0: 12 own labels. Point 1: 8 own + 8 filled. Point 2: 12 own + 4 filled.
        let own = [12, 8, 12], filled = [0, 8, 4]
        for p in 0..<n { for t in 0..<(own[p] + filled[p]) {
            let i = t * n + p
            tracks.valid[i] = true; tracks.confidence[i] = 1
            tracks.source[i] = t < own[p] ? 1 : RigTracks3D.rigidSource
            tracks.positions[3 * i] = Float(p) + 0.001 * Float(t)   // a slow, steady motion
        } }
        var filter = RigLabelFilter()
        filter.minFrames = 12
        let (out, kept, statistics) = filter.filter(tracks, queryFrames: [0, 0, 0])
        XCTAssertEqual(kept, [0, 2], "a track of 16 labels, half of them filled, has 8 of its own")
        XCTAssertEqual(out.valid.filter { $0 }.count, 12 + 16)
        XCTAssertEqual((statistics["labels_removed"] as? [String: Int])?["short-track"], 16)
        XCTAssertEqual(statistics["labels_made"] as? [String: Int], ["depth": 24, "rigid": 4])
    }
}
