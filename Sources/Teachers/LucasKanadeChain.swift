// Lucas–Kanade chained frame to frame in one direction of time, the machinery shared by
// `klt-online` (forward only) and `klt-offline` (forward, then backward, with
// re-acquisition). Each step tracks every started point from the previous frame of the
// walk to the current one, starting from where its last step's motion would take it
// (constant velocity: a fast object is then found at the fine levels instead of being lost
// at the coarse ones, where the window holds more background than object), and back
// (Kalal, Mikolajczyk & Matas, "Forward-Backward Error", ICPR 2010): a step whose round
// trip misses its start by more than `forwardBackward` pixels, or whose window residual
// exceeds `maxResidual` grey levels, loses the point. A lost point's position is still followed (the best guess of where
// it is, which an occluded label and the occlusion-agnostic δ metric want); only
// re-acquisition, when the teacher offers it, makes it visible again. Confidence is the
// smallest exp(−fb / forwardBackward) along the way since the point was last acquired.

import Foundation
import Imaging

struct LucasKanadeChain {
    let lucasKanade: PyramidalLucasKanade
    let forwardBackward: Float
    let maxResidual: Float
    var position: [SIMD2<Float>]
    var alive: [Bool]
    var confidence: [Float]
    var started: [Bool]
    /// The last step's displacement of each point tracked through it, else zero.
    var velocity: [SIMD2<Float>]

    init(points: Int, lucasKanade: PyramidalLucasKanade, forwardBackward: Float, maxResidual: Float) {
        self.lucasKanade = lucasKanade
        self.forwardBackward = forwardBackward
        self.maxResidual = maxResidual
        position = [SIMD2<Float>](repeating: .zero, count: points)
        alive = [Bool](repeating: false, count: points)
        confidence = [Float](repeating: 0, count: points)
        started = [Bool](repeating: false, count: points)
        velocity = [SIMD2<Float>](repeating: .zero, count: points)
    }

    /// Starts point `n` at `p`, visible with full confidence.
    mutating func start(_ n: Int, at p: SIMD2<Float>) {
        position[n] = p; alive[n] = true; started[n] = true; confidence[n] = 1; velocity[n] = .zero
    }

    /// One step of the walk, from `previous` to `current`.
    mutating func step(from previous: LucasKanadeFrame, to current: LucasKanadeFrame) {
        let ids = started.indices.filter { started[$0] }
        guard !ids.isEmpty else { return }
        let from = ids.map { position[$0] }
        let guesses = ids.map { alive[$0] ? position[$0] + velocity[$0] : position[$0] }
        let forward = lucasKanade.track(from, from: previous, to: current, guesses: guesses)
        let landed = forward.map { SIMD2($0.x, $0.y) }
        // The way back only where it decides: a point still alive whose step was found
        // within the residual (a lost point's round trip was never read; skipping it
        // leaves every label as it was).
        let judged = ids.indices.filter { alive[ids[$0]] && forward[$0].found && forward[$0].error <= maxResidual }
        let back = lucasKanade.track(judged.map { landed[$0] }, from: current, to: previous,
                                     guesses: judged.map { landed[$0] - (guesses[$0] - from[$0]) })
        var roundTrip = [Float?](repeating: nil, count: ids.count)
        for (b, k) in zip(back, judged) where b.found { roundTrip[k] = hypotf(b.x - from[k].x, b.y - from[k].y) }
        for (k, id) in ids.enumerated() {
            let f = forward[k]
            if f.found { position[id] = landed[k] }
            velocity[id] = .zero
            guard alive[id] else { continue }
            if let fb = roundTrip[k], fb <= forwardBackward {
                confidence[id] = min(confidence[id], expf(-fb / forwardBackward))
                velocity[id] = landed[k] - from[k]
            } else {
                alive[id] = false
                confidence[id] = 0
            }
        }
    }
}
