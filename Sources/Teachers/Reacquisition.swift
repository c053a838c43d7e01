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
