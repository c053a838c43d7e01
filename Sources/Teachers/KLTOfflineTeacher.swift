// `klt-offline`: the Lucas–Kanade chain of `klt-online` run forward and then backward in
// time from each query frame, so every frame of the clip gets a label, with
// re-acquisition: while a point is lost, its query-frame patch (QueryTemplate, side from
// the point's SIFT σ: radius 3σ within 6…10 px) is searched by ZNCC within 32 px of its
// last motion extrapolated (slowing by 10% a frame: the chain itself would follow
// whatever covers the point, so a lost point's reported position is that extrapolation
// too); a peak of at least `reacquirePeak` that is not
// ambiguous (the best other surface scores below `maxAmbiguity` × the peak) puts the
// point back there, visible, and the chain goes on from it. An occluder passing over a
// point therefore interrupts its track instead of ending it (TAP-Vid's offline setting;
// what CoTracker3's offline teachers do with global context). Confidence after a
// re-acquisition starts from the ZNCC peak mapped to 0…1 above `reacquirePeak`.

import Imaging

public struct KLTOfflineConfiguration: Sendable, Equatable {
    public var klt = KLTConfiguration()
    public var search = TemplateSearch(radius: 32, levels: 2)
    /// ZNCC a re-acquired match must reach.
    public var reacquirePeak: Float = 0.85
    /// The best other surface must score below this share of the peak.
    public var maxAmbiguity: Float = 0.9
    public init() {}
}

public struct KLTOfflineTeacher: Teacher {
    public let name = "klt-offline"
    public let configuration: KLTOfflineConfiguration

    public init(configuration: KLTOfflineConfiguration = KLTOfflineConfiguration()) { self.configuration = configuration }

    public var parameters: [String: String] {
        let c = configuration
        return ["window": "\(c.klt.lucasKanade.window)", "levels": "\(c.klt.lucasKanade.levels)",
                "forward_backward": "\(c.klt.forwardBackward)", "max_residual": "\(c.klt.maxResidual)",
                "search_radius": "\(c.search.radius)", "reacquire_peak": "\(c.reacquirePeak)", "max_ambiguity": "\(c.maxAmbiguity)"]
    }

    /// The template radius for a point of scale σ.
    static func templateRadius(sigma: Float) -> Int { min(max(Int((3 * sigma).rounded()), 6), 10) }

    public func track(_ clip: TeacherClip, queries: [TeacherQuery]) -> TeacherTracks {
        let frames = clip.grey
        var out = TeacherTracks(frames: frames.count, points: queries.count)
        guard !frames.isEmpty else { return out }
        var templates = [QueryTemplate?](repeating: nil, count: queries.count)
        walk(frames, order: Array(0..<frames.count), queries: queries, templates: &templates, into: &out, writesQueryFrame: true)
        walk(frames, order: Array((0..<frames.count).reversed()), queries: queries, templates: &templates, into: &out, writesQueryFrame: false)
        return out
    }

    /// One pass of the chain over `order`; points start at their query frame and write
    /// every later frame of the walk.
    private func walk(_ frames: [GreyImage], order: [Int], queries: [TeacherQuery], templates: inout [QueryTemplate?],
                      into out: inout TeacherTracks, writesQueryFrame: Bool) {
        let c = configuration
        let levels = c.klt.lucasKanade.levels
        var chain = LucasKanadeChain(points: queries.count, lucasKanade: PyramidalLucasKanade(configuration: c.klt.lucasKanade),
                                     forwardBackward: c.klt.forwardBackward, maxResidual: c.klt.maxResidual)
        var previous: LucasKanadeFrame?
        var lastSeen = [SIMD2<Float>](repeating: .zero, count: queries.count)
        var velocity = lastSeen
        for t in order {
            let current = LucasKanadeFrame(frames[t], levels: levels)
            if let previous {
                chain.step(from: previous, to: current)
                for n in 0..<queries.count where chain.started[n] {
                    if chain.alive[n] {
                        velocity[n] = chain.position[n] - lastSeen[n]
                        lastSeen[n] = chain.position[n]
                    } else {
                        // Lost (now or earlier): the chain would follow whatever covers the
                        // point; extrapolate its last motion instead, slowing down.
                        velocity[n] *= 0.9
                        lastSeen[n] += velocity[n]
                        chain.position[n] = lastSeen[n]
                    }
                }
            }
            for n in 0..<queries.count where chain.started[n] && !chain.alive[n] {
                guard let template = templates[n],
                      let m = c.search.match(template, in: current.levels, around: chain.position[n]),
                      m.peak >= c.reacquirePeak, m.second < c.maxAmbiguity * m.peak else { continue }
                chain.start(n, at: m.position)
                lastSeen[n] = m.position
                chain.confidence[n] = (m.peak - c.reacquirePeak) / (1 - c.reacquirePeak)
            }
            for (n, q) in queries.enumerated() where q.t == t {
                let p = SIMD2(q.x, q.y)
                chain.start(n, at: p)
                lastSeen[n] = p
                if templates[n] == nil {
                    templates[n] = QueryTemplate(pyramid: current.levels, point: p, radius: Self.templateRadius(sigma: q.sigma))
                }
            }
            for n in 0..<queries.count where chain.started[n] && (writesQueryFrame || queries[n].t != t) {
                out.set(t: t, n: n, position: chain.position[n], visible: chain.alive[n], confidence: chain.confidence[n])
            }
            previous = current
        }
    }
}
