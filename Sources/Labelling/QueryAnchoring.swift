// Query anchoring: moves each visible label of a kept track to where its query patch
// matches best close by, so that the labels do not drift. Both trackers of a clip are
// chained frame to frame (Lucas–Kanade, dense flow), and where an object turns or changes
// scale they drift together, a little each frame: agreement cannot see it, and labels far
// along a track from the query end 2–4 pixels (at 256) off. Matching always against the
// query patch itself accumulates no drift (the template teacher's anchor, and Shi & Tomasi's
// "Good Features to Track", CVPR 1994, which monitor a feature against its first
// appearance under an affine warp).
//
// Each track is walked outwards from its query, in both directions. At each visible label
// the query patch is searched by ZNCC (TemplateSearch) within ±`search` pixels of the label
// moved by the correction found at the previous label, under the similarity warp found
// there and its four neighbours (rotation ± `rotationStep`, scale ×/÷ `scaleStep`). Where the
// best match scores at least `minPeak`, the label moves to it (subpixel) and its warp is
// kept for the next label; elsewhere the label stays as the trackers put it.
//
// Defaults: a 15×15 patch (the quality stage's appearance patch), ±2 pixels, 0.1 rad and
// 2^(1/8) steps (the template teacher's), `minPeak` 0.8. Measured on ../shared/bench's
// layers sequences with the default pipeline: the visible labels within 2 px (at 256) went
// from 0.985 to 0.992 on the tune set and from 0.985 to 0.990 on the held-out set, those
// within 1 px from 0.93 to 0.98, recall_4 unchanged, for about 8% more CPU per clip. The
// labels it corrects are mostly on moving objects, which turn and change scale.

import Foundation
import Imaging
import Teachers

public struct QueryAnchoring: Sendable, Equatable {
    /// Half-size of the query patch.
    public var radius = 7
    /// Pixels searched either side of the predicted position.
    public var search = 2
    /// The least ZNCC of a match that moves a label.
    public var minPeak: Float = 0.8
    /// The warps the query patch is seen through (the template teacher's grid).
    public var warps = SimilarityWarps()
    public init() {}

    /// Anchors `labels` ([T, N]: the kept tracks, whose queries are `queries`) on `frames`.
    /// Returns how many labels moved.
    @discardableResult
    public func anchor(_ labels: inout TeacherTracks, queries: [TeacherQuery], frames: [GreyImage]) -> Int {
        precondition(queries.count == labels.points && frames.count == labels.frames)
        let t = labels.frames, n = labels.points
        let searcher = TemplateSearch(radius: search, levels: 0)
        var moved = 0
        for p in 0..<n {
            let q = queries[p]
            var templates: [SIMD2<Int32>: QueryTemplate] = [:]
            func template(_ w: SIMD2<Int32>) -> QueryTemplate {
                if let cached = templates[w] { return cached }
                let made = warps.template([frames[q.t]], point: SIMD2(q.x, q.y), radius: radius, warp: w)
                templates[w] = made
                return made
            }
            guard template(.zero).isTextured else { continue }
            for direction in [1, -1] {
                var warp = SIMD2<Int32>.zero
                var correction = SIMD2<Float>.zero
                var f = q.t + direction
                while f >= 0 && f < t {
                    defer { f += direction }
                    let i = f * n + p
                    guard labels.valid[i] && labels.visible[i] else { continue }
                    let tried = warps.neighbourhood(of: warp, steps: SimilarityWarps.axisNeighbours)
                    let label = SIMD2(labels.tracks[2 * i], labels.tracks[2 * i + 1])
                    guard let m = searcher.match(tried.map(template), in: [frames[f]], around: label + correction),
                          m.peak >= minPeak else { continue }
                    warp = tried[m.version]
                    correction = m.position - label
                    labels.tracks[2 * i] = m.position.x
                    labels.tracks[2 * i + 1] = m.position.y
                    moved += 1
                }
            }
        }
        return moved
    }
}
