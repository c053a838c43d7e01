// `klt-online`: pyramidal Lucas–Kanade chained frame to frame, forward only from each
// query frame, as an online tracker works (CoTracker3's recipe for its Lucas–Kanade
// pseudo-labels, and the Python/OpenCV peer's). Each step is checked forward–backward
// (Kalal, Mikolajczyk & Matas, "Forward-Backward Error", ICPR 2010): the point tracked to
// the next frame and back must land within `forwardBackward` pixels of where it started,
// and the window's mean absolute residual must stay below `maxResidual` grey levels. A
// point that fails is lost from that frame on (visible = 0, still valid: the teacher
// claims it cannot see it) though its position is still followed; frames before the
// query are not valid. Confidence falls with
// the forward–backward error: exp(−fb / forwardBackward).

import Foundation
import Imaging

public struct KLTOnlineConfiguration: Sendable, Equatable {
    public var lucasKanade = LucasKanadeConfiguration()
    /// Largest forward–backward error of a step, pixels.
    public var forwardBackward: Float = 1
    /// Largest mean absolute difference between the windows, grey levels.
    public var maxResidual: Float = 25
    public init() {}
}

public struct KLTOnlineTeacher: Teacher {
    public let name = "klt-online"
    public let configuration: KLTOnlineConfiguration

    public init(configuration: KLTOnlineConfiguration = KLTOnlineConfiguration()) { self.configuration = configuration }

    public func track(_ frames: [GreyImage], queries: [TeacherQuery]) -> TeacherTracks {
        var out = TeacherTracks(frames: frames.count, points: queries.count)
        guard !frames.isEmpty else { return out }
        let lk = PyramidalLucasKanade(configuration: configuration.lucasKanade)
        let levels = configuration.lucasKanade.levels
        var position = [SIMD2<Float>](repeating: .zero, count: queries.count)
        var alive = [Bool](repeating: false, count: queries.count)
        var confidence = [Float](repeating: 0, count: queries.count)
        var started = [Bool](repeating: false, count: queries.count)
        var previous = LucasKanadeFrame(frames[0], levels: levels)
        for t in 0..<frames.count {
            let current = t == 0 ? previous : LucasKanadeFrame(frames[t], levels: levels)
            if t > 0 {
                // Lost points are still followed (their position stays the best guess, as
                // the occlusion-agnostic δ metric and an occluded label's position want),
                // but they never become visible again.
                let ids = (0..<queries.count).filter { started[$0] }
                if !ids.isEmpty {
                    let from = ids.map { position[$0] }
                    let forward = lk.track(from, from: previous, to: current)
                    let back = lk.track(forward.map { SIMD2($0.x, $0.y) }, from: current, to: previous)
                    for (k, id) in ids.enumerated() {
                        let f = forward[k], b = back[k]
                        if f.found { position[id] = SIMD2(f.x, f.y) }
                        guard alive[id] else { continue }
                        let fb = hypotf(b.x - from[k].x, b.y - from[k].y)
                        if f.found && b.found && fb <= configuration.forwardBackward && f.error <= configuration.maxResidual {
                            confidence[id] = min(confidence[id], expf(-fb / configuration.forwardBackward))
                        } else {
                            alive[id] = false
                            confidence[id] = 0
                        }
                    }
                }
            }
            for (n, q) in queries.enumerated() where q.t == t {
                position[n] = SIMD2(q.x, q.y)
                alive[n] = true
                started[n] = true
                confidence[n] = 1
            }
            for n in 0..<queries.count where started[n] {
                out.set(t: t, n: n, position: position[n], visible: alive[n], confidence: confidence[n])
            }
            previous = current
        }
        return out
    }
}
