// Fuses the 2D tracks of points seen by a calibrated rig into 3D tracks, per frame:
//  1. lifting: each 2D label that is visible (from every tracker in every view) is
//     back-projected with its view's depth (DepthMap.liftingDepth: no 3D position at a
//     depth discontinuity);
//  2. agreement: the lifts of one point are one physical point only if they agree (within
//     `agreeMetres` + `agreeRelative`·depth); the largest agreeing group wins if it is a
//     strict majority and has at least `minAgreeing` members (default 2: two trackers, or
//     two views, must agree; one tracker alone drifts unnoticed), otherwise no label;
//     a lone lift is accepted only where it continues the point's agreed motion: within
//     the agreement tolerance of the position interpolated between agreed labels at most
//     `gapFrames` apart on both sides;
//  3. kNN refinement: the agreed position moves onto the local surface of the frame's
//     fused cloud (every view's depth back-projected with a stride; PointCloudIndex,
//     SurfacePlaneRefinement: k = 16 within `radius`), along the ray of the view it came from;
//  4. visibility per view: the point projected into each view, inside the frame and at the
//     depth that view measures there (within `visibilityMetres` + `visibilityRelative`·depth),
//     is visible; views without depth take their tracker's word where it agrees with the
//     projection within `viewAgreePixels`.
// Views without depth take part by triangulation (Triangulation, DLT): where two or more
// of them have a visible 2D label (both trackers there agreeing within
// `triangulationAgreePixels`, 1 px), the
// triangulated point is one more candidate, worth as many agreeing lifts as views it
// reprojects onto, if one pixel of error moves it by at most `maxMetresPerPixel` (2.5 cm:
// rays nearly parallel place a point badly in depth, however well it reprojects). At its
// query frame a point is the lift of its query pixel, refined along that pixel's ray, or,
// in a view without depth, its `anchor` (placed by the views that found it, which
// RigFullTracker checked); a triangulated point keeps only the labels reached from its
// query frame by steps of at most `stepMetres` (4 cm) a frame, and is dropped unless its
// own view, where its trackers see it, sees it where it projects in at least
// `ownViewAgreement` (half) of those frames. Each label records how it was made (RigTracks3D.source).
// Every label is then checked against its
// neighbours' rigid motion, moved onto it where it is one of their group, and gaps are
// filled with it (RigidGroupMotion, before the visibility decision, so a moved or filled
// label is seen where the depth says so).
// Measured on ../shared/bench rigs with every view's depth removed (make bench, rigs):
// every written label right except 1-2% on one rig, where before up to 61% were wrong.
// Defaults: agreement 1 cm + 0.3% of depth (about two pixels of tracker disagreement at
// 3 m for a 360 px focal length; measured on ../shared/bench rigs, 2 cm + 1% kept twice as
// many labels off by more than 2 cm for 1% more recall); visibility 1 cm + 1% (the tolerance of
// MVTracker's and TAPVid-3D's depth tests); cloud stride 2 px, radius 3 cm.

public struct MultiViewTrackFusionConfiguration: Sendable, Equatable {
    public var agreeMetres = 0.01
    public var agreeRelative = 0.003
    public var minAgreeing = 2
    public var gapFrames = 4
    public var visibilityMetres: Float = 0.01
    public var visibilityRelative: Float = 0.01
    public var viewAgreePixels = 3.0
    public var triangulationAgreePixels = 1.0
    public var stepMetres = 0.04
    public var maxMetresPerPixel = 0.025
    public var ownViewAgreement = 0.5
    public var cloudStride = 2
    public var radius: Float = 0.03
    public var k = 16
    public var refine = true
    /// The check of every label against its neighbours' rigid motion, and the fill of gaps
    /// with it (RigidGroupMotion); nil: off.
    public var rigidGroups: RigidGroupMotion? = RigidGroupMotion()
    public init() {}
}

/// What is known about one view of the clip.
public struct RigViewFrames: Sendable {
    /// The camera at each frame, for stored pixels.
    public var cameras: [PinholeCamera]
    /// Depth at each frame at the stored size, or nil for a view without depth.
    public var depth: [DepthMap]?
    public var width: Int
    public var height: Int
    public init(cameras: [PinholeCamera], depth: [DepthMap]?, width: Int, height: Int) {
        self.cameras = cameras; self.depth = depth; self.width = width; self.height = height
    }
}

