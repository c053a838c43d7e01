// The short-track rule, the one place both label filters take it from: a track with fewer
// than `minFrames` labelled frames is dropped whole (its labels count as removed by
// `short-track`). Too few frames teach a tracker nothing about following a point, and a
// track that loses most of its labels to the other rules is seldom right in the rest.
// LabelFilter counts a 2D track's labels besides its query frame, RigLabelFilter a 3D
// track's labelled frames; the quality stage gives both the pipeline's `quality.min_frames`
// (12; RigLabelFilter's own default of 8 is used only when it is made without a pipeline).

public struct ShortTrackRule: Sendable, Equatable {
    /// The fewest labelled frames a track keeps.
    public var minFrames: Int

    public init(minFrames: Int) { self.minFrames = minFrames }

    /// Whether a track with `labelledFrames` labelled frames is dropped.
    public func drops(labelledFrames: Int) -> Bool { labelledFrames < minFrames }
}
