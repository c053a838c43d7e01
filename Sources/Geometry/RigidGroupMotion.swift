// Checks each 3D track against its neighbours' rigid motion and fills its gaps with it.
// Points that move together carry one another: from a point's query frame (where its
// position is its own view's lift, the best-founded label it has) to any other frame t,
// its neighbours (the `maxNeighbours` nearest at the query frame, within `radius`, or
// `spacingFactor` times that frame's median spacing between labels if that is more;
// labelled at both frames) are split into rigid groups by RANSAC. A hypothesis is the
// motion of three of them (their triangles' frames aligned; Horn's least-squares closed
// form, the top eigenvector of a 4×4 matrix, for a collinear triple); the largest set of
// neighbours one motion carries within 1.5 × `inlierMetres` is refitted (Horn) and its
// members within `inlierMetres` are a group. Up to `groups` groups, each of at least
// `minGroup` members. The point belongs to the group of most of its `nearest` neighbours,
// and that group's motion carries it to where it should be at t:
//  - check: a label farther than `rejectMetres` from there is removed; a label with no
//    group to judge it (too few neighbours, or its nearest split between groups) is
//    removed too: one tracker's slide onto another surface, or two trackers sliding
//    together, is only seen against the neighbours;
//  - snap: a confirmed label within `snapMetres` of there is one of its group and moves
//    there: the motion fitted to the whole group (up to `maxNeighbours` points) places it
//    better than its own lift or triangulation did (its source stays: how it was made). On
//    dev rig_02's depth labels the carried position's median error is 0.105 cm against the
//    label's 0.194 (a Python check of the same rules); labels 1-2 cm off are left as they are;
//  - a track that keeps fewer than `keptShare` of its labels is dropped whole: most of
//    its labels contradicted means its motion is not its surface's;
//  - fill: a frame without a label gets the carried position when all its `nearest`
//    neighbours are in one group of at least `fillGroup` members, and that group, carried
//    to the nearest frame where the point's label was confirmed, lands on it (the group is
//    the point's own: in a sparse set a moving point's nearest neighbours can be static
//    ones); its source is `RigTracks3D.rigidSource` (`rigid` in labels_made).
// Decisions read the labels as they came in, so the order of points does not matter;
// hypotheses are drawn by a generator (Seeding's SplitMix64) seeded with the point and frame
// (reproducible).
// Measured with `ops/bench/rigs.sh` on ../shared/bench rigs (dev seed 11, tuned on; seeds
// 5011 and 9137 not), in the same session. The check, fill and drop, against main without
// them: depth, dev rig_02: MTE 0.466 -> 0.283 cm, recall within 5 cm 0.919 -> 0.950, within
//   5 cm 0.9917 -> 0.9999, per-view 2D within 2 px 0.9891 -> 0.9996; without depth, dev:
//   every label within 5 cm on every rig (from 0.9995-1.0), recall 0.943 -> 0.980 on rig_02.
// Then the snap (with RigLabelFilter's short-track rule counting own labels only), against
// main with the rest (MTE cm, recall within 5 cm; rig_02, the hardest rig of each seed):
//   depth, dev 0.318 -> 0.212, 0.940 -> 0.964; 5011 0.409 -> 0.294, 0.935 -> 0.960;
//     9137 0.366 -> 0.280, 0.897 -> 0.930; every other depth rig 0.067-0.120 cm (from
//     0.099-0.171); mixed, dev 0.383 -> 0.220, 0.951 -> 0.973; 5011 0.257 -> 0.140;
//     without depth, dev 0.209 -> 0.193; every label within 5 cm stays so.
// CPU seconds (user + sys of `run --workers 1`, the three dev rigs, 3 interleaved runs,
// medians): depth 27.19 against 26.82 s, without depth 30.38 against 30.35 s (ratios 1.01
// and 1.00, within the runs' spread of 2-4%): the snap reuses the check's fitted motion.
// Defaults and why (a prototype on dev rig_02's depth shards, the same rules):
//   radius 25 cm: at 15 cm the fast box's sparse tracks had too few neighbours (recall
//     0.938 against 0.951);
//   inlierMetres 1 cm: about the fused labels' own error (their median is 2-3 mm);
//   rejectMetres 2 cm: at 1 cm the check removed three times the labels for recall
//     0.924 against 0.951, MTE about the same;
//   snapMetres 1 cm, `inlierMetres`: the tolerance that makes a neighbour one of the group
//     (2 cm gave MTE 0.236 against 0.241 on dev rig_02 in the Python check: the same within
//     its noise, so the tighter one);
//   fillGroup 6 with unanimous nearest 3: fills with groups of 4 and no unanimity put 119
//     of 1,484 fills more than 2 cm off (MTE 0.41); these rules put none of 583 off;
//   keptShare 0.8: 0.5 gave MTE 0.29, recall 0.935; 0.8 gave 0.28, 0.958 for 5% fewer tracks;
//   spacingFactor 6: the dev rigs' labels are 2.3-3.4 cm apart (so 25 cm holds); the
//     unit tests' sparse rigs are ~16 cm apart and need about a metre;
//   40 hypotheses (all triples of up to 6 neighbours), stopping once one carries 90%.

