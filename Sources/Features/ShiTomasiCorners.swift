// Shi–Tomasi corners ("Good Features to Track", CVPR 1994): local maxima (3×3) of the
// structure tensor's smaller eigenvalue over a small block, at least `minEigenvalue`,
// strongest first, refined to sub-pixel by a parabola through the neighbours in x and y.
// The query-selection stage falls back on them where SIFT finds too few trackable blobs.

import Imaging

public struct Corner: Equatable, Sendable {
    public var x: Float
    public var y: Float
    /// λ_min at the corner, (grey levels / pixel)².
    public var score: Float
}

public enum ShiTomasiCorners {
    /// Corners of `image`, strongest first, at least `border` pixels inside it.
    public static func detect(_ image: GreyImage, blockRadius: Int = 3, minEigenvalue: Float, border: Int) -> [Corner] {
        let map = StructureTensor.minEigenvalueMap(image, radius: blockRadius)
        let w = map.width, h = map.height
        let margin = max(border, blockRadius + 2)
        guard w > 2 * margin, h > 2 * margin else { return [] }
        var corners: [Corner] = []
        map.pixels.withUnsafeBufferPointer { m in
            for y in margin..<(h - margin) {
                for x in margin..<(w - margin) {
                    let i = y * w + x
                    let v = m[i]
                    guard v >= minEigenvalue else { continue }
                    guard v > m[i - 1] && v >= m[i + 1] && v > m[i - w] && v >= m[i + w]
                          && v > m[i - w - 1] && v >= m[i + w + 1] && v > m[i - w + 1] && v >= m[i + w - 1] else { continue }
                    corners.append(Corner(x: Float(x) + parabola(m[i - 1], v, m[i + 1]),
                                          y: Float(y) + parabola(m[i - w], v, m[i + w]), score: v))
                }
            }
        }
        return corners.sorted { $0.score > $1.score }
    }

    /// Offset of the vertex of the parabola through (−1, a), (0, b), (1, c), within ±0.5.
    @inline(__always)
    static func parabola(_ a: Float, _ b: Float, _ c: Float) -> Float {
        let denominator = a - 2 * b + c
        guard denominator < 0 else { return 0 }
        return max(-0.5, min(0.5, 0.5 * (a - c) / denominator))
    }
}
