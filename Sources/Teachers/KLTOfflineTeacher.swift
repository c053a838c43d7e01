// `klt-offline`: the Lucas–Kanade chain of `klt-online` run forward and then backward in
// time from each query frame, so every frame of the clip gets a label, with
// re-acquisition: while a point is lost, its query-frame patch (QueryTemplate, the
// 21×21 Lucas–Kanade window) is searched by ZNCC around its last motion extrapolated
// (exponentially smoothed velocity, slowing by 10% a frame once lost: the chain itself would follow whatever covers the point, so
// a lost point's reported position is that extrapolation too); a peak of at least
// `reacquirePeak` (0.85), not ambiguous (the best other surface scores below
// `maxAmbiguity` × the peak) and within 6 px + 2 px per frame lost of the extrapolation
// puts the point back there, visible, and the chain goes on from it. The same patch guards the chain: a tracked point whose window
// scores below `minAppearance` against it is lost, since an occluder moving coherently
// carries a Lucas–Kanade window through the forward–backward check. An occluder passing
// over a point thus interrupts its track instead of ending it (TAP-Vid's offline
// setting; what CoTracker3's offline teachers do with global context). Confidence after
// a re-acquisition starts from the ZNCC peak mapped to 0…1 above `reacquirePeak`.

import Imaging

public struct KLTOfflineConfiguration: Sendable, Equatable {
    public var klt = KLTConfiguration()
    public var search = TemplateSearch(radius: 32, levels: 2)
    /// ZNCC a re-acquired match must reach.
    public var reacquirePeak: Float = 0.85
    /// A re-acquired match must lie within this many pixels of the extrapolated
    /// position, plus `reacquireGrowth` per frame the point has been lost.
    public var reacquireReach: Float = 6
    public var reacquireGrowth: Float = 2
    /// Radius of the query patch, pixels (the Lucas–Kanade window's).
    public var templateRadius = 10
    /// The best other surface must score below this share of the peak.
    public var maxAmbiguity: Float = 0.9
    /// A tracked point whose window scores below this ZNCC against its query patch is
    /// lost: the chain has slid onto something else (an occluder moving coherently
    /// passes the forward–backward check).
    public var minAppearance: Float = 0.35
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
                "search_radius": "\(c.search.radius)", "reacquire_peak": "\(c.reacquirePeak)", "max_ambiguity": "\(c.maxAmbiguity)", "min_appearance": "\(c.minAppearance)",
                "reacquire_reach": "\(c.reacquireReach)", "reacquire_growth": "\(c.reacquireGrowth)", "template_radius": "\(c.templateRadius)"]
    }

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
        var lostFor = [Int](repeating: 0, count: queries.count)
        for t in order {
            let current = LucasKanadeFrame(frames[t], levels: levels)
            if let previous {
                chain.step(from: previous, to: current)
                for n in 0..<queries.count where chain.started[n] {
                    if chain.alive[n], let template = templates[n],
                       let score = c.search.score(template, in: current.levels[0], at: chain.position[n]), score < c.minAppearance {
                        chain.alive[n] = false
                        chain.confidence[n] = 0
                    }
                    lostFor[n] = chain.alive[n] ? 0 : lostFor[n] + 1
                    if chain.alive[n] {
                        // Smoothed, so that the step in which an occluder's edge drags the
                        // window before the point is lost weighs little.
                        velocity[n] = 0.7 * velocity[n] + 0.3 * (chain.position[n] - lastSeen[n])
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
                let reach = c.reacquireReach + c.reacquireGrowth * Float(lostFor[n])
                guard ((m.position - chain.position[n]) * (m.position - chain.position[n])).sum() <= reach * reach else { continue }
                chain.start(n, at: m.position)
                lastSeen[n] = m.position
                chain.confidence[n] = (m.peak - c.reacquirePeak) / (1 - c.reacquirePeak)
            }
            for (n, q) in queries.enumerated() where q.t == t {
                let p = SIMD2(q.x, q.y)
                chain.start(n, at: p)
                lastSeen[n] = p
                if templates[n] == nil {
                    templates[n] = QueryTemplate(pyramid: current.levels, point: p, radius: c.templateRadius)
                }
            }
            for n in 0..<queries.count where chain.started[n] && (writesQueryFrame || queries[n].t != t) {
                out.set(t: t, n: n, position: chain.position[n], visible: chain.alive[n], confidence: chain.confidence[n])
            }
            previous = current
        }
    }
}
