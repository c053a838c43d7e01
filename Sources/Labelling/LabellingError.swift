// The errors of the labelling layer: a clip handed to a rig tracker without what it needs.
// They are deterministic (the same clip fails the same way on every attempt).

public enum LabellingError: Error, CustomStringConvertible, Equatable {
    /// A view of a rig clip has no cameras.
    case uncalibratedView(clip: String, view: String)

    public var description: String {
        switch self {
        case .uncalibratedView(let clip, let view): return "\(clip): view \(view) has no calibration"
        }
    }
}
