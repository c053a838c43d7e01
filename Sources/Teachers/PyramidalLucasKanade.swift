// Pyramidal Lucas–Kanade point tracking in Bouguet's formulation ("Pyramidal
// Implementation of the Lucas Kanade Feature Tracker", Intel, 2000), with OpenCV's
// calcOpticalFlowPyrLK as the reference for every choice: a 21×21 window, 3 pyramid
// levels above the base, at most 30 Gauss–Newton iterations or a step below 0.01 px,
// Scharr derivatives of the previous frame, bilinear sampling, a half step back when two
// steps cancel (oscillation), and a point refused where the window's gradient matrix is
// near singular: λ_min of the mean structure tensor below `minEigenvalue`. OpenCV's
// default minEigThreshold 1e-4 is stated for Scharr derivatives scaled by 32 and a
// factor 2⁻²⁰, i.e. λ_min ≥ 1e-4 · 1024 ≈ 0.1 in grey levels per pixel, which is the
// unit used here. The coarse-to-fine guess doubles from level to level; a point lost at
// the base level (singular window, or the window leaving the frame) is reported lost.
// The error is the mean absolute difference between the two windows, grey levels.

import Imaging

public struct LucasKanadeConfiguration: Sendable, Equatable {
    /// Window side, pixels (odd).
    public var window = 21
    /// Pyramid levels above the base.
    public var levels = 3
    public var maxIterations = 30
    /// Stop when a step is shorter than this, pixels.
    public var epsilon: Float = 0.01
    /// λ_min of the window's mean structure tensor, (grey levels / pixel)².
    public var minEigenvalue: Float = 1e-4 * 1024
    public init() {}
}

/// A frame prepared for tracking: its pyramid and the Scharr derivatives of each level.
/// Build it once per frame and use it both as the source and as the target.
public struct LucasKanadeFrame: Sendable {
    public let levels: [GreyImage]
    let dx: [GreyImage]
    let dy: [GreyImage]

    public init(_ image: GreyImage, levels: Int) {
        self.levels = GaussianPyramid.build(image, levels: levels)
        var dx: [GreyImage] = [], dy: [GreyImage] = []
        for level in self.levels {
            let d = ScharrDerivatives.of(level)
            dx.append(d.dx); dy.append(d.dy)
        }
        self.dx = dx
        self.dy = dy
    }
}

public struct LucasKanadeResult: Equatable, Sendable {
    public var x: Float
    public var y: Float
    /// False when the point could not be tracked (singular window, or it left the frame).
    public var found: Bool
    /// Mean absolute difference between the source and target windows, grey levels.
    public var error: Float
}

public struct PyramidalLucasKanade: Sendable {
    public let configuration: LucasKanadeConfiguration

    public init(configuration: LucasKanadeConfiguration = LucasKanadeConfiguration()) {
        self.configuration = configuration
    }

    /// Tracks `points` (pixels, integer = pixel centre) from `source` to `target`.
    /// `guesses`, when given, are the starting positions in `target`.
    public func track(_ points: [SIMD2<Float>], from source: LucasKanadeFrame, to target: LucasKanadeFrame,
                      guesses: [SIMD2<Float>]? = nil) -> [LucasKanadeResult] {
        let c = configuration
        let half = (c.window - 1) / 2
        let area = c.window * c.window
        let top = min(source.levels.count, target.levels.count) - 1
        var patch = [Float](repeating: 0, count: 4 * area)
        var results: [LucasKanadeResult] = []
        results.reserveCapacity(points.count)
        patch.withUnsafeMutableBufferPointer { buffer in
            let iv = buffer.baseAddress!, ixv = iv + area, iyv = ixv + area, jv = iyv + area
            for (index, point) in points.enumerated() {
                var next = (guesses?[index] ?? point) / Float(1 << top)
                var found = true
                var error: Float = 0
                for level in stride(from: top, through: 0, by: -1) {
                    let scale = Float(1 << level)
                    if level != top { next *= 2 }
                    let prev = point / scale
                    let image = source.levels[level], gx = source.dx[level], gy = source.dy[level]
                    let j = target.levels[level]
                    // The source window and its gradients, bilinearly sampled.
                    var a11: Float = 0, a12: Float = 0, a22: Float = 0
                    let origin = prev - Float(half)
                    Self.window(image, at: origin, size: c.window, into: iv)
                    // Outside the frame the gradients are zero (OpenCV pads its derivative
                    // images with zeros): a window hanging over the edge gains no fake texture.
                    Self.window(gx, at: origin, size: c.window, into: ixv, zeroOutside: true)
                    Self.window(gy, at: origin, size: c.window, into: iyv, zeroOutside: true)
                    for k in 0..<area {
                        a11 += ixv[k] * ixv[k]; a12 += ixv[k] * iyv[k]; a22 += iyv[k] * iyv[k]
                    }
                    let det = a11 * a22 - a12 * a12
                    let minEigenvalue = (a22 + a11 - ((a11 - a22) * (a11 - a22) + 4 * a12 * a12).squareRoot()) / (2 * Float(area))
                    if minEigenvalue < c.minEigenvalue || det < Float.ulpOfOne {
                        if level == 0 { found = false }
                        continue
                    }
                    var previousDelta = SIMD2<Float>(0, 0)
                    for iteration in 0..<c.maxIterations {
                        let corner = next - Float(half)
                        if corner.x < -Float(c.window) || corner.y < -Float(c.window)
                            || corner.x >= Float(j.width) || corner.y >= Float(j.height) {
                            if level == 0 { found = false }
                            break
                        }
                        let (b1, b2) = Self.mismatch(j, at: corner, size: c.window, source: iv, gx: ixv, gy: iyv, scratch: jv)
                        let delta = SIMD2((a12 * b2 - a22 * b1) / det, (a12 * b1 - a11 * b2) / det)
                        next += delta
                        if (delta * delta).sum() <= c.epsilon * c.epsilon { break }
                        if iteration > 0 {
                            let sum = delta + previousDelta
                            if abs(sum.x) < 0.01 && abs(sum.y) < 0.01 { next -= delta * 0.5; break }
                        }
                        previousDelta = delta
                    }
                }
                if found {
                    let corner = next - Float(half)
                    error = Self.meanAbsoluteDifference(target.levels[0], at: corner, size: c.window, source: iv, scratch: jv)
                    let w0 = Float(target.levels[0].width), h0 = Float(target.levels[0].height)
                    if next.x < -0.5 || next.y < -0.5 || next.x > w0 - 0.5 || next.y > h0 - 0.5 { found = false }
                }
                results.append(LucasKanadeResult(x: next.x, y: next.y, found: found, error: error))
            }
        }
        return results
    }

