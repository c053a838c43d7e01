// Re-acquisition of a lost point, shared by the offline teachers that lose points
// (`klt-offline`, `flow`): while a point is lost, its query-frame patch (QueryTemplate,
// 21×21 like the Lucas–Kanade window) is searched by ZNCC (TemplateSearch) around its
// predicted position (CompanionMotion: where the points that moved with it have gone).
// A match puts the point back, visible, only if its peak is at least `peak` (0.85), it is
// not ambiguous (the best other surface scores below `maxAmbiguity` × the peak) and it
// lies within `reach` + `growth` per frame lost of the prediction (6 px + 2 px/frame).
// The thresholds were tuned with klt-offline on the layers sequences (an occluder passing
// over a point interrupts its track instead of ending it: TAP-Vid's offline setting).
// Confidence after a re-acquisition starts from the peak mapped to 0…1 above `peak`.
// `template` keeps its lost points in LostPoints too, for the prediction, and matches
// its own warped query patches there.

import Imaging

public struct Reacquisition: Sendable, Equatable {
    public var search = TemplateSearch(radius: 32, levels: 2)
    /// Radius of the query patch, pixels.
    public var templateRadius = 10
    /// ZNCC a re-acquired match must reach.
    public var peak: Float = 0.85
    /// The best other surface must score below this share of the peak.
    public var maxAmbiguity: Float = 0.9
    /// A match must lie within this many pixels of the prediction, plus `growth` per frame
    /// the point has been lost.
    public var reach: Float = 6
    public var growth: Float = 2
    /// How the prediction is made.
    var companions = CompanionMotion()
    public init() {}

    public var parameters: [String: String] {
        ["search_radius": "\(search.radius)", "reacquire_peak": "\(peak)", "max_ambiguity": "\(maxAmbiguity)",
         "reacquire_reach": "\(reach)", "reacquire_growth": "\(growth)", "template_radius": "\(templateRadius)",
         "companion_radius": "\(companions.radius)"]
    }

    /// The query patch of a point at `point` of the frame whose pyramid is given.
    func template(_ pyramid: [GreyImage], at point: SIMD2<Float>) -> QueryTemplate {
        QueryTemplate(pyramid: pyramid, point: point, radius: templateRadius)
    }

    /// The match that puts a point lost for `lostFor` frames back, if any.
    func match(_ template: QueryTemplate?, in pyramid: [GreyImage], around prediction: SIMD2<Float>, lostFor: Int) -> TemplateMatch? {
        guard let template, let m = search.match(template, in: pyramid, around: prediction),
              m.peak >= peak, m.second < maxAmbiguity * m.peak else { return nil }
        let limit = reach + growth * Float(lostFor)
        guard ((m.position - prediction) * (m.position - prediction)).sum() <= limit * limit else { return nil }
        return m
    }

    /// The confidence of a re-acquired point.
    func confidence(_ m: TemplateMatch) -> Float { (m.peak - peak) / (1 - peak) }
}

/// The points one walk through the clip (forward or backward) has lost: after which
/// frame and where each was lost, and its companions then. The teachers that re-acquire
/// keep one per walk.
struct LostPoints {
    let reacquisition: Reacquisition
    /// +1 forward in time, −1 backward.
    let direction: Int
    private var anchor: [SIMD2<Float>]
    private var lostAt: [Int]
    private var companions: [[Int]]

    init(points: Int, reacquisition: Reacquisition, direction: Int) {
        self.reacquisition = reacquisition
        self.direction = direction
        anchor = [SIMD2<Float>](repeating: .zero, count: points)
        lostAt = [Int](repeating: 0, count: points)
        companions = [[Int]](repeating: [], count: points)
    }

    /// Records the points tracked at frame `t` (`before`) and lost in the step after it
    /// (`now`), at their positions at `t`.
    mutating func record(after t: Int, before: [Bool], now: [Bool], positions: [SIMD2<Float>], tracks: TeacherTracks) {
        for n in before.indices where before[n] && !now[n] {
            lostAt[n] = t; anchor[n] = positions[n]
            companions[n] = reacquisition.companions.companions(of: n, at: t, direction: direction, tracks: tracks, tracked: before)
        }
    }

    /// Where lost point `n` is now, moved with its companions tracked at `current`; nil
    /// when none of them is left.
    func prediction(_ n: Int, tracks: TeacherTracks, current: [SIMD2<Float>], tracked: [Bool]) -> SIMD2<Float>? {
        reacquisition.companions.predict(anchor: anchor[n], lostAt: lostAt[n], companions: companions[n],
                                         tracks: tracks, current: current, tracked: tracked)
    }

    /// Lost point `n` at frame `t`: where it is now (moved with its companions, or
    /// `fallback` when none is left), and the match of its query patch that puts it back
    /// there, if any.
    func follow(_ n: Int, at t: Int, in pyramid: [GreyImage], template: QueryTemplate?, fallback: SIMD2<Float>,
                tracks: TeacherTracks, current: [SIMD2<Float>], tracked: [Bool]) -> (position: SIMD2<Float>, match: TemplateMatch?) {
        let predicted = prediction(n, tracks: tracks, current: current, tracked: tracked) ?? fallback
        return (predicted, reacquisition.match(template, in: pyramid, around: predicted, lostFor: abs(t - lostAt[n])))
    }
}
