// The motion query selection asks for (Features.FrameMotion), by pyramidal Lucas–Kanade:
// points are followed frame to frame from one clip frame to another, with the teachers'
// window and levels, and a point is lost where a step fails or its window residual
// exceeds `maxResidual` grey levels (the klt teachers' bound). No forward–backward check:
// a wrongly followed point only keeps a candidate from being chosen, and the check would
// double the cost. Each frame's pyramid is built once, when first needed.

import Features
import Imaging

public final class LucasKanadeFrameMotion: FrameMotion {
    private let frames: [GreyImage]
    private let lucasKanade: PyramidalLucasKanade
    private let maxResidual: Float
    private var pyramids: [Int: LucasKanadeFrame] = [:]

    /// `frames`: the clip's grey frames, whose indices `carry` takes.
    public init(frames: [GreyImage], configuration: KLTConfiguration = KLTConfiguration()) {
        self.frames = frames
        lucasKanade = PyramidalLucasKanade(configuration: configuration.lucasKanade)
        maxResidual = configuration.maxResidual
    }

    private func pyramid(_ t: Int) -> LucasKanadeFrame {
        if let p = pyramids[t] { return p }
        let p = LucasKanadeFrame(frames[t], levels: lucasKanade.configuration.levels, window: lucasKanade.configuration.window)
        pyramids[t] = p
        return p
    }

    public func carry(_ points: [SIMD2<Float>], from: Int, to: Int) -> [SIMD2<Float>?] {
        var out: [SIMD2<Float>?] = points
        guard from != to else { return out }
        let direction = to > from ? 1 : -1
        var t = from
        while t != to {
            let live = out.indices.filter { out[$0] != nil }
            if live.isEmpty { break }
            let results = lucasKanade.track(live.map { out[$0]! }, from: pyramid(t), to: pyramid(t + direction))
            for (k, n) in live.enumerated() {
                let r = results[k]
                out[n] = r.found && r.error <= maxResidual ? SIMD2(r.x, r.y) : nil
            }
            t += direction
        }
        return out
    }
}