/// One tracker's 2D tracks of all N points in one view ([T, N] row-major; positions
/// [T, N, 2]); a point it did not track has valid false.
public struct RigViewTracks: Sendable {
    /// The view the tracks are in.
    public var view: Int
    public var positions: [Float]
    public var visible: [Bool]
    public var valid: [Bool]
    public init(view: Int, frames: Int, points: Int) {
        self.view = view
        positions = [Float](repeating: 0, count: frames * points * 2)
        visible = [Bool](repeating: false, count: frames * points)
        valid = visible
    }
}

/// 3D labels of N points over T frames in V views.
public struct RigTracks3D: Sendable, Equatable {
    public let frames: Int, points: Int, views: Int
    /// [T, N, 3] world metres.
    public var positions: [Float]
    /// [T, N]
    public var valid: [Bool]
    public var confidence: [Float]
    /// [V, T, N, 2] stored pixels.
    public var viewPositions: [Float]
    /// [V, T, N]
    public var viewVisible: [Bool]
    /// Points whose query pixel has no depth (a hole or an edge): they get no labels at all.
    public var unliftable: [Bool]
    /// [T, N] how each label was made: 0 no label, 1 lifted with depth (a view's depth
    /// agreeing), K >= 2 triangulated from K views without depth, `rigidSource` carried
    /// by its neighbours' rigid motion (RigidGroupMotion).
    public var source: [UInt8]
    /// The source of a label filled from the neighbours' rigid motion.
    public static let rigidSource: UInt8 = 255

    public init(frames: Int, points: Int, views: Int) {
        self.frames = frames; self.points = points; self.views = views
        positions = [Float](repeating: 0, count: frames * points * 3)
        valid = [Bool](repeating: false, count: frames * points)
        confidence = [Float](repeating: 0, count: frames * points)
        viewPositions = [Float](repeating: 0, count: views * frames * points * 2)
        viewVisible = [Bool](repeating: false, count: views * frames * points)
        unliftable = [Bool](repeating: false, count: points)
        source = [UInt8](repeating: 0, count: frames * points)
    }
}

public struct MultiViewTrackFusion: Sendable {
    /// The confidence of a label two candidates agree on (two trackers, or two views)...
    public static let agreedConfidence = 0.5
    /// ...plus this for each further agreeing candidate, up to 1.
    public static let confidencePerAgreeing = 0.2
    /// The factor on a label the kNN refinement could not put on the fused cloud's surface.
    public static let unrefinedFactor: Float = 0.8
    /// The confidence of a lone lift accepted because it continues the point's agreed motion.
    public static let continuingConfidence: Float = 0.4

    public var configuration: MultiViewTrackFusionConfiguration
    public init(configuration: MultiViewTrackFusionConfiguration = .init()) { self.configuration = configuration }

    /// The world position of pixel `(x, y)` of view `v` at frame `t`, when its depth is smooth there.
    public static func lift(_ view: RigViewFrames, t: Int, x: Double, y: Double) -> SIMD3<Double>? {
        guard let depth = view.depth?[t], let z = depth.liftingDepth(x: x, y: y) else { return nil }
        return view.cameras[t].backProject(pixel: SIMD2(x, y), depth: z)
    }

    /// The fused cloud of frame `t`: every view's depth back-projected with the stride.
    public func cloud(_ views: [RigViewFrames], t: Int) -> PointCloudIndex {
        var points: [SIMD3<Float>] = []
        let stride = max(1, configuration.cloudStride)
        for view in views {
            guard let depth = view.depth?[t] else { continue }
            let camera = view.cameras[t]
            points.reserveCapacity(points.count + depth.width * depth.height / (stride * stride))
            for y in Swift.stride(from: 0, to: depth.height, by: stride) {
                for x in Swift.stride(from: 0, to: depth.width, by: stride) {
                    let z = depth.metres[y * depth.width + x]
                    guard z > 0, z.isFinite else { continue }
                    points.append(SIMD3<Float>(camera.backProject(pixel: SIMD2(Double(x), Double(y)), depth: Double(z))))
                }
            }
        }
        return PointCloudIndex(points: points, radius: configuration.radius)
    }