import Seeding

public struct RigidGroupMotion: Sendable, Equatable {
    public var radius = 0.25
    /// The radius is at least this many times the frame's median nearest-neighbour distance
    /// between labels (a sparse point set, or a scene of another scale, still has neighbours).
    public var spacingFactor = 6.0
    public var maxNeighbours = 40
    public var inlierMetres = 0.01
    public var minGroup = 4
    public var groups = 2
    public var nearest = 3
    public var rejectMetres = 0.02
    public var snapMetres = 0.01
    public var fillGroup = 6
    public var keptShare = 0.8
    public var hypotheses = 40
    public init() {}

    /// What one pass did, in labels (tracks for `tracksDropped`).
    public struct Outcome: Equatable, Sendable {
        public var confirmed = 0, contradicted = 0, unjudged = 0, filled = 0, snapped = 0, tracksDropped = 0
        public init() {}
    }

    /// A rigid motion: x ↦ rotation·x + translation.
    public struct Motion: Sendable {
        public var rotation: Matrix3
        public var translation: SIMD3<Double>
        public func apply(_ x: SIMD3<Double>) -> SIMD3<Double> { rotation * x + translation }
    }

    /// Checks and fills `tracks` (positions, valid, confidence, source) in place; the query
    /// frame's label of each point is never touched (unless its whole track is dropped).
    public func apply(to tracks: inout RigTracks3D, queryFrames: [Int]) -> Outcome {
        let frames = tracks.frames, n = tracks.points
        precondition(queryFrames.count == n)
        let positions = tracks.positions, valid = tracks.valid
        func x(_ t: Int, _ p: Int) -> SIMD3<Double> {
            let i = 3 * (t * n + p); return SIMD3(Double(positions[i]), Double(positions[i + 1]), Double(positions[i + 2]))
        }
        var outcome = Outcome()
        var from: [SIMD3<Double>] = [], to: [SIMD3<Double>] = [], members: [Int] = []
        var radii = [Double?](repeating: nil, count: frames)
        for p in 0..<n {
            let s = queryFrames[p]
            guard s >= 0, s < frames, valid[s * n + p] else { continue }
            if radii[s] == nil { radii[s] = max(radius, spacingFactor * Self.spacing((0..<n).filter { valid[s * n + $0] }.map { x(s, $0) })) }
            let r = radii[s]!
            let origin = x(s, p)
            var near: [(d: Double, j: Int)] = []
            for j in 0..<n where j != p && valid[s * n + j] {
                let d = x(s, j) - origin, d2 = (d * d).sum()
                if d2 < r * r { near.append((d2, j)) }
            }
            near.sort { $0.d < $1.d || ($0.d == $1.d && $0.j < $1.j) }
            let neighbours = near.prefix(maxNeighbours).map(\.j)
            let labelsIn = (0..<frames).filter { valid[$0 * n + p] }.count
            var kept = 1
            var confirmed: [Int] = []
            var fills: [(t: Int, point: SIMD3<Double>, group: [Int])] = []
            var snaps: [(t: Int, point: SIMD3<Double>)] = []
            for t in 0..<frames where t != s {
                let i = t * n + p
                members.removeAll(keepingCapacity: true); from.removeAll(keepingCapacity: true); to.removeAll(keepingCapacity: true)
                for j in neighbours where valid[t * n + j] { members.append(j); from.append(x(s, j)); to.append(x(t, j)) }
                var generator = SeededGenerator(seed: UInt64(p) &* 1_000_003 &+ UInt64(t))
                let carried = carry(origin, from: from, to: to, generator: &generator)
                if valid[i] {
                    guard let carried else { clear(&tracks, i); outcome.unjudged += 1; continue }
                    let d = carried.point - x(t, p)
                    if (d * d).sum() <= rejectMetres * rejectMetres {
                        kept += 1; outcome.confirmed += 1; confirmed.append(t)
                        if (d * d).sum() <= snapMetres * snapMetres { snaps.append((t, carried.point)) }
                    } else {
                        clear(&tracks, i); outcome.contradicted += 1
                    }
                } else if let carried, carried.unanimous, carried.group.count >= fillGroup {
                    fills.append((t, carried.point, carried.group.map { members[$0] }))
                }
            }
            if Double(kept) < keptShare * Double(labelsIn) {
                for t in 0..<frames where tracks.valid[t * n + p] { clear(&tracks, t * n + p) }
                outcome.tracksDropped += 1
                continue
            }
            // A label its group's motion carries within `snapMetres` is one of the group: the
            // motion fitted to all of them places it better than its own lift or triangulation.
            for snap in snaps {
                let i = snap.t * n + p
                tracks.positions[3 * i] = Float(snap.point.x); tracks.positions[3 * i + 1] = Float(snap.point.y)
                tracks.positions[3 * i + 2] = Float(snap.point.z)
                outcome.snapped += 1
            }
            for fill in fills {
                // The group must be the point's own: carried from the query frame to the
                // nearest frame where its label was confirmed, it must land on that label
                // (a moving point among static neighbours is never filled as static).
                guard let u = confirmed.min(by: { abs($0 - fill.t) < abs($1 - fill.t) || (abs($0 - fill.t) == abs($1 - fill.t) && $0 < $1) }) else { continue }
                let group = fill.group.filter { valid[u * n + $0] }
                var generator = SeededGenerator(seed: UInt64(p) &* 1_000_003 &+ UInt64(frames + fill.t))
                guard let (motion, _) = fit(group.map { x(s, $0) }, group.map { x(u, $0) }, generator: &generator) else { continue }
                let d = motion.apply(origin) - x(u, p)
                guard (d * d).sum() <= rejectMetres * rejectMetres else { continue }
                let i = fill.t * n + p
                tracks.valid[i] = true
                tracks.confidence[i] = Self.filledConfidence
                tracks.source[i] = RigTracks3D.rigidSource
                tracks.positions[3 * i] = Float(fill.point.x); tracks.positions[3 * i + 1] = Float(fill.point.y)
                tracks.positions[3 * i + 2] = Float(fill.point.z)
                outcome.filled += 1
            }
        }
        return outcome
    }

