// The full tracker's pass over a rig clip (depth and/or several calibrated cameras):
//  1. cross-view tracking: the checking tracker (another family than the drawn teacher,
//     FullTrackerConfiguration.checker) tracks every query in its own view too, so each
//     2D label there has two trackers behind it; each query is placed in 3D at its query
//     frame (lifted with its view's depth, or, in a view without depth, found in the
//     other views by guided SIFT matching along its epipolar lines and triangulated:
//     EpipolarCorrespondence, Triangulation; where fewer than three views found it,
//     searched along its ray near its placed neighbours' surface by patch correlation
//     through that surface's homography: SurfacePropagation; two views alone never place
//     a query, since two rays always meet whatever the match), and every other view that
//     sees it there (depth test; without depth, the views that found it) tracks it from
//     that frame
//     with both the checker and the drawn teacher (when native); so a point hidden from
//     its own camera is still followed by the cameras that see it. (A second round,
//     seeding views that see a point's fused position only later, cost 60% more time for
//     no recall on ../shared/bench rigs, and is not done.)
//  2. MultiViewTrackFusion lifts every tracker's visible 2D labels in every view,
//     triangulates those of views without depth, keeps the positions at least two agree
//     on, refines them against the fused cloud (kNN) and decides visibility in every view
//     by its depth.

import Foundation
import Geometry
import Teachers

public struct RigFullTracker {
    public var fusion: MultiViewTrackFusion
    public var tracker: Teacher
    /// The drawn teacher, when it is native: it also tracks the points in the other views.
    public var teacher: Teacher?
    /// The surface a query's placed neighbours lie on.
    public var neighbourhood = AnchorNeighbourhood()
    /// How queries no match placed are placed from their neighbours' surface.
    var propagation = SurfacePropagation()

    public init(fusion: MultiViewTrackFusion, tracker: Teacher, teacher: Teacher?) {
        self.fusion = fusion; self.tracker = tracker; self.teacher = teacher
    }