    /// Fuses the trackers' tracks (any number per view). `queries[n]` is in the view `queryView[n]`.
    public func fuse(views: [RigViewFrames], tracks: [RigViewTracks], queries: [QueryPixel],
                     queryView: [Int], frames: Int, anchors: [(point: SIMD3<Double>, views: Int)?]? = nil) -> RigTracks3D {
        let n = queries.count, v = views.count
        precondition(queryView.count == n && tracks.allSatisfy { $0.view < v })
        var out = RigTracks3D(frames: frames, points: n, views: v)
        let refinement = { () -> SurfacePlaneRefinement in var r = SurfacePlaneRefinement(); r.k = configuration.k; return r }()
        var scratch = SurfacePlaneRefinement.Scratch()
        var candidates: [Candidate] = []
        var rays: [(camera: PinholeCamera, pixel: SIMD2<Double>)] = []
        let depthless = views.indices.filter { views[$0].depth == nil }
        var lone: [(i: Int, point: SIMD3<Double>, depth: Double, source: UInt8)] = []
        for t in 0..<frames {
            let index = configuration.refine ? cloud(views, t: t) : nil
            for p in 0..<n {
                let i = t * n + p
                let q = queries[p], home = queryView[p]
                candidates.removeAll(keepingCapacity: true)
                if t == q.t {
                    if let x = Self.lift(views[home], t: t, x: Double(q.x), y: Double(q.y)) {
                        candidates.append((x, home, views[home].cameras[t].project(x).depth, 1, 0))
                    } else if let anchor = anchors?[p] {
                        let x = anchor.point
                        candidates.append((x, home, views[home].cameras[t].project(x).depth, 1, anchor.views > 1 ? anchor.views : 0))
                    } else {
                        out.unliftable[p] = true
                        continue
                    }
                } else {
                    for source in tracks where source.valid[i] && source.visible[i] {
                        let x = Double(source.positions[2 * i]), y = Double(source.positions[2 * i + 1])
                        let view = views[source.view]
                        if let point = Self.lift(view, t: t, x: x, y: y) {
                            candidates.append((point, source.view, view.cameras[t].project(point).depth, 1, 0))
                        }
                    }
                    if depthless.count >= 2 {
                        rays.removeAll(keepingCapacity: true)
                        for w in depthless {
                            let seen = tracks.filter { $0.view == w && $0.valid[i] && $0.visible[i] }
                                .map { SIMD2(Double($0.positions[2 * i]), Double($0.positions[2 * i + 1])) }
                            // Both trackers of the view, within a pixel of each other: a pixel
                            // along the epipolar line is centimetres in depth.
                            guard seen.count >= 2, let first = seen.first else { continue }
                            let mean = seen.reduce(SIMD2<Double>.zero, +) / Double(seen.count)
                            guard seen.allSatisfy({ (($0 - first) * ($0 - first)).sum() <= configuration.triangulationAgreePixels * configuration.triangulationAgreePixels }) else { continue }
                            rays.append((views[w].cameras[t], mean))
                        }
                        if rays.count >= 2, let (point, _) = Triangulation.point(rays),
                           Triangulation.metresPerPixel(point, cameras: rays.map(\.camera)) <= configuration.maxMetresPerPixel {
                            candidates.append((point, depthless[0], views[depthless[0]].cameras[t].project(point).depth, rays.count, rays.count))
                        }
                    }
                }
                guard let (agreed, from, agreeing, made) = consensus(candidates, preferring: home) else { continue }
                if t != q.t && agreeing < configuration.minAgreeing {
                    lone.append((i, agreed, candidates.first { $0.view == from }?.depth ?? 0, made))
                    continue
                }
                var point = agreed
                var confidence = Float(min(1, Self.agreedConfidence + Self.confidencePerAgreeing * Double(agreeing - 1)))
                if let index {
                    if let refined = refinement.refine(point, eye: views[from].cameras[t].centre, index: index, scratch: &scratch) {
                        point = refined.point
                    } else {
                        confidence *= Self.unrefinedFactor
                    }
                }
                out.valid[i] = true
                out.confidence[i] = confidence
                out.source[i] = made
                store(point, t: t, p: p, into: &out)
            }
        }
        acceptContinuing(lone, into: &out)
        if let anchors {
            for p in 0..<n where (anchors[p]?.views ?? 0) >= 2 {
                keepContinuous(p, from: queries[p].t, in: &out)
                if !confirmedByOwnView(p, view: queryView[p], views: views, tracks: tracks, in: out) { out.unliftable[p] = true }
            }
        }
        if let rigid = configuration.rigidGroups {
            _ = rigid.apply(to: &out, queryFrames: queries.map(\.t))
        }
        fillUnlabelled(&out)
        decideVisibility(views: views, tracks: tracks, into: &out)
        for p in 0..<n where out.unliftable[p] {
            for t in 0..<frames { out.valid[t * n + p] = false; out.confidence[t * n + p] = 0; out.source[t * n + p] = 0 }
            for w in 0..<v { for t in 0..<frames { out.viewVisible[(w * frames + t) * n + p] = false } }
        }
        return out
    }