    /// The median distance from a point to its nearest other point (of at most 256 points
    /// spread over the set); 0 for fewer than two.
    static func spacing(_ points: [SIMD3<Double>]) -> Double {
        guard points.count >= 2 else { return 0 }
        let step = max(1, points.count / 256)
        var nearest: [Double] = []
        for a in Swift.stride(from: 0, to: points.count, by: step) {
            var best = Double.infinity
            for b in points.indices where b != a { let d = points[b] - points[a]; best = min(best, (d * d).sum()) }
            nearest.append(best.squareRoot())
        }
        nearest.sort()
        return nearest[nearest.count / 2]
    }

    /// The confidence of a label filled from the neighbours' motion.
    public static let filledConfidence: Float = 0.4

    /// Where the neighbours' rigid motion from `from` to `to` carries `origin` (the point
    /// nearest to the first of them): the motion of the group most of its `nearest`
    /// neighbours belong to; nil when there is no group or they are split.
    func carry(_ origin: SIMD3<Double>, from: [SIMD3<Double>], to: [SIMD3<Double>], generator: inout SeededGenerator)
        -> (point: SIMD3<Double>, group: [Int], unanimous: Bool)? {
        let m = from.count
        guard m >= minGroup else { return nil }
        var group = [Int](repeating: -1, count: m)
        var motions: [(Motion, [Int])] = []
        var rest = Array(0..<m)
        for g in 0..<groups {
            guard rest.count >= minGroup, let (motion, inliers) = fit(rest.map { from[$0] }, rest.map { to[$0] }, generator: &generator) else { break }
            for k in inliers { group[rest[k]] = g }
            motions.append((motion, inliers.map { rest[$0] }))
            let taken = Set(inliers)
            rest = rest.indices.filter { !taken.contains($0) }.map { rest[$0] }
        }
        guard !motions.isEmpty else { return nil }
        let votes = group.prefix(nearest).filter { $0 >= 0 }
        guard !votes.isEmpty else { return nil }
        var count = [Int](repeating: 0, count: motions.count)
        for g in votes { count[g] += 1 }
        let best = count.indices.max { count[$0] < count[$1] || (count[$0] == count[$1] && $0 > $1) }!
        guard 2 * count[best] > votes.count else { return nil }
        let unanimous = votes.count == min(nearest, m) && count[best] == votes.count
        return (motions[best].0.apply(origin), motions[best].1, unanimous)
    }

