// The threshold of the motion rule, the one place both label filters take it from: a step
// (a point's move from one labelled frame to the next) is a jump when it is longer than
// max(`minimum`, `factor` × the median step of the clip). Relative to the clip's own motion,
// so a fast pan is not a jump; with a floor, so a nearly still clip does not make every
// small correction one. LabelFilter applies it to 2D steps in pixels (and cuts the track
// from the jump on); RigLabelFilter to 3D steps in metres (and drops the frame that jumps
// away from both neighbours).

public struct JumpLimit: Sendable, Equatable {
    /// Multiple of the clip's median step.
    public var factor: Float
    /// The smallest limit, in the steps' unit.
    public var minimum: Float

    public init(factor: Float, minimum: Float) { self.factor = factor; self.minimum = minimum }

    /// The limit for a clip whose steps are `steps` (any order; the median is the upper one
    /// of an even count; 0 without steps).
    public func limit(steps: [Float]) -> Float {
        let median = steps.isEmpty ? 0 : steps.sorted()[steps.count / 2]
        return max(minimum, factor * median)
    }
}