    /// A candidate position of a point at a frame: a lift (`rays` 0) or a triangulation from `rays` views.
    typealias Candidate = (point: SIMD3<Double>, view: Int, depth: Double, weight: Int, rays: Int)

    /// How a group of agreeing candidates was made (RigTracks3D.source): 1 when a lift with
    /// depth is among them, else the most views one triangulation used.
    static func made(_ group: [Candidate]) -> UInt8 {
        if group.contains(where: { $0.rays == 0 }) { return 1 }
        return UInt8(min(255, group.map(\.rays).max() ?? 0))
    }

    /// The mean of the largest group of candidates that agree with one another, if it is a
    /// strict majority; with the view it was seen from (the query's own view when in the
    /// group) and how it was made.
    func consensus(_ candidates: [Candidate], preferring home: Int)
        -> (SIMD3<Double>, view: Int, count: Int, made: UInt8)? {
        guard !candidates.isEmpty else { return nil }
        if candidates.count == 1 { return (candidates[0].point, candidates[0].view, candidates[0].weight, Self.made(candidates)) }
        var best: [Int] = [], bestWeight = 0
        for a in candidates.indices {
            let group = candidates.indices.filter { b in
                let d = candidates[a].point - candidates[b].point
                let tolerance = configuration.agreeMetres + configuration.agreeRelative * max(candidates[a].depth, candidates[b].depth)
                return (d * d).sum() <= tolerance * tolerance
            }
            let weight = group.reduce(0) { $0 + candidates[$1].weight }
            if weight > bestWeight || (weight == bestWeight && candidates[a].view == home) { best = group; bestWeight = weight }
        }
        let total = candidates.reduce(0) { $0 + $1.weight }
        guard 2 * bestWeight > total else { return nil }
        let mean = best.reduce(SIMD3<Double>(repeating: 0)) { $0 + candidates[$1].point } / Double(best.count)
        let view = best.contains { candidates[$0].view == home } ? home : candidates[best[0]].view
        return (mean, view, bestWeight, Self.made(best.map { candidates[$0] }))
    }

    /// Keeps, of a triangulated point's labels, those reached from its query frame by steps
    /// of at most `stepMetres` per frame (forwards and backwards): two rays that met on a
    /// tracker's slip (a jump along an epipolar line) are not the point, however well they
    /// reproject.
    private func keepContinuous(_ p: Int, from start: Int, in out: inout RigTracks3D) {
        let n = out.points
        func position(_ t: Int) -> SIMD3<Float> { SIMD3(out.positions[3 * (t * n + p)], out.positions[3 * (t * n + p) + 1], out.positions[3 * (t * n + p) + 2]) }
        guard out.valid[start * n + p] else { return }
        for direction in [1, -1] {
            var last = start, t = start + direction
            while t >= 0 && t < out.frames {
                let i = t * n + p
                if out.valid[i] {
                    let d = position(t) - position(last)
                    if Double((d * d).sum().squareRoot()) <= configuration.stepMetres * Double(abs(t - last)) {
                        last = t
                    } else {
                        out.valid[i] = false; out.confidence[i] = 0; out.source[i] = 0
                    }
                }
                t += direction
            }
        }
    }

    /// Whether the view of a triangulated point's query, where its trackers see it, sees it
    /// where its labels project: in at least `ownViewAgreement` of those frames, within
    /// `viewAgreePixels`. Other views can follow another surface point on the query's ray
    /// (its patch half on a moving object's silhouette, half on the ground behind): they
    /// agree with one another, while the query's own view follows the object away.
    private func confirmedByOwnView(_ p: Int, view home: Int, views: [RigViewFrames], tracks: [RigViewTracks], in out: RigTracks3D) -> Bool {
        let n = out.points
        var claimed = 0, confirmed = 0
        for t in 0..<out.frames where out.valid[t * n + p] {
            let i = t * n + p
            let seen = tracks.filter { $0.view == home && $0.valid[i] && $0.visible[i] }
            guard !seen.isEmpty else { continue }
            claimed += 1
            let world = SIMD3<Double>(Double(out.positions[3 * i]), Double(out.positions[3 * i + 1]), Double(out.positions[3 * i + 2]))
            let pixel = views[home].cameras[t].project(world).pixel
            if seen.contains(where: { source in
                let d = SIMD2(Double(source.positions[2 * i]), Double(source.positions[2 * i + 1])) - pixel
                return (d * d).sum() <= configuration.viewAgreePixels * configuration.viewAgreePixels
            }) { confirmed += 1 }
        }
        return Double(confirmed) >= configuration.ownViewAgreement * Double(claimed)
    }

