// One view's depth for one frame: camera-frame z in metres per pixel, 0 where there is
// none. Two reads: `liftingDepth`, the depth under a subpixel position only where the
// surface there is smooth, and `depthNear`, the nearest pixel's depth for visibility tests.
//
// Lifting at object edges is where depth goes wrong: interpolating across a discontinuity
// invents a point floating between the two surfaces. A plane's inverse depth is affine in
// the pixel coordinates, so `liftingDepth` checks the second differences of inverse depth
// over the 4×4 pixels around the position (both axes and both diagonals) and refuses when
// any exceeds `smoothness` (default 2% of the local inverse depth: millimetre quantisation
// at several metres and sphere curvature pass; a 5 cm step at 3 m does not), or when any of
// them has no depth. Otherwise it interpolates inverse depth bilinearly (exact on planes).

public struct DepthMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major metres, 0 = no depth.
    public var metres: [Float]

    public init(width: Int, height: Int, metres: [Float]) {
        precondition(metres.count == width * height)
        self.width = width; self.height = height; self.metres = metres
    }

    /// Depth at pixel position (x, y) (pixel centres at integers), or nil at a discontinuity,
    /// a hole or outside the map.
    public func liftingDepth(x: Double, y: Double, smoothness: Float = 0.02) -> Double? {
        guard x.isFinite, y.isFinite else { return nil }
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        guard x0 >= 1, y0 >= 1, x0 + 2 < width, y0 + 2 < height else { return nil }
        // Inverse depth on the 4×4 neighbourhood (x0−1…x0+2, y0−1…y0+2).
        var w = SIMD16<Float>()
        var sum: Float = 0
        for j in 0..<4 {
            let row = (y0 - 1 + j) * width + x0 - 1
            for i in 0..<4 {
                let d = metres[row + i]
                guard d > 0, d.isFinite else { return nil }
                w[4 * j + i] = 1 / d
                sum += 1 / d
            }
        }
        let limit = smoothness * sum / 16
        for j in 0..<4 {
            for i in 1..<3 where abs(w[4 * j + i - 1] + w[4 * j + i + 1] - 2 * w[4 * j + i]) > limit { return nil }
        }
        for i in 0..<4 {
            for j in 1..<3 where abs(w[4 * (j - 1) + i] + w[4 * (j + 1) + i] - 2 * w[4 * j + i]) > limit { return nil }
        }
        for j in 1..<3 {
            for i in 1..<3 {
                if abs(w[4 * (j - 1) + i - 1] + w[4 * (j + 1) + i + 1] - 2 * w[4 * j + i]) > limit { return nil }
                if abs(w[4 * (j - 1) + i + 1] + w[4 * (j + 1) + i - 1] - 2 * w[4 * j + i]) > limit { return nil }
            }
        }
        let fx = Float(x) - Float(x0), fy = Float(y) - Float(y0)
        let top = w[5] * (1 - fx) + w[6] * fx, bottom = w[9] * (1 - fx) + w[10] * fx
        let inverse = top * (1 - fy) + bottom * fy
        return inverse > 0 ? Double(1 / inverse) : nil
    }

    /// The depth of the pixel nearest (x, y), or nil when it has none or lies outside.
    @inlinable public func depthNear(x: Double, y: Double) -> Float? {
        guard x.isFinite, y.isFinite else { return nil }
        let i = Int(x.rounded()), j = Int(y.rounded())
        guard i >= 0, j >= 0, i < width, j < height else { return nil }
        let d = metres[j * width + i]
        return d > 0 && d.isFinite ? d : nil
    }
}
