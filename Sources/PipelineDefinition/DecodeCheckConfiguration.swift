// The `decode_check` section: the thresholds of the decode-check stage (Pipeline's
// DecodeCheckStage describes the tests they set).

public struct DecodeCheckConfiguration: Sendable, Equatable {
    public var blankStd = 3.0
    public var frozenMAD = 0.3
    public var frozenFraction = 0.5
    public var cutThreshold = 0.35
    public var cutRatio = 4.0
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["blank_std", "frozen_mad", "frozen_fraction", "cut_threshold", "cut_ratio"])
        blankStd = try s.double("blank_std", atLeast: 0) ?? blankStd
        frozenMAD = try s.double("frozen_mad", atLeast: 0) ?? frozenMAD
        frozenFraction = try s.double("frozen_fraction", atLeast: 0) ?? frozenFraction
        cutThreshold = try s.double("cut_threshold", atLeast: 0) ?? cutThreshold
        cutRatio = try s.double("cut_ratio", atLeast: 0) ?? cutRatio
    }
}
