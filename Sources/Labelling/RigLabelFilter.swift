// The quality stage's rules for a rig clip's 3D labels (after MultiViewTrackFusion, whose
// agreement between views and trackers already removed the labels they dispute):
//  - unliftable: a query whose pixel has no smooth depth gets no 3D track at all;
//  - motion: a frame whose 3D position jumps from both neighbours' by more than
//    `jumpFactor` × the clip's median frame-to-frame motion (and more than `minJumpMetres`)
//    loses its label (a track that slid onto another surface for one frame);
//  - short-track: fewer than `minFrames` labelled frames of its own → the track is dropped.
//    Labels RigidGroupMotion filled from the neighbours' motion do not count: they extend a
//    track that stands on its own labels, never make one. On dev rig_02 (ops/bench/rigs.sh,
//    seed 11) the tracks with fewer than 12 own labels had a mean median error of 0.60 cm
//    with depth and 1.23 cm mixed (0.19-0.24 for the rest; one mixed track, filled far
//    from its 5 own labels, was 28 cm off): MTE 0.318 -> 0.287 with depth and 0.383 ->
//    0.275 mixed, recall within 5 cm (of the kept tracks' frames) 0.940 -> 0.964 and
//    0.951 -> 0.973 (Python check on the engine's shards).
// Its statistics also say how the kept labels were made (MultiViewTrackFusion's source):
// `labels_made` counts them (`depth`, `triangulated_K` from K views without depth, `rigid`
// filled from the neighbours' rigid motion: RigidGroupMotion) and
// `label_source` [T][N'] gives each one's code (0 none, 1 depth, K triangulated, 255 rigid), so a
// user can filter labels by the evidence behind them from the sample's meta.quality.
// Statistics follow LabelFilterStatistics' keys, so `status` sums both kinds of clip.

import Foundation
import Geometry

public struct RigLabelFilter {
    public var minFrames = 8
    public var jumpFactor: Float = 8
    public var minJumpMetres: Float = 0.05

    public init() {}

    public static let rules: [LabelRule] = [.unliftable, .motion, .shortTrack]

    public func filter(_ input: RigTracks3D, queryFrames: [Int]) -> (RigTracks3D, kept: [Int], statistics: [String: Any]) {
        var tracks = input
        let t = tracks.frames, n = tracks.points
        var removed = Dictionary(uniqueKeysWithValues: Self.rules.map { ($0.rawValue, 0) })
        let labelsIn = tracks.valid.filter { $0 }.count
        func position(_ f: Int, _ p: Int) -> SIMD3<Float> {
            let i = 3 * (f * n + p); return SIMD3(tracks.positions[i], tracks.positions[i + 1], tracks.positions[i + 2])
        }
        var steps: [Float] = []
        for p in 0..<n { for f in 1..<max(1, t) where tracks.valid[f * n + p] && tracks.valid[(f - 1) * n + p] {
            let d = position(f, p) - position(f - 1, p); steps.append((d * d).sum().squareRoot())
        } }
        let limit = JumpLimit(factor: jumpFactor, minimum: minJumpMetres).limit(steps: steps)
        var jumped: [Int] = []
        for p in 0..<n {
            for f in 1..<max(1, t - 1) where f != queryFrames[p] && tracks.valid[f * n + p] && tracks.valid[(f - 1) * n + p] && tracks.valid[(f + 1) * n + p] {
                let a = position(f, p) - position(f - 1, p), b = position(f, p) - position(f + 1, p)
                if (a * a).sum().squareRoot() > limit && (b * b).sum().squareRoot() > limit { jumped.append(f * n + p) }
            }
        }
        for i in jumped { clear(&tracks, i); removed[LabelRule.motion.rawValue, default: 0] += 1 }
        var kept: [Int] = []
        for p in 0..<n {
            let count = (0..<t).filter { tracks.valid[$0 * n + p] }.count
            if tracks.unliftable[p] { continue }
            // Labels filled from the neighbours' motion are not the track's own evidence.
            let own = (0..<t).filter { tracks.valid[$0 * n + p] && tracks.source[$0 * n + p] != RigTracks3D.rigidSource }.count
            if ShortTrackRule(minFrames: minFrames).drops(labelledFrames: own) { removed[LabelRule.shortTrack.rawValue, default: 0] += count; continue }
            kept.append(p)
        }
        removed[LabelRule.unliftable.rawValue] = (0..<n).filter { tracks.unliftable[$0] }.count
        var out = RigTracks3D(frames: t, points: kept.count, views: tracks.views)
        for f in 0..<t {
            for (k, p) in kept.enumerated() {
                let i = f * n + p, o = f * kept.count + k
                for c in 0..<3 { out.positions[3 * o + c] = tracks.positions[3 * i + c] }
                out.valid[o] = tracks.valid[i]; out.confidence[o] = tracks.confidence[i]; out.source[o] = tracks.valid[i] ? tracks.source[i] : 0
            }
        }
        for v in 0..<tracks.views {
            for f in 0..<t {
                for (k, p) in kept.enumerated() {
                    let i = (v * t + f) * n + p, o = (v * t + f) * kept.count + k
                    out.viewPositions[2 * o] = tracks.viewPositions[2 * i]; out.viewPositions[2 * o + 1] = tracks.viewPositions[2 * i + 1]
                    out.viewVisible[o] = tracks.viewVisible[i]
                }
            }
        }
        let labelsOut = out.valid.filter { $0 }.count
        var visibleOut = 0
        for f in 0..<t { for k in 0..<kept.count where out.valid[f * kept.count + k] {
            if (0..<out.views).contains(where: { out.viewVisible[($0 * t + f) * kept.count + k] }) { visibleOut += 1 }
        } }
        let statistics: [String: Any] = [
            "tracks_in": n, "tracks_out": kept.count, "labels_in": labelsIn, "labels_out": labelsOut,
            "visible_out": visibleOut, "occluded_out": labelsOut - visibleOut, "labels_removed": removed,
            "tracks_removed": n - kept.count, "kind": "rig", "labels_made": Self.made(out.source),
            "label_source": (0..<t).map { f in Array(out.source[(f * kept.count)..<((f + 1) * kept.count)]).map(Int.init) },
        ]
        return (out, kept, statistics)
    }

    /// The kept labels by how they were made: `depth`, `triangulated_K` (K views), `rigid`.
    static func made(_ source: [UInt8]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for s in source where s > 0 {
            counts[s == 1 ? "depth" : s == RigTracks3D.rigidSource ? "rigid" : "triangulated_\(s)", default: 0] += 1
        }
        return counts
    }

    private func clear(_ tracks: inout RigTracks3D, _ i: Int) {
        tracks.valid[i] = false; tracks.confidence[i] = 0; tracks.source[i] = 0
        let t = tracks.frames, n = tracks.points, f = i / n, p = i % n
        for v in 0..<tracks.views { tracks.viewVisible[(v * t + f) * n + p] = false }
    }
}
