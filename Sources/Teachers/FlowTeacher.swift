// `flow`: tracks by chaining dense optical flow (DISOpticalFlow, OpenCV's FAST preset)
// between consecutive frames, the family of dense-flow teachers (a point follows the
// field sampled bilinearly at its position, p ← p + F_t(p)), forward from the query
// frame with the forward fields and backward with the backward ones. Occlusion where
// forward and backward flow disagree (Sundaram, Brox & Keutzer, "Dense Point
// Trajectories by GPU-Accelerated Large Displacement Optical Flow", ECCV 2010, §4):
// |F(p) + B(p + F(p))|² > 0.01 (|F|² + |B|²) + 0.5, or the point leaving the frame. A
// point that fails is lost from there on in that direction (the flow under an occluder
// follows the occluder), its position still chained. Confidence is the smallest
// 1 − e / e_max along the way, e the forward–backward residual.

import Foundation
import Imaging

public struct FlowTeacher: Teacher {
    public let name = "flow"
    public let dis: DISOpticalFlow

    public init(dis: DISOpticalFlow = DISOpticalFlow()) { self.dis = dis }

    public var parameters: [String: String] {
        let c = dis.configuration
        return ["patch_size": "\(c.patchSize)", "patch_stride": "\(c.patchStride)", "finest_scale": "\(c.finestScale)",
                "gradient_descent_iterations": "\(c.gradientDescentIterations)", "variational_iterations": "\(c.variationalIterations)"]
    }

    public func track(_ clip: TeacherClip, queries: [TeacherQuery]) -> TeacherTracks {
        let frames = clip.grey
        var out = TeacherTracks(frames: frames.count, points: queries.count)
        guard let first = frames.first else { return out }
        let levels = dis.coarsestScale(width: first.width, height: first.height)
        let pyramids = frames.map { GaussianPyramid.build($0, levels: levels, minimumSide: 1) }
        var forward: [FlowField] = [], backward: [FlowField] = []
        for t in 0..<(frames.count - 1) {
            forward.append(dis.flow(from: pyramids[t], to: pyramids[t + 1]))
            backward.append(dis.flow(from: pyramids[t + 1], to: pyramids[t]))
        }
        let width = Float(first.width), height = Float(first.height)
        for (n, q) in queries.enumerated() {
            out.set(t: q.t, n: n, position: SIMD2(q.x, q.y), visible: true, confidence: 1)
            for direction in [1, -1] {
                var p = SIMD2(q.x, q.y), alive = true, confidence: Float = 1
                var t = q.t
                while t + direction >= 0 && t + direction < frames.count {
                    let (there, back) = direction > 0 ? (forward[t], backward[t]) : (backward[t - 1], forward[t - 1])
                    let f = there.displacement(at: p)
                    let next = p + f
                    let b = back.displacement(at: next)
                    let residual = ((f + b) * (f + b)).sum()
                    let limit = 0.01 * ((f * f).sum() + (b * b).sum()) + 0.5
                    let inside = next.x >= -0.5 && next.y >= -0.5 && next.x <= width - 0.5 && next.y <= height - 0.5
                    if alive && (residual > limit || !inside) { alive = false; confidence = 0 }
                    if alive { confidence = min(confidence, 1 - residual.squareRoot() / limit.squareRoot()) }
                    p = next
                    t += direction
                    out.set(t: t, n: n, position: p, visible: alive, confidence: confidence)
                }
            }
        }
        return out
    }
}