    public func run<View: TrackedView>(views clipViews: [View], clipId: String, queries: [TeacherQuery], queryViews: [Int],
             teacherLabels: TeacherTracks) throws -> RigTracks3D {
        let frames = clipViews[0].grey.count, n = queries.count
        let views = try clipViews.map { view -> RigViewFrames in
            guard let cameras = view.cameras else { throw LabellingError.uncalibratedView(clip: clipId, view: view.name) }
            return RigViewFrames(cameras: cameras, depth: view.depth, width: view.grey[0].width, height: view.grey[0].height)
        }
        // Per view, two sources: the teacher's tracks and the checker's, of the view's own
        // queries and of other views' points seen from it.
        var tracks = views.indices.flatMap { v in (0..<2).map { _ in RigViewTracks(view: v, frames: frames, points: n) } }
        copy(teacherLabels, points: Array(0..<n), into: &tracks, slots: queryViews.map { 2 * $0 })
        // The checker on every query in its own view, and on each query in the
        // other views that see it at its query frame (by their depth, or, without depth,
        // by the query patch found there); a query in a view without depth is first found
        // in the others along its epipolar lines (EpipolarCorrespondence) and triangulated
        // (its anchor).
        var checks = Array(0..<n).map { (point: $0, view: queryViews[$0], query: queries[$0]) }
        var anchors = [(point: SIMD3<Double>, views: Int)?](repeating: nil, count: n)
        var worlds = [SIMD3<Double>?](repeating: nil, count: n)
        // The views that found a query of a view without depth: only they follow it.
        var found = [Set<Int>?](repeating: nil, count: n)
        var descriptors = [[Float]?](repeating: nil, count: n)
        let matcher = EpipolarCorrespondence()
        let needsDescriptor = views.contains { $0.depth == nil }
        for (p, q) in queries.enumerated() {
            let home = queryViews[p], t = q.t
            let pixel = SIMD2(Double(q.x), Double(q.y))
            let descriptor = needsDescriptor ? matcher.descriptor(clipViews[home].grey[t], view: home, frame: t, at: SIMD2(q.x, q.y)) : nil
            descriptors[p] = descriptor
            guard views[home].depth == nil else { worlds[p] = MultiViewTrackFusion.lift(views[home], t: t, x: pixel.x, y: pixel.y); continue }
            guard let descriptor else { continue }
            var observations = [(view: home, camera: views[home].cameras[t], pixel: pixel)]
            for w in views.indices where w != home {
                if let m = matcher.match(descriptor, pixel: pixel, camera: views[home].cameras[t], in: clipViews[w].grey[t],
                                         view: w, frame: t, other: views[w].cameras[t]) {
                    observations.append((w, views[w].cameras[t], SIMD2(Double(m.x), Double(m.y))))
                }
            }
            if let anchor = Self.anchor(observations),
               Triangulation.metresPerPixel(anchor.point, cameras: anchor.views.map { views[$0].cameras[t] }) <= fusion.configuration.maxMetresPerPixel {
                worlds[p] = anchor.point
                anchors[p] = (anchor.point, anchor.views.count)
                found[p] = Set(anchor.views)
            } else if let lifted = observations.dropFirst().lazy.compactMap({ o -> (SIMD3<Double>, Int)? in
                // A match in a view with depth: its lift must lie on the query's ray.
                guard let x = MultiViewTrackFusion.lift(views[o.view], t: t, x: o.pixel.x, y: o.pixel.y) else { return nil }
                let (back, z) = views[home].cameras[t].project(x)
                return z > 0 && ((back - pixel) * (back - pixel)).sum() <= 1.5 * 1.5 ? (x, o.view) : nil
            }).first {
                worlds[p] = lifted.0
                anchors[p] = (lifted.0, 1)
                found[p] = [lifted.1]
            }
        }
        if views.contains(where: { $0.depth == nil }) {
            // Queries not placed by three views or more (or by depth), placed from their
            // placed neighbours' surface where three views or more then agree (an anchor
            // of two views is a neighbour too: a hint of the surface, never a label).
            let placed = queries.indices.map { p -> (point: SIMD3<Double>, views: [Int])? in
                guard let world = worlds[p] else { return nil }
                return (world, found[p].map { Array($0).sorted() } ?? [queryViews[p]])
            }
            let open = queries.indices.map { views[queryViews[$0]].depth == nil && (anchors[$0] == nil || anchors[$0]!.views == 2) }
            let grown = propagation.propagate(placed: placed, open: open, pixels: queries.map { SIMD2(Double($0.x), Double($0.y)) },
                                              homes: queryViews, frames: queries.map(\.t), cameras: views.map(\.cameras),
                                              grey: clipViews.map(\.grey), neighbourhood: neighbourhood,
                                              maxMetresPerPixel: fusion.configuration.maxMetresPerPixel)
            for p in 0..<n {
                guard let g = grown[p] else { continue }
                worlds[p] = g.point; anchors[p] = (g.point, g.views.count); found[p] = Set(g.views)
            }
        }
        // Two views always triangulate, whatever the match: a query they alone placed is not placed.
        for p in 0..<n where anchors[p]?.views == 2 { anchors[p] = nil; worlds[p] = nil; found[p] = nil }
        for (p, q) in queries.enumerated() {
            let home = queryViews[p], t = q.t
            guard let world = worlds[p] else { continue }
            for w in views.indices where w != home {
                if views[w].depth != nil {
                    if let seenAt = seen(world, in: views[w], t: t) { checks.append((p, w, TeacherQuery(t: t, x: seenAt.x, y: seenAt.y, sigma: q.sigma))) }
                } else {
                    let (projected, z) = views[w].cameras[t].project(world)
                    guard z > 0, projected.x >= 0, projected.y >= 0, projected.x <= Double(views[w].width - 1), projected.y <= Double(views[w].height - 1) else { continue }
                    if let found = found[p] {
                        guard found.contains(w) else { continue }
                    } else {
                        guard let descriptor = descriptors[p], matcher.shows(descriptor, in: clipViews[w].grey[t], view: w, frame: t, at: projected) else { continue }
                    }
                    checks.append((p, w, TeacherQuery(t: t, x: Float(projected.x), y: Float(projected.y), sigma: q.sigma)))
                }
            }
        }
        try check(checks, views: clipViews, clipId: clipId, homes: queryViews, into: &tracks)
        return fusion.fuse(views: views, tracks: tracks, queries: queries.map { QueryPixel(t: $0.t, x: $0.x, y: $0.y) },
                           queryView: queryViews, frames: frames,
                           anchors: anchors)
    }