    /// RANSAC: the motion carrying most of `a` onto `b` within `inlierMetres` (at least
    /// `minGroup` of them), refitted to them; with the indices it carries.
    func fit(_ a: [SIMD3<Double>], _ b: [SIMD3<Double>], generator: inout SeededGenerator) -> (Motion, [Int])? {
        let m = a.count
        guard m >= max(3, minGroup) else { return nil }
        // A triangle's motion is less exact than the least-squares fit it leads to: its
        // inliers are counted within 1.5 times the tolerance.
        let tolerance = 2.25 * inlierMetres * inlierMetres
        func count(_ motion: Motion) -> Int {
            var c = 0
            for k in 0..<m { let d = motion.apply(a[k]) - b[k]; if (d * d).sum() <= tolerance { c += 1 } }
            return c
        }
        var best: (motion: Motion, count: Int)? = nil
        func consider(_ i: Int, _ j: Int, _ k: Int) -> Bool {
            // A collinear triple has no frame: the least-squares fit still gives its motion.
            guard let motion = Self.triangleMotion(a[i], a[j], a[k], b[i], b[j], b[k])
                    ?? Self.motion([a[i], a[j], a[k]], [b[i], b[j], b[k]]) else { return false }
            let c = count(motion)
            if c > (best?.count ?? 0) { best = (motion, c) }
            return 10 * (best?.count ?? 0) >= 9 * m
        }
        if m <= 6 {
            search: for i in 0..<m { for j in (i + 1)..<m { for k in (j + 1)..<m { if consider(i, j, k) { break search } } } }
        } else {
            for _ in 0..<hypotheses {
                let i = Int(generator.next() % UInt64(m))
                var j = Int(generator.next() % UInt64(m - 1)); if j >= i { j += 1 }
                var k = Int(generator.next() % UInt64(m - 2))
                if k >= min(i, j) { k += 1 }
                if k >= max(i, j) { k += 1 }
                if consider(i, j, k) { break }
            }
        }
        guard let found = best, found.count >= minGroup else { return nil }
        let inliers = carried(found.motion, a, b, within: 1.5 * inlierMetres)
        guard inliers.count >= 3, let motion = Self.motion(inliers.map { a[$0] }, inliers.map { b[$0] }) else { return nil }
        let refitted = carried(motion, a, b)
        guard refitted.count >= minGroup else { return nil }
        return (motion, refitted)
    }

    private func carried(_ motion: Motion, _ a: [SIMD3<Double>], _ b: [SIMD3<Double>], within: Double? = nil) -> [Int] {
        let r = within ?? inlierMetres
        return a.indices.filter { let d = motion.apply(a[$0]) - b[$0]; return (d * d).sum() <= r * r }
    }

