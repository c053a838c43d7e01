// `template`: query-anchored correlation, PseudoTrack's analogue of TAPIR's and
// LocoTrack's global matching with local refinement (Doersch et al., ICCV 2023, §3;
// Cho et al., ECCV 2024), with the template update of Matthews, Ishikawa & Baker ("The
// Template Update Problem", PAMI 2004, strategy 3: update with drift correction). Each
// point's patch (radius 3σ of its SIFT scale, within 6…10 px) is followed frame to frame
// (forward from the query frame, then backward): the recent patch is searched by ZNCC,
// coarse to fine within 32 px of a constant-velocity prediction (TemplateSearch); the
// query patch itself, seen through the similarity warp (rotation in 0.1 rad steps, scale
// in 2^(1/8) steps) that matched last or one step away, is then searched within ±2 px of
// that match. Where it peaks at ≥ `anchorPeak` within `anchorDistance` (1 px), its
// subpixel position is the label, so no drift accumulates; only where the two agree
// within `updateDistance` (0.15 px) is the recent patch cut again there. A frame whose
// recent-patch peak is below `minPeak` (0.7) loses the point. A lost point moves with
// its companions (CompanionMotion: the points that moved with it before; all points walk
// the clip together, frame by frame), or by its decaying velocity when it has none; the
// query patch re-acquires it where it peaks at ≥ `reacquirePeak` (0.85) within 32 px of
// that prediction, or, when the companions made the prediction, where it peaks at
// ≥ `minPeak` within ±2 px of it (0.6 gives AJ 0.593 on layers but brings back fewer
// points after our occluder, 0.8 0.566). Confidence is the peak scaled by its
// sharpness (peak minus the ring two pixels out, saturating at 0.3). On the layers
// sequences (objects turning by up to 0.6 rad and zooming by 25%) the update and the
// warps lift AJ from 0.428 (the query patch alone) to 0.549, and the companions to
// 0.582; thresholds tuned there.

import Foundation
import Imaging

public struct TemplateConfiguration: Sendable, Equatable {
    /// The frame-to-frame search for the recent patch.
    public var search = TemplateSearch(radius: 32, levels: 2)
    /// The anchoring search for the query patch around the frame-to-frame match.
    public var anchor = TemplateSearch(radius: 2, levels: 0)
    /// The recent patch's peak for the point to be visible.
    public var minPeak: Float = 0.7
    /// The query patch's peak for a match to be anchored (position and recent patch
    /// taken from it) ...
    public var anchorPeak: Float = 0.6
    /// ... when it lies within this distance of the frame-to-frame match, pixels.
    public var anchorDistance: Float = 1
    /// The recent patch is cut again at the anchored match only when the two matches lie
    /// within this distance, pixels (Matthews et al.'s drift-corrected update).
    public var updateDistance: Float = 0.15
    /// The query patch's peak that re-acquires a point the recent patch lost.
    public var reacquirePeak: Float = 0.85
    /// Share of its velocity an unseen point keeps per frame.
    public var velocityDecay: Float = 0.8
    /// The warps the query patch is seen through (rotation and scale steps, and bounds).
    public var warps = SimilarityWarps()
    public init() {}
}

public struct TemplateTeacher: Teacher {
    public let name = "template"
    /// The sharpness (peak minus the ring two pixels out) at and above which a match's
    /// confidence is its whole peak; below it the confidence falls in proportion.
    static let fullSharpness: Float = 0.3

    /// A label's confidence: the match's peak scaled by its sharpness, saturating at `fullSharpness`.
    @inline(__always)
    static func confidence(peak: Float, sharpness: Float) -> Float { peak * min(sharpness / fullSharpness, 1) }
    public let configuration: TemplateConfiguration

    public init(configuration: TemplateConfiguration = TemplateConfiguration()) { self.configuration = configuration }

    public var version: String { "3" }

    public var parameters: [String: String] {
        let c = configuration
        return ["search_radius": "\(c.search.radius)", "search_levels": "\(c.search.levels)", "min_peak": "\(c.minPeak)",
                "anchor_peak": "\(c.anchorPeak)", "anchor_distance": "\(c.anchorDistance)", "reacquire_peak": "\(c.reacquirePeak)",
                "velocity_decay": "\(c.velocityDecay)", "rotation_step": "\(c.warps.rotationStep)", "scale_step": "\(c.warps.scaleStep)"]
    }

    /// The patch radius for a point of scale σ: 3σ within 6…10 px.
    static func templateRadius(sigma: Float) -> Int { min(max(Int((3 * sigma).rounded()), 6), 10) }

    public func track(_ clip: TeacherClip, queries: [TeacherQuery]) -> TeacherTracks {
        let frames = clip.grey
        var out = TeacherTracks(frames: frames.count, points: queries.count)
        guard !frames.isEmpty else { return out }
        let pyramids = frames.map { GaussianPyramid.build($0, levels: configuration.search.levels) }
        // Each point's query patch under each warp it has been tried with, built when first needed.
        var banks = [[SIMD2<Int32>: QueryTemplate]](repeating: [:], count: queries.count)
        walk(pyramids, order: Array(0..<frames.count), queries: queries, banks: &banks, into: &out, writesQueryFrame: true)
        walk(pyramids, order: Array((0..<frames.count).reversed()), queries: queries, banks: &banks, into: &out, writesQueryFrame: false)
        return out
    }

