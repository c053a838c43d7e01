// `klt-online`: pyramidal Lucas–Kanade chained frame to frame from each query frame,
// as an online tracker works (CoTracker3's recipe for its Lucas–Kanade pseudo-labels, and
// the Python/OpenCV peer's): each step sees only the frame before it, with no
// re-acquisition and no patch memory (what `klt-offline` adds). The chain runs forward
// from the query frame, then backward from it over the frames before it, so a query
// chosen after the clip's first frame is labelled there too (the peer does the same;
// forward only left a quarter of the ground-truth-visible frames of later queries
// without a label). Each step is checked forward–backward (≤ 1 px) and by the window
// residual (≤ 25 grey levels); see LucasKanadeChain. A point that fails is lost from that
// frame on, away from its query frame (visible = 0, still valid: the teacher claims it
// cannot see it) though its position is still followed. The backward pass reuses the
// forward pass's pyramids: it costs the Lucas–Kanade steps of the frames before the
// last query frame (the first quarter of the clip in the default pipeline).

import Imaging

public struct KLTConfiguration: Sendable, Equatable {
    public var lucasKanade = LucasKanadeConfiguration()
    /// Largest forward–backward error of a step, pixels.
    public var forwardBackward: Float = 1
    /// Largest mean absolute difference between the windows, grey levels.
    public var maxResidual: Float = 25
    public init() {}
}

public struct KLTOnlineTeacher: Teacher {
    public let name = "klt-online"
    public let configuration: KLTConfiguration

    public init(configuration: KLTConfiguration = KLTConfiguration()) { self.configuration = configuration }

    public var parameters: [String: String] {
        ["window": "\(configuration.lucasKanade.window)", "levels": "\(configuration.lucasKanade.levels)",
         "forward_backward": "\(configuration.forwardBackward)", "max_residual": "\(configuration.maxResidual)"]
    }

    public var version: String { "3" }

    public func track(_ clip: TeacherClip, queries: [TeacherQuery]) -> TeacherTracks {
        let frames = clip.grey
        var out = TeacherTracks(frames: frames.count, points: queries.count)
        guard !frames.isEmpty else { return out }
        let levels = configuration.lucasKanade.levels
        let lastQuery = queries.map(\.t).max() ?? 0
        // Pyramids of the frames the backward pass walks again (0…lastQuery).
        var kept: [LucasKanadeFrame] = []
        kept.reserveCapacity(min(lastQuery + 1, frames.count))
        var chain = makeChain(points: queries.count)
        var previous = LucasKanadeFrame(frames[0], levels: levels)
        for t in 0..<frames.count {
            let current = t == 0 ? previous : LucasKanadeFrame(frames[t], levels: levels)
            if t <= lastQuery { kept.append(current) }
            if t > 0 { chain.step(from: previous, to: current) }
            for (n, q) in queries.enumerated() where q.t == t { chain.start(n, at: SIMD2(q.x, q.y)) }
            for n in 0..<queries.count where chain.started[n] {
                out.set(t: t, n: n, position: chain.position[n], visible: chain.alive[n], confidence: chain.confidence[n])
            }
            previous = current
        }
        guard lastQuery > 0 else { return out }
        var backward = makeChain(points: queries.count)
        for t in stride(from: lastQuery, through: 0, by: -1) {
            if t < lastQuery { backward.step(from: kept[t + 1], to: kept[t]) }
            for n in 0..<queries.count where backward.started[n] && queries[n].t > t {
                out.set(t: t, n: n, position: backward.position[n], visible: backward.alive[n], confidence: backward.confidence[n])
            }
            for (n, q) in queries.enumerated() where q.t == t { backward.start(n, at: SIMD2(q.x, q.y)) }
        }
        return out
    }

    private func makeChain(points: Int) -> LucasKanadeChain {
        LucasKanadeChain(points: points, lucasKanade: PyramidalLucasKanade(configuration: configuration.lucasKanade),
                         forwardBackward: configuration.forwardBackward, maxResidual: configuration.maxResidual)
    }
}
