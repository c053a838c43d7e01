// Filters a teacher's pseudo-labels with the evidence of an independent tracker and of
// the frames themselves, per frame and per track, so that what reaches the shards is
// right rather than merely plentiful. CoTracker3 (Karaev et al., 2024, §3.2) keeps a
// teacher's point wherever its own visibility exceeds 0.9; here a label must also
// survive, in this order:
//   visibility   both trackers agree the point is seen, or both that it is hidden (an
//                occlusion label needs both, with their estimates of the hidden point
//                within `occlusionAgreePx`: where they disagree there is no label). Where
//                the teacher sees the point and the full tracker has lost it, the label
//                stands on the frame's evidence alone: ZNCC ≥ `soloAppearance` (default 1:
//                never; with the other defaults, 0.9 kept 2% more labels at 1.5% less
//                precision within 2 px on the layers sequences) and the cycle check. An
//                occlusion label is refuted when the query patch is found
//                (ZNCC ≥ `refuteAppearance`) within `occlusionSearch` pixels of the teacher's
//                estimate: the point is there, seen;
//   agreement    the two positions lie within `agreePx` (pixels at 256×256, TAP-Vid's scale);
//   appearance   the patch at the label still correlates (ZNCC ≥ `minAppearance`, default
//                0) with the query patch; below it the track slid onto another surface and
//                is cut from that frame on, away from the query frame. Both trackers
//                agree on these labels, and a turning or scaling surface changes its patch
//                without either being wrong. At the former 0.5 the rule removed more right
//                labels than any other; at 0 it cuts only a patch unlike the query's: on
//                `make bench`'s dev sequences 1.05× the correct visible labels (194,707 →
//                204,345), visible precision within 2 px 0.9751 → 0.9740, recall_4 0.689 →
//                0.712, share on moving objects 0.539 → 0.557;
//   motion       a step far beyond the clip's typical motion (> max(`minJumpPx`,
//                `jumpFactor` × the median step)) cuts the track from there on;
//   cycle        the label's own patch, searched in the query frame around the query,
//                lands within `cyclePx` (256 scale) of it;
//   unbounded    an occlusion label stands only between two of the track's visible labels
//                with at most `occlusionGap` unlabelled frames between it and each of
//                them: a hidden point is seen going behind and coming out; a lost one is
//                not, and two trackers losing the same point under a strong appearance
//                change would otherwise say "occluded" where it is in plain view;
//   occlusion-edge  the `occlusionMargin` frames at either end of a run of occlusion
//                labels are dropped: there the point is half hidden, and a frame early or
//                late is the commonest wrong occlusion label;
//   duplicate    two tracks within `duplicatePx` of each other wherever both are seen
//                keep one (the one with more labels);
//   per track    fewer than `minFrames` labelled frames besides the query: dropped.
// A filtered label becomes "no label" (valid 0), never "occluded". Confidence combines
// the teacher's, the agreement and the appearance. Defaults were set by measurement on
// ../shared/bench's layers sequences (see the issue 6 note).

import Imaging
import Teachers