    /// The motion carrying triangle (a0, a1, a2) onto (b0, b1, b2): their orthonormal frames
    /// (first edge, normal, their cross product) aligned, centroids matched; a RANSAC
    /// hypothesis, cheaper than the least-squares fit. Nil for a degenerate triangle.
    static func triangleMotion(_ a0: SIMD3<Double>, _ a1: SIMD3<Double>, _ a2: SIMD3<Double>,
                               _ b0: SIMD3<Double>, _ b1: SIMD3<Double>, _ b2: SIMD3<Double>) -> Motion? {
        func frame(_ p0: SIMD3<Double>, _ p1: SIMD3<Double>, _ p2: SIMD3<Double>) -> Matrix3? {
            let e = p1 - p0, n = Matrix3.cross(e, p2 - p0)
            let el = (e * e).sum().squareRoot(), nl = (n * n).sum().squareRoot()
            guard el > 1e-9, nl > 1e-12 * max(1, el * el) else { return nil }
            let e1 = e / el, e3 = n / nl
            return Matrix3(rows: e1, Matrix3.cross(e3, e1), e3)   // rows: the frame's axes
        }
        guard let fa = frame(a0, a1, a2), let fb = frame(b0, b1, b2) else { return nil }
        let rotation = fb.transposed * fa
        let ca = (a0 + a1 + a2) / 3, cb = (b0 + b1 + b2) / 3
        return Motion(rotation: rotation, translation: cb - rotation * ca)
    }

    /// The least-squares rigid motion carrying `a` onto `b` (Horn 1987: unit quaternion,
    /// top eigenvector of the 4×4 matrix of the centred cross-covariance); nil for fewer
    /// than three points or a degenerate set.
    public static func motion(_ a: [SIMD3<Double>], _ b: [SIMD3<Double>]) -> Motion? {
        guard a.count == b.count, a.count >= 3 else { return nil }
        let ca = a.reduce(SIMD3<Double>.zero, +) / Double(a.count), cb = b.reduce(SIMD3<Double>.zero, +) / Double(b.count)
        var s = [[Double]](repeating: [0, 0, 0], count: 3)
        for (p, q) in zip(a, b) {
            let u = p - ca, v = q - cb
            for r in 0..<3 { for c in 0..<3 { s[r][c] += u[r] * v[c] } }
        }
        let (xx, xy, xz, yx, yy, yz, zx, zy, zz) = (s[0][0], s[0][1], s[0][2], s[1][0], s[1][1], s[1][2], s[2][0], s[2][1], s[2][2])
        var k: [[Double]] = [
            [xx + yy + zz, yz - zy, zx - xz, xy - yx],
            [yz - zy, xx - yy - zz, xy + yx, zx + xz],
            [zx - xz, xy + yx, -xx + yy - zz, yz + zy],
            [xy - yx, zx + xz, yz + zy, -xx - yy + zz],
        ]
        let scale = k.lazy.map { $0.lazy.map(abs).max()! }.max()!
        guard scale > 1e-18 else { return nil }
        let (values, vectors) = symmetricEigen(&k)
        let top = values.indices.max { values[$0] < values[$1] }!
        var q = (0..<4).map { vectors[$0][top] }
        let norm = q.map { $0 * $0 }.reduce(0, +).squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        q = q.map { $0 / norm }
        let (w, x, y, z) = (q[0], q[1], q[2], q[3])
        let rotation = Matrix3(rows: SIMD3(w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)),
                               SIMD3(2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)),
                               SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z))
        return Motion(rotation: rotation, translation: cb - rotation * ca)
    }

    /// Eigenvalues and eigenvectors (columns) of a symmetric 4×4 matrix, by cyclic Jacobi rotations.
    static func symmetricEigen(_ a: inout [[Double]]) -> ([Double], [[Double]]) {
        var v = (0..<4).map { r in (0..<4).map { $0 == r ? 1.0 : 0.0 } }
        for _ in 0..<30 {
            var off = 0.0
            for p in 0..<3 { for q in (p + 1)..<4 { off += a[p][q] * a[p][q] } }
            if off < 1e-30 { break }
            for p in 0..<3 {
                for q in (p + 1)..<4 where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<4 {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<4 {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<4 {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq; v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<4).map { a[$0][$0] }, v)
    }

    private func clear(_ tracks: inout RigTracks3D, _ i: Int) {
        tracks.valid[i] = false; tracks.confidence[i] = 0; tracks.source[i] = 0
    }
}
