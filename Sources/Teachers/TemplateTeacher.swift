// `template`: query-anchored correlation, PseudoTrack's analogue of TAPIR's and
// LocoTrack's global matching with local refinement (Doersch et al., ICCV 2023, §3;
// Cho et al., ECCV 2024). Each point's query patch (radius 3σ of its SIFT scale, within
// 6…10 px) is searched in every other frame by ZNCC, coarse to fine within 32 px of a
// constant-velocity prediction from the previous frame of the walk (forward from the
// query frame, then backward), and refined to subpixel against the query patch itself
// (TemplateSearch), so no drift accumulates over the clip. A frame's match is visible
// when its peak reaches `minPeak` and no other surface in the search area scores
// `maxAmbiguity` × the peak or more; otherwise the point is occluded there and its
// position is the prediction, whose velocity decays. Confidence is the peak scaled by
// its sharpness (peak minus the ring two pixels out, saturating at 0.3).

import Imaging

public struct TemplateConfiguration: Sendable, Equatable {
    public var search = TemplateSearch(radius: 32, levels: 2)
    public var minPeak: Float = 0.8
    public var maxAmbiguity: Float = 0.9
    /// Share of its velocity an unseen point keeps per frame.
    public var velocityDecay: Float = 0.8
    public init() {}
}

public struct TemplateTeacher: Teacher {
    public let name = "template"
    public let configuration: TemplateConfiguration

    public init(configuration: TemplateConfiguration = TemplateConfiguration()) { self.configuration = configuration }

    public var parameters: [String: String] {
        let c = configuration
        return ["search_radius": "\(c.search.radius)", "search_levels": "\(c.search.levels)", "min_peak": "\(c.minPeak)",
                "max_ambiguity": "\(c.maxAmbiguity)", "velocity_decay": "\(c.velocityDecay)"]
    }

    /// The patch radius for a point of scale σ: 3σ within 6…10 px.
    static func templateRadius(sigma: Float) -> Int { min(max(Int((3 * sigma).rounded()), 6), 10) }

    public func track(_ clip: TeacherClip, queries: [TeacherQuery]) -> TeacherTracks {
        let frames = clip.grey
        var out = TeacherTracks(frames: frames.count, points: queries.count)
        guard !frames.isEmpty else { return out }
        let levels = configuration.search.levels
        let pyramids = frames.map { GaussianPyramid.build($0, levels: levels) }
        let templates = queries.map { q in
            QueryTemplate(pyramid: pyramids[q.t], point: SIMD2(q.x, q.y), radius: Self.templateRadius(sigma: q.sigma))
        }
        for (n, q) in queries.enumerated() {
            out.set(t: q.t, n: n, position: SIMD2(q.x, q.y), visible: true, confidence: 1)
            for direction in [1, -1] {
                var position = SIMD2(q.x, q.y), velocity = SIMD2<Float>.zero
                var t = q.t + direction
                while t >= 0 && t < frames.count {
                    let prediction = position + velocity
                    let c = configuration
                    if let m = c.search.match(templates[n], in: pyramids[t], around: prediction),
                       m.peak >= c.minPeak, m.second < c.maxAmbiguity * m.peak {
                        // A match far from the prediction keeps the old velocity: one
                        // wrong frame must not send the prediction flying.
                        let jump = m.position - prediction
                        if (jump * jump).sum() <= 16 { velocity = m.position - position }
                        position = m.position
                        out.set(t: t, n: n, position: position, visible: true, confidence: m.peak * min(m.sharpness / 0.3, 1))
                    } else {
                        position = prediction
                        velocity *= c.velocityDecay
                        out.set(t: t, n: n, position: position, visible: false, confidence: 0)
                    }
                    t += direction
                }
            }
        }
        return out
    }
}
