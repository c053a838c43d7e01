// SIFT (Lowe, "Distinctive Image Features from Scale-Invariant Keypoints", IJCV 2004)
// with OpenCV's behaviour as the reference: the same defaults (SIFTConfiguration), the
// same scale space, extremum tests, refinement, orientation and descriptor, so that its
// keypoints agree with OpenCV's (ops/bench/sift_reference.py measures how closely).
// A SIFT object owns its scale space and scratch buffers and is meant to be reused
// across the frames of a video: detect a frame, then describe its keypoints.
//
//     let sift = SIFT()
//     let keypoints = sift.detect(frame)            // frame: GreyImage, 0…255
//     let descriptors = sift.describe(keypoints)    // [N × 128], of the last detected frame

import Imaging

public final class SIFT {
    public let configuration: SIFTConfiguration
    private let space: SIFTScaleSpace
    private var histogram: [Float] = []
    private var samples: [Float] = []

    public init(configuration: SIFTConfiguration = SIFTConfiguration()) {
        self.configuration = configuration
        self.space = SIFTScaleSpace(configuration: configuration)
    }

    /// Keypoints of `image` (grey, 0…255), in input pixels.
    public func detect(_ image: GreyImage) -> [SIFTKeypoint] {
        space.build(image)
        return SIFTDetector(configuration: configuration).detect(in: space)
    }

    /// 128-value descriptors of `keypoints`, which must come from the last `detect` call,
    /// row-major [N × 128].
    public func describe(_ keypoints: [SIFTKeypoint]) -> [Float] {
        var out = [Float](repeating: 0, count: keypoints.count * SIFTDescriptor.length)
        out.withUnsafeMutableBufferPointer { buffer in
            for (i, keypoint) in keypoints.enumerated() {
                SIFTDescriptor.describe(keypoint, in: space, histogram: &histogram, samples: &samples,
                                        out: buffer.baseAddress! + i * SIFTDescriptor.length)
            }
        }
        return out
    }

    /// Descriptor length (128).
    public static let descriptorLength = SIFTDescriptor.length
}
