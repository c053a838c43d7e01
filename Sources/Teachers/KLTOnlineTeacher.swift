// `klt-online`: pyramidal Lucas–Kanade chained frame to frame, forward only from each
// query frame, as an online tracker works (CoTracker3's recipe for its Lucas–Kanade
// pseudo-labels, and the Python/OpenCV peer's). Each step is checked forward–backward
// (≤ 1 px) and by the window residual (≤ 25 grey levels); see LucasKanadeChain. A point
// that fails is lost from that frame on (visible = 0, still valid: the teacher claims
// it cannot see it) though its position is still followed; frames before the query are
// not valid.

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

    public func track(_ clip: TeacherClip, queries: [TeacherQuery]) -> TeacherTracks {
        let frames = clip.grey
        var out = TeacherTracks(frames: frames.count, points: queries.count)
        guard !frames.isEmpty else { return out }
        let levels = configuration.lucasKanade.levels
        var chain = LucasKanadeChain(points: queries.count, lucasKanade: PyramidalLucasKanade(configuration: configuration.lucasKanade),
                                     forwardBackward: configuration.forwardBackward, maxResidual: configuration.maxResidual)
        var previous = LucasKanadeFrame(frames[0], levels: levels)
        for t in 0..<frames.count {
            let current = t == 0 ? previous : LucasKanadeFrame(frames[t], levels: levels)
            if t > 0 { chain.step(from: previous, to: current) }
            for (n, q) in queries.enumerated() where q.t == t { chain.start(n, at: SIMD2(q.x, q.y)) }
            for n in 0..<queries.count where chain.started[n] {
                out.set(t: t, n: n, position: chain.position[n], visible: chain.alive[n], confidence: chain.confidence[n])
            }
            previous = current
        }
        return out
    }
}