    /// Accepts the lone lifts that lie on the point's motion between agreed labels.
    private func acceptContinuing(_ lone: [(i: Int, point: SIMD3<Double>, depth: Double, source: UInt8)], into out: inout RigTracks3D) {
        let n = out.points, gap = configuration.gapFrames
        func position(_ i: Int) -> SIMD3<Double> { SIMD3(Double(out.positions[3 * i]), Double(out.positions[3 * i + 1]), Double(out.positions[3 * i + 2])) }
        let agreed = out.valid
        for (i, point, depth, source) in lone {
            let t = i / n, p = i % n
            guard let before = (max(0, t - gap)..<t).reversed().first(where: { agreed[$0 * n + p] }),
                  let after = ((t + 1)..<min(out.frames, t + gap + 1)).first(where: { agreed[$0 * n + p] }) else { continue }
            let w = Double(t - before) / Double(after - before)
            let predicted = position(before * n + p) * (1 - w) + position(after * n + p) * w
            let tolerance = configuration.agreeMetres + configuration.agreeRelative * depth
            let d = point - predicted
            guard (d * d).sum() <= tolerance * tolerance else { continue }
            out.valid[i] = true
            out.confidence[i] = Self.continuingConfidence
            out.source[i] = source
            store(point, t: t, p: p, into: &out)
        }
    }

    private func store(_ point: SIMD3<Double>, t: Int, p: Int, into out: inout RigTracks3D) {
        let i = t * out.points + p
        out.positions[3 * i] = Float(point.x); out.positions[3 * i + 1] = Float(point.y); out.positions[3 * i + 2] = Float(point.z)
    }

    /// Frames without a label hold the nearest labelled frame's position (finite, unused).
    private func fillUnlabelled(_ out: inout RigTracks3D) {
        let n = out.points
        for p in 0..<n {
            let labelled = (0..<out.frames).filter { out.valid[$0 * n + p] }
            guard !labelled.isEmpty else { continue }
            for t in 0..<out.frames where !out.valid[t * n + p] {
                let nearest = labelled.min { abs($0 - t) < abs($1 - t) }!
                for c in 0..<3 { out.positions[3 * (t * n + p) + c] = out.positions[3 * (nearest * n + p) + c] }
            }
        }
    }

    /// Projects every label into every view and decides where it is seen.
    private func decideVisibility(views: [RigViewFrames], tracks: [RigViewTracks], into out: inout RigTracks3D) {
        let n = out.points, frames = out.frames
        for (w, view) in views.enumerated() {
            for t in 0..<frames {
                let camera = view.cameras[t]
                for p in 0..<n {
                    let i = t * n + p, o = (w * frames + t) * n + p
                    let world = SIMD3<Double>(Double(out.positions[3 * i]), Double(out.positions[3 * i + 1]), Double(out.positions[3 * i + 2]))
                    let (pixel, z) = camera.project(world)
                    let finite = pixel.x.isFinite && pixel.y.isFinite && z > 1e-9
                    out.viewPositions[2 * o] = finite ? Float(pixel.x) : 0
                    out.viewPositions[2 * o + 1] = finite ? Float(pixel.y) : 0
                    guard out.valid[i], finite, pixel.x >= -0.5, pixel.y >= -0.5,
                          pixel.x < Double(view.width) - 0.5, pixel.y < Double(view.height) - 0.5 else { continue }
                    if let depth = view.depth?[t] {
                        guard let measured = depth.depthNear(x: pixel.x, y: pixel.y) else { continue }
                        let tolerance = configuration.visibilityMetres + configuration.visibilityRelative * Float(z)
                        out.viewVisible[o] = abs(measured - Float(z)) <= tolerance
                    } else {
                        out.viewVisible[o] = tracks.contains { source in
                            guard source.view == w, source.valid[i], source.visible[i] else { return false }
                            let dx = Double(source.positions[2 * i]) - pixel.x, dy = Double(source.positions[2 * i + 1]) - pixel.y
                            return dx * dx + dy * dy <= configuration.viewAgreePixels * configuration.viewAgreePixels
                        }
                    }
                }
            }
        }
    }
}