    /// One walk over `order`, all points together; each starts at its query frame and
    /// writes every later frame of the walk.
    private func walk(_ pyramids: [[GreyImage]], order: [Int], queries: [TeacherQuery], banks: inout [[SIMD2<Int32>: QueryTemplate]],
                      into out: inout TeacherTracks, writesQueryFrame: Bool) {
        let c = configuration, count = queries.count
        let direction = order.count > 1 && order[1] < order[0] ? -1 : 1
        var started = [Bool](repeating: false, count: count), seen = started
        var position = [SIMD2<Float>](repeating: .zero, count: count), velocity = position
        var confidence = [Float](repeating: 0, count: count)
        var warp = [SIMD2<Int32>](repeating: .zero, count: count)
        var recent = [QueryTemplate?](repeating: nil, count: count)
        var lost = LostPoints(points: count, reacquisition: Reacquisition(), direction: direction)
        let radii = queries.map { Self.templateRadius(sigma: $0.sigma) }
        var versions: [QueryTemplate] = [], tried: [SIMD2<Int32>] = []
        func template(_ n: Int, _ w: SIMD2<Int32>) -> QueryTemplate {
            if let t = banks[n][w] { return t }
            let q = queries[n]
            let t = c.warps.template(pyramids[q.t], point: SIMD2(q.x, q.y), radius: radii[n], warp: w)
            banks[n][w] = t
            return t
        }
        /// Point n's query patch versions: its current warp first, then the neighbours.
        func neighbourhood(_ n: Int) {
            tried = c.warps.neighbourhood(of: warp[n], steps: SimilarityWarps.allNeighbours)
            versions.removeAll(keepingCapacity: true)
            for w in tried { versions.append(template(n, w)) }
        }
        /// Moves point n to a match at frame t that was predicted at `prediction`. A match
        /// far from the prediction keeps the old velocity: one wrong frame must not send
        /// the prediction flying.
        func move(_ n: Int, to found: SIMD2<Float>, predicted prediction: SIMD2<Float>) {
            let jump = found - prediction
            if (jump * jump).sum() <= 16 { velocity[n] = found - position[n] }
            position[n] = found
        }
        var previous: Int?
        for t in order {
            let pyramid = pyramids[t]
            if let previous {
                let before = seen, positionsBefore = position
                // Points seen in the previous frame: the recent patch, searched around a
                // constant-velocity prediction, then anchored to the query patch.
                for n in 0..<count where started[n] && seen[n] {
                    let prediction = position[n] + velocity[n]
                    guard let recentPatch = recent[n], let m = c.search.match(recentPatch, in: pyramid, around: prediction),
                          m.peak >= c.minPeak else { seen[n] = false; continue }
                    var found = (position: m.position, confidence: Self.confidence(peak: m.peak, sharpness: m.sharpness))
                    neighbourhood(n)
                    if let a = c.anchor.match(versions, in: pyramid, around: m.position), a.peak >= c.anchorPeak {
                        let d2 = ((a.position - m.position) * (a.position - m.position)).sum()
                        if d2 <= c.anchorDistance * c.anchorDistance {
                            found = (a.position, Self.confidence(peak: max(a.peak, 0), sharpness: a.sharpness))
                            warp[n] = tried[a.version]
                        }
                        if d2 <= c.updateDistance * c.updateDistance {
                            recent[n] = QueryTemplate(pyramid: pyramid, point: a.position, radius: radii[n])
                        }
                    }
                    move(n, to: found.position, predicted: prediction)
                    confidence[n] = found.confidence
                }
                lost.record(after: previous, before: before, now: seen, positions: positionsBefore, tracks: out)
                // Points not seen: moved with their companions (or by their decaying
                // velocity when none is left), where the query patch may find them again.
                let seenNow = seen, positionsNow = position
                for n in 0..<count where started[n] && !seenNow[n] {
                    let byCompanions = lost.prediction(n, tracks: out, current: positionsNow, tracked: seenNow)
                    let prediction = byCompanions ?? position[n] + velocity[n]
                    neighbourhood(n)
                    var match: TemplateMatch?
                    if let a = c.search.match(versions, in: pyramid, around: prediction), a.peak >= c.reacquirePeak {
                        match = a
                    } else if byCompanions != nil, let a = c.anchor.match(versions, in: pyramid, around: prediction), a.peak >= c.minPeak {
                        match = a   // where its companions say it is, the peak that keeps a point seen suffices
                    }
                    if let a = match {
                        warp[n] = tried[a.version]
                        recent[n] = QueryTemplate(pyramid: pyramid, point: a.position, radius: radii[n])
                        move(n, to: a.position, predicted: prediction)
                        confidence[n] = Self.confidence(peak: a.peak, sharpness: a.sharpness)
                        seen[n] = true
                    } else {
                        velocity[n] = (prediction - position[n]) * c.velocityDecay
                        position[n] = prediction
                        confidence[n] = 0
                    }
                }
            }
            for (n, q) in queries.enumerated() where q.t == t {
                started[n] = true; seen[n] = true
                position[n] = SIMD2(q.x, q.y); velocity[n] = .zero; confidence[n] = 1
                warp[n] = .zero; recent[n] = template(n, .zero)
            }
            for n in 0..<count where started[n] && (writesQueryFrame || queries[n].t != t) {
                out.set(t: t, n: n, position: position[n], visible: seen[n], confidence: confidence[n])
            }
            previous = t
        }
    }
}
