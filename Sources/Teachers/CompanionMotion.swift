// Where a lost point has gone, from the points that moved with it before it was lost:
// when a tracker loses a point (an occluder covers it, or the tracker's own check fails),
// its `companions` are the nearest other points of the clip, still tracked, within
// `radius` pixels, whose motion over the last `history` frames matched the point's within
// `agreement` pixels plus 10% of the motion; they are likely on the same surface. While
// the point stays lost, its predicted position is where it was lost plus the median
// displacement of its companions since then (per axis, over those still tracked). The
// trackers that follow what covers a point (Lucas–Kanade windows, dense flow) cannot say
// where the point itself is; its surface can. This is the motion prior behind
// re-acquisition in `klt-offline`, `flow` and `template` (the query patch is then searched
// around the prediction), a local form of the support points of Kalal et al.'s TLD and of the
// neighbourhood context CoTracker's joint tracking learns.

struct CompanionMotion: Sendable, Equatable {
    var radius: Float = 48
    var maxCompanions = 8
    var history = 3
    var agreement: Float = 1

    /// The companions of point `n`, lost after frame `t` of a walk in `direction` (±1).
    /// `tracked[m]` says whether point m is still tracked at `t`; `tracks` holds every
    /// point's positions and visibility at the frames walked so far.
    func companions(of n: Int, at t: Int, direction: Int, tracks: TeacherTracks, tracked: [Bool]) -> [Int] {
        let p = tracks.position(t: t, n: n)
        let back = t - direction * history
        let hasHistory = back >= 0 && back < tracks.frames && tracks.valid[back * tracks.points + n]
        let own = hasHistory ? p - tracks.position(t: back, n: n) : .zero
        var candidates: [(Float, Int)] = []
        for m in 0..<tracks.points where m != n && tracked[m] {
            let q = tracks.position(t: t, n: m)
            let d2 = ((q - p) * (q - p)).sum()
            guard d2 <= radius * radius else { continue }
            if hasHistory {
                guard tracks.visible[back * tracks.points + m] else { continue }
                let moved = q - tracks.position(t: back, n: m)
                let difference = moved - own
                let allowed = agreement + 0.1 * (own * own).sum().squareRoot()
                guard (difference * difference).sum() <= allowed * allowed else { continue }
            }
            candidates.append((d2, m))
        }
        candidates.sort { $0.0 < $1.0 }
        return candidates.prefix(maxCompanions).map(\.1)
    }

    /// The position of a point lost at `anchor` after frame `lostAt`, now that its
    /// companions are at `current` (positions of every point now) where `tracked`; nil
    /// when none of them is still tracked.
    func predict(anchor: SIMD2<Float>, lostAt: Int, companions: [Int], tracks: TeacherTracks,
                 current: [SIMD2<Float>], tracked: [Bool]) -> SIMD2<Float>? {
        var xs: [Float] = [], ys: [Float] = []
        for m in companions where tracked[m] {
            let moved = current[m] - tracks.position(t: lostAt, n: m)
            xs.append(moved.x); ys.append(moved.y)
        }
        guard !xs.isEmpty else { return nil }
        return anchor + SIMD2(Self.median(&xs), Self.median(&ys))
    }

    private static func median(_ values: inout [Float]) -> Float {
        values.sort()
        let k = values.count / 2
        return values.count % 2 == 1 ? values[k] : 0.5 * (values[k - 1] + values[k])
    }
}
