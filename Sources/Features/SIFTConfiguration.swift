// SIFT's parameters, with OpenCV's defaults (cv::SIFT_create and the SIFT_* constants of
// modules/features2d/src/sift.simd.hpp), which follow Lowe, "Distinctive Image Features
// from Scale-Invariant Keypoints", IJCV 2004: 3 layers per octave and σ = 1.6 (§3.3), an
// input assumed blurred by 0.5 and doubled first (§3.3, "the first octave −1"), contrast
// threshold 0.04 / layers (§4, on |D(x̂)| with D in 0…1), edge ratio r = 10 (§4.1).

public struct SIFTConfiguration: Sendable, Equatable {
    /// Scales sampled per octave (s in Lowe §3.3).
    public var layersPerOctave = 3
    /// Blur of the first layer of each octave.
    public var sigma = 1.6
    /// Blur the input is assumed to have already.
    public var assumedBlur = 0.5
    /// Double the image before building the first octave (finds about four times as many
    /// stable keypoints, Lowe §3.3).
    public var doubleImage = true
    /// Minimum |D(x̂)| of a keypoint, divided by layersPerOctave, with D on a 0…1 scale.
    public var contrastThreshold = 0.04
    /// Maximum ratio of principal curvatures (edges are rejected above it).
    public var edgeThreshold = 10.0
    /// Pixels at an octave's border where no extremum is sought.
    public var border = 5
    /// Quadratic refinement steps before an extremum is given up.
    public var maxRefinementSteps = 5
    /// Bins of the orientation histogram, and the share of the highest peak another
    /// peak needs to give its own keypoint.
    public var orientationBins = 36
    public var orientationPeakRatio: Float = 0.8
    /// Keep only the strongest keypoints (by response); nil keeps all.
    public var maxKeypoints: Int? = nil

    public init() {}
}