/// The label filter's settings (the pipeline's `quality` section; the YAML key of each is
/// given where it is not the Swift name in snake case). Distances marked "at 256" are in
/// pixels of the frame scaled to 256×256, TAP-Vid's scale.
public struct LabelFilterConfiguration: Sendable, Equatable {
    /// agreement: the two trackers' positions of a seen point within this distance (at 256).
    public var agreePx: Float = 2
    /// appearance: the least ZNCC of the label's patch with the query patch.
    public var minAppearance: Float = 0
    /// The half-size of the query patch (YAML `appearance_window` = 2·radius + 1, odd).
    public var appearanceRadius = 7
    /// cycle: the label's patch found again in the query frame within this distance of the query (at 256).
    public var cyclePx: Float = 2
    /// cycle: how far (pixels) around the query the label's patch is searched for.
    public var cycleSearch = 4
    /// motion: a step longer than this multiple of the clip's median step is a jump (JumpLimit).
    public var jumpFactor: Float = 8
    /// motion: the smallest jump, in pixels (JumpLimit.minimum).
    public var minJumpPx: Float = 8
    /// duplicate: two tracks this close (pixels) wherever both are seen are one.
    public var duplicatePx: Float = 1
    /// short-track: fewer labelled frames than this besides the query drop the track.
    public var minFrames = 12
    /// visibility: the least ZNCC for a label only the teacher sees (1: never kept).
    public var soloAppearance: Float = 1
    /// occlusion-refuted: an occlusion label is refuted where the query patch is found at this ZNCC.
    public var refuteAppearance: Float = 0.75
    /// occlusion-refuted: how far (pixels) around the teacher's estimate the query patch is searched for.
    public var occlusionSearch = 8
    /// visibility: both trackers' estimates of a hidden point within this distance (at 256).
    public var occlusionAgreePx: Float = 4
    /// unbounded: the most unlabelled frames between an occlusion label and a seen label on each side.
    public var occlusionGap = 3
    /// occlusion-edge: frames dropped at either end of a run of occlusion labels.
    public var occlusionMargin = 1
    public init() {}
}

/// How many labels (point-frames besides the query frames) and tracks each rule removed.
public struct LabelFilterStatistics: Sendable, Equatable {
    public var tracksIn = 0, tracksOut = 0
    public var labelsIn = 0, labelsOut = 0, visibleOut = 0, occludedOut = 0
    public var removed: [String: Int] = [:]
    public var tracksRemoved: [String: Int] = [:]
    /// [T, N]: for each label removed, 1 + the index of its rule in LabelFilter.labelRules (0: not removed).
    public var removedBy: [UInt8] = []

    /// Counts `labels` labels removed by `rule`.
    mutating func count(_ rule: LabelRule, labels: Int = 1) { removed[rule.rawValue, default: 0] += labels }

    public var json: [String: Any] {
        ["tracks_in": tracksIn, "tracks_out": tracksOut, "labels_in": labelsIn, "labels_out": labelsOut,
         "visible_out": visibleOut, "occluded_out": occludedOut, "labels_removed": removed, "tracks_removed": tracksRemoved]
    }
}

public struct LabelFilter {
    public var configuration: LabelFilterConfiguration
    public init(configuration: LabelFilterConfiguration = .init()) { self.configuration = configuration }

    /// The rules this filter applies, in the order its header describes them.
    public static let labelRules: [LabelRule] = [.visibility, .agreement, .appearance, .motion, .cycle, .occlusionRefuted, .unbounded,
                                                 .occlusionEdge, .duplicate, .shortTrack]

    /// Filters `teacher` with `checker` (both [T, N]) on `frames`. Returns the labels of
    /// the kept tracks, the indices of those tracks, and the statistics. The rules run in
    /// the order of the header, each a step of FilterPass.
    public func filter(teacher: TeacherTracks, checker: TeacherTracks, queries: [TeacherQuery],
                       frames: [GreyImage]) -> (labels: TeacherTracks, kept: [Int], statistics: LabelFilterStatistics) {
        precondition(checker.frames == teacher.frames && checker.points == teacher.points && queries.count == teacher.points
                     && frames.count == teacher.frames)
        var pass = FilterPass(configuration: configuration, teacher: teacher, checker: checker, queries: queries, frames: frames)
        pass.judgeEachLabel()
        pass.followEachTrack()
        pass.boundOcclusions()
        pass.trimOcclusionEdges()
        let kept = pass.keptTracks()
        let out = pass.labels(of: kept)
        return (out, kept, pass.stats)
    }
}