    /// Samples the size×size window whose top-left sample is at `origin` (bilinear) into
    /// `out`; outside the image, edges are clamped, or read as zero with `zeroOutside`.
    static func window(_ image: GreyImage, at origin: SIMD2<Float>, size: Int, into out: UnsafeMutablePointer<Float>,
                       zeroOutside: Bool = false) {
        let x0 = origin.x.rounded(.down), y0 = origin.y.rounded(.down)
        let a = origin.x - x0, b = origin.y - y0
        let w00 = (1 - a) * (1 - b), w01 = a * (1 - b), w10 = (1 - a) * b, w11 = a * b
        let ix = Int(x0), iy = Int(y0)
        let w = image.width, h = image.height
        image.pixels.withUnsafeBufferPointer { p in
            let inside = ix >= 0 && iy >= 0 && ix + size < w && iy + size < h
            for y in 0..<size {
                if inside {
                    let r0 = p.baseAddress! + (iy + y) * w + ix, r1 = r0 + w
                    for x in 0..<size {
                        out[y * size + x] = w00 * r0[x] + w01 * r0[x + 1] + w10 * r1[x] + w11 * r1[x + 1]
                    }
                } else if zeroOutside {
                    @inline(__always) func at(_ xx: Int, _ yy: Int) -> Float {
                        xx >= 0 && yy >= 0 && xx < w && yy < h ? p[yy * w + xx] : 0
                    }
                    for x in 0..<size {
                        let xa = ix + x, ya = iy + y
                        out[y * size + x] = w00 * at(xa, ya) + w01 * at(xa + 1, ya) + w10 * at(xa, ya + 1) + w11 * at(xa + 1, ya + 1)
                    }
                } else {
                    let ya = min(max(iy + y, 0), h - 1), yb = min(max(iy + y + 1, 0), h - 1)
                    for x in 0..<size {
                        let xa = min(max(ix + x, 0), w - 1), xb = min(max(ix + x + 1, 0), w - 1)
                        out[y * size + x] = w00 * p[ya * w + xa] + w01 * p[ya * w + xb] + w10 * p[yb * w + xa] + w11 * p[yb * w + xb]
                    }
                }
            }
        }
    }

    /// Σ (J − I)·Ix and Σ (J − I)·Iy over the window of J at `origin` (sampled into `scratch`).
    static func mismatch(_ j: GreyImage, at origin: SIMD2<Float>, size: Int, source: UnsafePointer<Float>,
                         gx: UnsafePointer<Float>, gy: UnsafePointer<Float>, scratch sampled: UnsafeMutablePointer<Float>) -> (Float, Float) {
        window(j, at: origin, size: size, into: sampled)
        var b1: Float = 0, b2: Float = 0
        for k in 0..<(size * size) {
            let d = sampled[k] - source[k]
            b1 += d * gx[k]; b2 += d * gy[k]
        }
        return (b1, b2)
    }

    static func meanAbsoluteDifference(_ j: GreyImage, at origin: SIMD2<Float>, size: Int, source: UnsafePointer<Float>,
                                       scratch sampled: UnsafeMutablePointer<Float>) -> Float {
        window(j, at: origin, size: size, into: sampled)
        var sum: Float = 0
        for k in 0..<(size * size) { sum += abs(sampled[k] - source[k]) }
        return sum / Float(size * size)
    }
}
