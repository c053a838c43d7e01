// The full tracker's pass over a rig clip (depth and/or several calibrated cameras):
//  1. the checking tracker tracks every query in its own view too (two trackers of
//     different families, as for a video's clip); and each query is lifted at its query
//     frame with its view's depth, projected into every other view with depth, and where
//     that view sees it (depth test) it becomes a query there too, tracked by the checker in
//     that view's frames; so a point hidden from its own camera is still followed by the
//     cameras that see it;
//  2. MultiViewTrackFusion lifts every view's visible 2D labels, keeps the positions the
//     views agree on, refines them against the fused cloud (kNN) and decides visibility in
//     every view by its depth.
// The query's own view keeps the drawn teacher's labels; the other views' come from the
// checker (another family, by FullTrackerConfiguration.checker), so agreement between
// views is also agreement between trackers.

import Foundation
import Geometry
import Teachers

struct RigFullTracker {
    var fusion: MultiViewTrackFusion
    var tracker: Teacher

    func run(views clipViews: [ClipView], clipId: String, queries: [TeacherQuery], queryViews: [Int],
             teacherLabels: TeacherTracks) throws -> RigTracks3D {
        let frames = clipViews[0].grey.count, n = queries.count
        let views = try clipViews.map { view -> RigViewFrames in
            guard let cameras = view.cameras else { throw PipelineError.invalid(path: clipId, message: "view \(view.name) has no calibration") }
            return RigViewFrames(cameras: cameras, depth: view.depth, width: view.grey[0].width, height: view.grey[0].height)
        }
        // Per view: the teacher's tracks, the checker's tracks of the same queries, the
        // checker's tracks of the other views' queries.
        var tracks = views.indices.flatMap { v in (0..<3).map { _ in RigViewTracks(view: v, frames: frames, points: n) } }
        let checked = try ViewwiseTracking.track(tracker, views: clipViews, clipId: clipId, queries: queries, queryViews: queryViews)
        for p in 0..<n {
            let home = queryViews[p]
            for (slot, labels) in [(0, teacherLabels), (1, checked)] {
                for t in 0..<frames {
                    let i = t * n + p
                    tracks[3 * home + slot].valid[i] = labels.valid[i]
                    tracks[3 * home + slot].visible[i] = labels.visible[i]
                    let position = labels.position(t: t, n: p)
                    tracks[3 * home + slot].positions[2 * i] = position.x; tracks[3 * home + slot].positions[2 * i + 1] = position.y
                }
            }
        }
        // Queries seen from the other views.
        var secondary: [TeacherQuery] = [], secondaryViews: [Int] = [], secondaryPoints: [Int] = []
        for (p, q) in queries.enumerated() {
            let home = queryViews[p]
            guard let world = MultiViewTrackFusion.lift(views[home], t: q.t, x: Double(q.x), y: Double(q.y)) else { continue }
            for (w, view) in views.enumerated() where w != home {
                guard let depth = view.depth?[q.t] else { continue }
                let (pixel, z) = view.cameras[q.t].project(world)
                guard z > 0, pixel.x >= 0, pixel.y >= 0, pixel.x <= Double(view.width - 1), pixel.y <= Double(view.height - 1),
                      let measured = depth.depthNear(x: pixel.x, y: pixel.y),
                      abs(Double(measured) - z) <= Double(fusion.configuration.visibilityMetres) + Double(fusion.configuration.visibilityRelative) * z
                else { continue }
                secondary.append(TeacherQuery(t: q.t, x: Float(pixel.x), y: Float(pixel.y), sigma: q.sigma))
                secondaryViews.append(w); secondaryPoints.append(p)
            }
        }
        if !secondary.isEmpty {
            let labels = try ViewwiseTracking.track(tracker, views: clipViews, clipId: clipId, queries: secondary, queryViews: secondaryViews)
            for (s, p) in secondaryPoints.enumerated() {
                let w = 3 * secondaryViews[s] + 2
                for t in 0..<frames {
                    let i = t * n + p, j = t * secondary.count + s
                    tracks[w].valid[i] = labels.valid[j]
                    tracks[w].visible[i] = labels.visible[j]
                    let position = labels.position(t: t, n: s)
                    tracks[w].positions[2 * i] = position.x; tracks[w].positions[2 * i + 1] = position.y
                }
            }
        }
        return fusion.fuse(views: views, tracks: tracks, queries: queries.map { (t: $0.t, x: $0.x, y: $0.y) },
                           queryView: queryViews, frames: frames)
    }
}