/// One clip's labels as LabelFilter's rules pass over them: [T, N] arrays of what is still
/// labelled, seen, and seen by the teacher alone, with each label's confidence, and what
/// the rules read (both trackers' labels, the queries, the frames).
private struct FilterPass {
    let c: LabelFilterConfiguration
    let teacher: TeacherTracks, checker: TeacherTracks
    let queries: [TeacherQuery]
    let frames: [GreyImage]
    let t: Int, n: Int
    /// Pixels to TAP-Vid's 256×256 scale.
    let sx: Float, sy: Float
    var valid: [Bool], visible: [Bool], solo: [Bool]
    var confidence: [Float]
    var stats = LabelFilterStatistics()

    init(configuration: LabelFilterConfiguration, teacher: TeacherTracks, checker: TeacherTracks, queries: [TeacherQuery], frames: [GreyImage]) {
        c = configuration
        self.teacher = teacher; self.checker = checker; self.queries = queries; self.frames = frames
        t = teacher.frames; n = teacher.points
        let width = Float(frames.first?.width ?? 256), height = Float(frames.first?.height ?? 256)
        sx = 256 / width; sy = 256 / height
        valid = [Bool](repeating: false, count: t * n); visible = valid; solo = valid
        confidence = [Float](repeating: 0, count: t * n)
        for r in LabelFilter.labelRules { stats.removed[r.rawValue] = 0 }
        stats.tracksRemoved = [LabelRule.duplicate.rawValue: 0, LabelRule.shortTrack.rawValue: 0]
        stats.tracksIn = n
        stats.removedBy = [UInt8](repeating: 0, count: t * n)
    }

    /// Counts label `i` as removed by `rule` and records which rule it was.
    mutating func remove(_ i: Int, _ rule: LabelRule) {
        stats.count(rule)
        stats.removedBy[i] = UInt8(LabelFilter.labelRules.firstIndex(of: rule)! + 1)
    }

    func position(_ labels: TeacherTracks, _ i: Int) -> SIMD2<Float> { SIMD2(labels.tracks[2 * i], labels.tracks[2 * i + 1]) }

    func distance256(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
        let d = (a - b) * SIMD2(sx, sy)
        return (d * d).sum().squareRoot()
    }

    /// visibility, agreement: each label of the teacher against the checker's.
    mutating func judgeEachLabel() {
        // Per label: visibility and agreement between the two trackers.
        for f in 0..<t {
            for p in 0..<n where f != queries[p].t && teacher.valid[f * n + p] {
                let i = f * n + p
                stats.labelsIn += 1
                let checkerSeen = checker.valid[i] && checker.visible[i]
                let checkerHidden = checker.valid[i] && !checker.visible[i]
                if teacher.visible[i] {
                    guard checkerSeen else {
                        valid[i] = true; visible[i] = true; solo[i] = true
                        confidence[i] = 0.5 * min(1, max(0, teacher.confidence[i]))
                        continue
                    }
                    let d = distance256(position(teacher, i), position(checker, i))
                    guard d <= c.agreePx else { remove(i, .agreement); continue }
                    valid[i] = true; visible[i] = true
                    let agreement = (d / c.agreePx) * (d / c.agreePx)
                    confidence[i] = min(1, max(0, teacher.confidence[i])) * (1 - 0.5 * agreement)
                } else {
                    guard checkerHidden else { remove(i, .visibility); continue }
                    guard distance256(position(teacher, i), position(checker, i)) <= c.occlusionAgreePx else {
                        remove(i, .agreement); continue
                    }
                    valid[i] = true
                    confidence[i] = 1 - 0.5 * (min(1, max(0, teacher.confidence[i])) + min(1, max(0, checker.confidence[i])))
                }
            }
        }
    }

