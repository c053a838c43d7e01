// The `points` section: how the points stage selects a clip's queries (Features'
// QuerySelectionConfiguration documents the selection; Pipeline's PointsStage the artifact).

import Features

public struct PointsConfiguration: Sendable, Equatable {
    public var selection = QuerySelectionConfiguration()
    /// Below this many queries the clip is skipped.
    public var minPoints = 32
    /// A rig's views to select queries in: nil for all, or one view's name.
    public var referenceView: String?
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["mode", "count", "frames", "first_fraction", "min_distance", "border", "trackability_window",
                     "min_eigenvalue", "corner_window", "min_points", "views", "moving_min_distance", "moving_threshold"])
        if let views = try s.string("views"), views != "all" { referenceView = views }
        if let mode = try s.string("mode") {
            guard let m = QuerySelectionConfiguration.Mode(rawValue: mode) else { throw s.error("mode", "must be sift or grid") }
            selection.mode = m
        }
        selection.count = try s.int("count", atLeast: 1) ?? selection.count
        selection.frames = try s.int("frames", atLeast: 1) ?? selection.frames
        if let f = try s.double("first_fraction", atLeast: 0) {
            guard f > 0 && f <= 1 else { throw s.error("first_fraction", "must be in (0, 1]") }
            selection.firstFraction = f
        }
        selection.minDistance = Float(try s.double("min_distance", atLeast: 0) ?? Double(selection.minDistance))
        selection.border = try s.int("border", atLeast: 0) ?? selection.border
        if let window = try s.int("trackability_window", atLeast: 3) {
            guard window % 2 == 1 else { throw s.error("trackability_window", "must be odd") }
            selection.trackabilityRadius = window / 2
        }
        if let window = try s.int("corner_window", atLeast: 3) {
            guard window % 2 == 1 else { throw s.error("corner_window", "must be odd") }
            selection.cornerRadius = window / 2
        }
        selection.minEigenvalue = Float(try s.double("min_eigenvalue", atLeast: 0) ?? Double(selection.minEigenvalue))
        selection.movingMinDistance = Float(try s.double("moving_min_distance", atLeast: 0) ?? Double(selection.movingMinDistance))
        selection.movingThreshold = Float(try s.double("moving_threshold", atLeast: 0) ?? Double(selection.movingThreshold))
        minPoints = try s.int("min_points", atLeast: 1) ?? minPoints
    }
}