    /// The query's position from its own view and the views that matched it along their
    /// epipolar lines, triangulated (DLT, every reprojection within Triangulation's 1.5 px)
    /// from all of them, else from the largest consistent subset that keeps the home view
    /// (the smallest reprojection error among equals). Two views always triangulate,
    /// whatever the match: an anchor of two is only a hint of the surface for
    /// SurfacePropagation. On ../shared/bench rigs without depth every wrong track, 8-28
    /// of 48-84 per rig, had a two-view anchor.
    static func anchor(_ observations: [(view: Int, camera: PinholeCamera, pixel: SIMD2<Double>)]) -> (point: SIMD3<Double>, views: [Int])? {
        guard observations.count >= 2 else { return nil }
        let rays = observations.map { (camera: $0.camera, pixel: $0.pixel) }
        if let (point, _) = Triangulation.point(rays) { return (point, observations.map(\.view)) }
        var best: (point: SIMD3<Double>, views: [Int], error: Double)? = nil
        for size in stride(from: observations.count - 1, through: 2, by: -1) {
            for subset in Self.subsets(of: Array(1..<observations.count), size: size - 1) {
                let members = [0] + subset
                guard let (point, error) = Triangulation.point(members.map { rays[$0] }) else { continue }
                if best == nil || error < best!.error { best = (point, members.map { observations[$0].view }, error) }
            }
            if let best { return (best.point, best.views) }
        }
        return nil
    }

    /// The subsets of `items` with `size` members, in lexicographic order.
    static func subsets(of items: [Int], size: Int) -> [[Int]] {
        guard size > 0 else { return [[]] }
        guard items.count >= size else { return [] }
        var out: [[Int]] = []
        for (i, first) in items.enumerated() {
            for rest in subsets(of: Array(items[(i + 1)...]), size: size - 1) { out.append([first] + rest) }
        }
        return out
    }

    /// Where view `view` sees `world` at frame `t` (inside the frame, at the depth it measures), if it does.
    private func seen(_ world: SIMD3<Double>, in view: RigViewFrames, t: Int) -> SIMD2<Float>? {
        guard let depth = view.depth?[t] else { return nil }
        let (pixel, z) = view.cameras[t].project(world)
        let c = fusion.configuration
        guard z > 0, pixel.x >= 0, pixel.y >= 0, pixel.x <= Double(view.width - 1), pixel.y <= Double(view.height - 1),
              let measured = depth.depthNear(x: pixel.x, y: pixel.y),
              abs(Double(measured) - z) <= Double(c.visibilityMetres) + Double(c.visibilityRelative) * z else { return nil }
        return SIMD2(Float(pixel.x), Float(pixel.y))
    }

    /// Tracks `queries` with the checker (one call: a dense tracker computes each view's
    /// motion once) and, away from their own view, with the teacher; stores each in its view's slots.
    private func check<View: TrackedView>(_ queries: [(point: Int, view: Int, query: TeacherQuery)], views: [View], clipId: String,
                       homes: [Int], into tracks: inout [RigViewTracks]) throws {
        let labels = try ViewwiseTracking.track(tracker, views: views, clipId: clipId, queries: queries.map(\.query), queryViews: queries.map(\.view))
        copy(labels, points: queries.map(\.point), into: &tracks, slots: queries.map { 2 * $0.view + 1 })
        let away = queries.filter { $0.view != homes[$0.point] }
        if let teacher, !away.isEmpty {
            let labels = try ViewwiseTracking.track(teacher, views: views, clipId: clipId, queries: away.map(\.query), queryViews: away.map(\.view))
            copy(labels, points: away.map(\.point), into: &tracks, slots: away.map { 2 * $0.view })
        }
    }

    /// Copies track k of `labels` into point `points[k]` of source `slots[k]`.
    private func copy(_ labels: TeacherTracks, points: [Int], into tracks: inout [RigViewTracks], slots: [Int]) {
        let n = tracks[0].valid.count / labels.frames
        for (k, p) in points.enumerated() {
            for t in 0..<labels.frames {
                let i = t * n + p, j = t * labels.points + k
                tracks[slots[k]].valid[i] = labels.valid[j]
                tracks[slots[k]].visible[i] = labels.visible[j]
                let position = labels.position(t: t, n: k)
                tracks[slots[k]].positions[2 * i] = position.x; tracks[slots[k]].positions[2 * i + 1] = position.y
            }
        }
    }
}