    /// motion, appearance, visibility (a label the teacher alone sees), occlusion-refuted,
    /// cycle: each track followed from its query outwards, cut at its first jump or change
    /// of appearance.
    mutating func followEachTrack() {
        // Appearance and motion cut a track from the first failure on, away from the query.
        var steps: [Float] = []
        for p in 0..<n {
            for f in 1..<max(t, 1) where visible[f * n + p] && visible[(f - 1) * n + p] {
                let d = position(teacher, f * n + p) - position(teacher, (f - 1) * n + p)
                steps.append((d * d).sum().squareRoot())
            }
        }
        let maxJump = JumpLimit(factor: c.jumpFactor, minimum: c.minJumpPx).limit(steps: steps)
        let search = TemplateSearch(radius: c.cycleSearch, levels: 0)
        let refind = TemplateSearch(radius: c.occlusionSearch, levels: 0)
        for p in 0..<n {
            let q = queries[p]
            let template = QueryTemplate(pyramid: [frames[q.t]], point: SIMD2(q.x, q.y), radius: c.appearanceRadius)
            for direction in [1, -1] {
                var cut: LabelRule? = nil
                var previous = SIMD2(q.x, q.y), previousFrame = q.t
                var f = q.t + direction
                while f >= 0 && f < t {
                    let i = f * n + p
                    defer { f += direction }
                    guard valid[i] else { continue }
                    if let rule = cut {
                        valid[i] = false; visible[i] = false; confidence[i] = 0
                        remove(i, rule)
                        continue
                    }
                    guard visible[i] else {
                        // An occlusion label: refuted if the query patch is plainly there.
                        if template.isTextured, let m = refind.match(template, in: [frames[f]], around: position(teacher, i)),
                           m.peak >= c.refuteAppearance {
                            valid[i] = false; confidence[i] = 0
                            remove(i, .occlusionRefuted)
                        }
                        continue
                    }
                    let here = position(teacher, i)
                    let step = ((here - previous) * (here - previous)).sum().squareRoot() / Float(abs(f - previousFrame))
                    previous = here; previousFrame = f
                    let appearance = template.isTextured ? search.score(template, in: frames[f], at: here) : nil
                    if step > maxJump {
                        cut = .motion
                    } else if let score = appearance, score < c.minAppearance {
                        cut = .appearance
                    }
                    if let rule = cut {
                        valid[i] = false; visible[i] = false; confidence[i] = 0
                        remove(i, rule)
                        continue
                    }
                    if solo[i] && (appearance ?? -1) < c.soloAppearance {
                        valid[i] = false; visible[i] = false; confidence[i] = 0
                        remove(i, .visibility)
                        continue
                    }
                    if let score = appearance {
                        confidence[i] *= 0.5 + 0.5 * min(1, max(0, (score - c.minAppearance) / (1 - c.minAppearance)))
                    }
                    // Cycle: the label's patch found again in the query frame near the query.
                    let back = QueryTemplate(pyramid: [frames[f]], point: here, radius: c.appearanceRadius)
                    if back.isTextured {
                        let match = search.match(back, in: [frames[q.t]], around: SIMD2(q.x, q.y))
                        if match == nil || distance256(match!.position, SIMD2(q.x, q.y)) > c.cyclePx {
                            valid[i] = false; visible[i] = false; confidence[i] = 0
                            remove(i, .cycle)
                        }
                    }
                }
            }
        }
    }

    /// unbounded: occlusion labels need a seen label on each side.
    mutating func boundOcclusions() {
        // Occlusion labels without a visible label on each side within `occlusionGap`
        // unlabelled frames (the query frame counts as visible). Removing one leaves an
        // unlabelled frame where it was, which can leave its neighbours unbounded in turn:
        // the rule is applied again until it removes nothing, so that every occlusion label
        // kept is bounded among the labels kept.
        for p in 0..<n {
            while boundOcclusions(of: p) {}
        }
    }

