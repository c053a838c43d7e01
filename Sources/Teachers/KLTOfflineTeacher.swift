// `klt-offline`: the Lucas–Kanade chain of `klt-online` run forward and then backward in
// time from each query frame, so every frame of the clip gets a label, with
// re-acquisition (Reacquisition): while a point is lost it moves with the points that
// moved with it before (CompanionMotion; the chain itself would follow whatever covers
// the point), and its query patch is searched around there; a match puts it back,
// visible, and the chain goes on from it. The same patch guards the chain: a tracked
// point whose window scores below `minAppearance` (ZNCC) against it is lost, since an
// occluder moving coherently carries a Lucas–Kanade window through the
// forward–backward check. An occluder passing over a point thus interrupts its track
// instead of ending it (TAP-Vid's offline setting; what CoTracker3's offline teachers do
// with global context).

import Imaging

public struct KLTOfflineConfiguration: Sendable, Equatable {
    public var klt = KLTConfiguration()
    public var reacquisition = Reacquisition()
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

    public var version: String { "3" }

    public var parameters: [String: String] {
        let c = configuration
        return ["window": "\(c.klt.lucasKanade.window)", "levels": "\(c.klt.lucasKanade.levels)",
                "forward_backward": "\(c.klt.forwardBackward)", "max_residual": "\(c.klt.maxResidual)",
                "min_appearance": "\(c.minAppearance)"].merging(c.reacquisition.parameters) { a, _ in a }
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
        let c = configuration, r = c.reacquisition
        let levels = c.klt.lucasKanade.levels
        let direction = order.count > 1 && order[1] < order[0] ? -1 : 1
        var chain = LucasKanadeChain(points: queries.count, lucasKanade: PyramidalLucasKanade(configuration: c.klt.lucasKanade),
                                     forwardBackward: c.klt.forwardBackward, maxResidual: c.klt.maxResidual)
        var previous: (t: Int, frame: LucasKanadeFrame)?
        var lost = LostPoints(points: queries.count, reacquisition: r, direction: direction)
        for t in order {
            let current = LucasKanadeFrame(frames[t], levels: levels)
            if let previous {
                let trackedBefore = chain.alive
                let before = chain.position
                chain.step(from: previous.frame, to: current)
                for n in 0..<queries.count where chain.alive[n] {
                    if let template = templates[n],
                       let score = r.search.score(template, in: current.levels[0], at: chain.position[n]), score < c.minAppearance {
                        chain.alive[n] = false
                        chain.confidence[n] = 0
                    }
                }
                lost.record(after: previous.t, before: trackedBefore, now: chain.alive, positions: before, tracks: out)
                let trackedNow = chain.alive
                for n in 0..<queries.count where chain.started[n] && !chain.alive[n] {
                    let (position, match) = lost.follow(n, at: t, in: current.levels, template: templates[n], fallback: chain.position[n],
                                                        tracks: out, current: chain.position, tracked: trackedNow)
                    chain.position[n] = position
                    guard let m = match else { continue }
                    chain.start(n, at: m.position)
                    chain.confidence[n] = r.confidence(m)
                }
            }
            for (n, q) in queries.enumerated() where q.t == t {
                let p = SIMD2(q.x, q.y)
                chain.start(n, at: p)
                if templates[n] == nil { templates[n] = r.template(current.levels, at: p) }
            }
            for n in 0..<queries.count where chain.started[n] && (writesQueryFrame || queries[n].t != t) {
                out.set(t: t, n: n, position: chain.position[n], visible: chain.alive[n], confidence: chain.confidence[n])
            }
            previous = (t, current)
        }
    }
}
