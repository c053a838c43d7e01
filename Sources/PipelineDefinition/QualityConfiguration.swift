// The `quality` section: the label filter's settings (Labelling's LabelFilterConfiguration
// documents each) and the fewest tracks a clip must keep.

import Labelling

public struct QualityConfiguration: Sendable, Equatable {
    public var filter = LabelFilterConfiguration()
    public var minTracks = 16
    /// Query anchoring of the kept labels (Labelling/QueryAnchoring.swift); nil: off.
    public var anchoring: QueryAnchoring? = QueryAnchoring()
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["agree_px", "min_appearance", "appearance_window", "cycle_px", "cycle_search", "jump_factor",
                     "min_jump_px", "duplicate_px", "min_frames", "min_tracks", "solo_appearance", "occlusion_search",
                     "occlusion_gap", "refute_appearance", "occlusion_agree_px", "occlusion_margin", "anchor_peak"])
        if let a = try s.double("refute_appearance") {
            guard a >= -1 && a <= 1 else { throw s.error("refute_appearance", "must be in [-1, 1] (a ZNCC)") }
            filter.refuteAppearance = Float(a)
        }
        filter.occlusionGap = try s.int("occlusion_gap", atLeast: 0) ?? filter.occlusionGap
        filter.agreePx = Float(try s.double("agree_px", atLeast: 0) ?? Double(filter.agreePx))
        if let a = try s.double("min_appearance") {
            guard a >= -1 && a <= 1 else { throw s.error("min_appearance", "must be in [-1, 1] (a ZNCC)") }
            filter.minAppearance = Float(a)
        }
        if let w = try s.int("appearance_window", atLeast: 3) {
            guard w % 2 == 1 else { throw s.error("appearance_window", "must be odd") }
            filter.appearanceRadius = w / 2
        }
        filter.cyclePx = Float(try s.double("cycle_px", atLeast: 0) ?? Double(filter.cyclePx))
        filter.cycleSearch = try s.int("cycle_search", atLeast: 1) ?? filter.cycleSearch
        filter.jumpFactor = Float(try s.double("jump_factor", atLeast: 1) ?? Double(filter.jumpFactor))
        filter.minJumpPx = Float(try s.double("min_jump_px", atLeast: 0) ?? Double(filter.minJumpPx))
        filter.duplicatePx = Float(try s.double("duplicate_px", atLeast: 0) ?? Double(filter.duplicatePx))
        filter.minFrames = try s.int("min_frames", atLeast: 0) ?? filter.minFrames
        minTracks = try s.int("min_tracks", atLeast: 1) ?? minTracks
        if let a = try s.double("anchor_peak") {
            guard a >= -1 && a <= 1 else { throw s.error("anchor_peak", "must be in [-1, 1] (a ZNCC; 1 = never move a label)") }
            if a >= 1 { anchoring = nil } else { anchoring = QueryAnchoring(); anchoring?.minPeak = Float(a) }
        }
        if let a = try s.double("solo_appearance") {
            guard a >= -1 && a <= 1 else { throw s.error("solo_appearance", "must be in [-1, 1] (a ZNCC; 1 = never on appearance alone)") }
            filter.soloAppearance = Float(a)
        }
        filter.occlusionSearch = try s.int("occlusion_search", atLeast: 0) ?? filter.occlusionSearch
        filter.occlusionMargin = try s.int("occlusion_margin", atLeast: 0) ?? filter.occlusionMargin
        filter.occlusionAgreePx = Float(try s.double("occlusion_agree_px", atLeast: 0) ?? Double(filter.occlusionAgreePx))
    }
}