    /// One pass of the unbounded rule over point `p`'s labels; whether it removed any.
    mutating func boundOcclusions(of p: Int) -> Bool {
        let q = queries[p].t
        func seen(_ f: Int) -> Bool { f == q || (valid[f * n + p] && visible[f * n + p]) }
        // Unlabelled frames between each frame and the nearest seen frame before
        // (after) it; nil where there is none.
        var before = [Int?](repeating: nil, count: t), after = before
        var count: Int? = nil
        for f in 0..<t {
            before[f] = count
            count = seen(f) ? 0 : count.map { valid[f * n + p] ? $0 : $0 + 1 }
        }
        count = nil
        for f in stride(from: t - 1, through: 0, by: -1) {
            after[f] = count
            count = seen(f) ? 0 : count.map { valid[f * n + p] ? $0 : $0 + 1 }
        }
        var removed = false
        for f in 0..<t where valid[f * n + p] && !seen(f) {
            if (before[f] ?? .max) > c.occlusionGap || (after[f] ?? .max) > c.occlusionGap {
                valid[f * n + p] = false; confidence[f * n + p] = 0; remove(f * n + p, .unbounded)
                removed = true
            }
        }
        return removed
    }

    /// occlusion-edge: the ends of runs of occlusion labels.
    mutating func trimOcclusionEdges() {
        // Occlusion labels within `occlusionMargin` frames of the end of their run: the
        // frames where a point goes behind or comes out are half hidden.
        if c.occlusionMargin > 0 {
            let m = c.occlusionMargin
            let hidden = (0..<(t * n)).map { valid[$0] && !visible[$0] }
            for p in 0..<n {
                for f in 0..<t where hidden[f * n + p] {
                    let inside = f - m >= 0 && f + m < t && (f - m...f + m).allSatisfy { g in hidden[g * n + p] }
                    if !inside {
                        valid[f * n + p] = false; confidence[f * n + p] = 0; remove(f * n + p, .occlusionEdge)
                    }
                }
            }
        }
    }

    /// short-track, duplicate: the tracks kept, by index among the queries.
    mutating func keptTracks() -> [Int] {
        // Per track: enough labels, and not a duplicate of a longer track.
        var count = [Int](repeating: 0, count: n)
        for f in 0..<t { for p in 0..<n where valid[f * n + p] && f != queries[p].t { count[p] += 1 } }
        var dropped = [LabelRule?](repeating: nil, count: n)
        let shortTrack = ShortTrackRule(minFrames: c.minFrames)
        for p in 0..<n where shortTrack.drops(labelledFrames: count[p]) { dropped[p] = .shortTrack }
        for a in 0..<n where dropped[a] == nil {
            for b in (a + 1)..<n where dropped[b] == nil && dropped[a] == nil {
                var shared = 0, close = true
                for f in 0..<t where visible[f * n + a] && visible[f * n + b] {
                    let d = position(teacher, f * n + a) - position(teacher, f * n + b)
                    if (d * d).sum() > c.duplicatePx * c.duplicatePx { close = false; break }
                    shared += 1
                }
                if close && shared >= c.minFrames { dropped[count[a] >= count[b] ? b : a] = .duplicate }
            }
        }
        var kept: [Int] = []
        for p in 0..<n {
            if let rule = dropped[p] {
                stats.tracksRemoved[rule.rawValue, default: 0] += 1
                stats.count(rule, labels: count[p])
                let code = UInt8(LabelFilter.labelRules.firstIndex(of: rule)! + 1)
                for f in 0..<t where valid[f * n + p] && f != queries[p].t { stats.removedBy[f * n + p] = code }
            } else { kept.append(p) }
        }
        return kept
    }

    /// The kept tracks' labels (the query frame labelled at the query), counted into the statistics.
    mutating func labels(of kept: [Int]) -> TeacherTracks {
        var out = TeacherTracks(frames: t, points: kept.count)
        for f in 0..<t {
            for (k, p) in kept.enumerated() {
                let i = f * n + p
                let isQuery = f == queries[p].t
                out.set(t: f, n: k, position: isQuery ? SIMD2(queries[p].x, queries[p].y) : position(teacher, i),
                        visible: isQuery || visible[i], confidence: isQuery ? 1 : confidence[i], valid: isQuery || valid[i])
                if !isQuery && valid[i] {
                    stats.labelsOut += 1
                    if visible[i] { stats.visibleOut += 1 } else { stats.occludedOut += 1 }
                }
            }
        }
        stats.tracksOut = kept.count
        return out
    }
}
