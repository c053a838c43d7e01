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

/// A frame prepared for tracking: its pyramid and the Scharr derivatives of each level,
/// each level padded once, as OpenCV pads them: the derivatives with zeros, the image by
/// repeating its edge (measured better than OpenCV's reflection on the layers sequences:
/// AJ 0.564 against 0.548), so that a window hanging over the frame edge is sampled like any other and
/// gains no fake texture. Build it once per frame and use it as source and as target.
public struct LucasKanadeFrame: Sendable {
    public let levels: [GreyImage]
    let images: [PaddedPlane]
    let dx: [PaddedPlane]
    let dy: [PaddedPlane]

    /// `window`: the largest window that will be tracked with it (sets the padding).
    public init(_ image: GreyImage, levels: Int, window: Int = 21) {
        self.levels = GaussianPyramid.build(image, levels: levels)
        let pad = window + 2
        var images: [PaddedPlane] = [], dx: [PaddedPlane] = [], dy: [PaddedPlane] = []
        for level in self.levels {
            let d = ScharrDerivatives.of(level)
            images.append(PaddedPlane(level, pad: pad, repeatEdge: true))
            dx.append(PaddedPlane(d.dx, pad: pad, repeatEdge: false))
            dy.append(PaddedPlane(d.dy, pad: pad, repeatEdge: false))
        }
        self.images = images
        self.dx = dx
        self.dy = dy
    }
}

/// An image with a border of `pad` pixels on every side: its edge repeated, or zeros.
struct PaddedPlane: Sendable {
    let width: Int
    let height: Int
    let pad: Int
    let stride: Int
    let values: [Float]

    init(_ image: GreyImage, pad: Int, repeatEdge: Bool) {
        width = image.width; height = image.height; self.pad = pad
        stride = image.width + 2 * pad
        var values = [Float](repeating: 0, count: stride * (image.height + 2 * pad))
        for y in 0..<(image.height + 2 * pad) {
            let inside = y >= pad && y < pad + image.height
            guard repeatEdge || inside else { continue }
            let sy = min(max(y - pad, 0), image.height - 1)
            for x in 0..<stride {
                let xInside = x >= pad && x < pad + image.width
                guard repeatEdge || xInside else { continue }
                let sx = min(max(x - pad, 0), image.width - 1)
                values[y * stride + x] = image.pixels[sy * image.width + sx]
            }
        }
        self.values = values
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Samples the size×size window whose top-left sample is at `origin` (bilinear) into
    /// `out`. Beyond the padding the nearest padded sample is used.
    func window(at origin: SIMD2<Float>, size: Int, into out: UnsafeMutablePointer<Float>) {
        let x0 = origin.x.rounded(.down), y0 = origin.y.rounded(.down)
        let a = origin.x - x0, b = origin.y - y0
        let w00 = (1 - a) * (1 - b), w01 = a * (1 - b), w10 = (1 - a) * b, w11 = a * b
        let ix = Int(x0) + pad, iy = Int(y0) + pad
        let rows = height + 2 * pad
        values.withUnsafeBufferPointer { p in
            if ix >= 0 && iy >= 0 && ix + size < stride && iy + size < rows {
                for y in 0..<size {
                    let r0 = p.baseAddress! + (iy + y) * stride + ix, r1 = r0 + stride
                    let o = out + y * size
                    var x = 0
                    while x + 8 <= size {
                        let v = Self.load8(r0 + x) * w00 + Self.load8(r0 + x + 1) * w01
                            + Self.load8(r1 + x) * w10 + Self.load8(r1 + x + 1) * w11
                        UnsafeMutableRawPointer(o + x).storeBytes(of: v, as: SIMD8<Float>.self)
                        x += 8
                    }
                    while x < size {
                        o[x] = w00 * r0[x] + w01 * r0[x + 1] + w10 * r1[x] + w11 * r1[x + 1]
                        x += 1
                    }
                }
            } else {
                for y in 0..<size {
                    let ya = min(max(iy + y, 0), rows - 1), yb = min(max(iy + y + 1, 0), rows - 1)
                    for x in 0..<size {
                        let xa = min(max(ix + x, 0), stride - 1), xb = min(max(ix + x + 1, 0), stride - 1)
                        out[y * size + x] = w00 * p[ya * stride + xa] + w01 * p[ya * stride + xb]
                            + w10 * p[yb * stride + xa] + w11 * p[yb * stride + xb]
                    }
                }
            }
        }
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
                    let image = source.images[level], gx = source.dx[level], gy = source.dy[level]
                    let j = target.images[level]
                    // The source window and its gradients, bilinearly sampled.
                    var a11: Float = 0, a12: Float = 0, a22: Float = 0
                    let origin = prev - Float(half)
                    image.window(at: origin, size: c.window, into: iv)
                    gx.window(at: origin, size: c.window, into: ixv)
                    gy.window(at: origin, size: c.window, into: iyv)
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
                    error = Self.meanAbsoluteDifference(target.images[0], at: corner, size: c.window, source: iv, scratch: jv)
                    let w0 = Float(target.levels[0].width), h0 = Float(target.levels[0].height)
                    if next.x < -0.5 || next.y < -0.5 || next.x > w0 - 0.5 || next.y > h0 - 0.5 { found = false }
                }
                results.append(LucasKanadeResult(x: next.x, y: next.y, found: found, error: error))
            }
        }
        return results
    }

    /// Σ (J − I)·Ix and Σ (J − I)·Iy over the window of J at `origin` (sampled into `scratch`).
    static func mismatch(_ j: PaddedPlane, at origin: SIMD2<Float>, size: Int, source: UnsafePointer<Float>,
                         gx: UnsafePointer<Float>, gy: UnsafePointer<Float>, scratch sampled: UnsafeMutablePointer<Float>) -> (Float, Float) {
        j.window(at: origin, size: size, into: sampled)
        var b1: Float = 0, b2: Float = 0
        for k in 0..<(size * size) {
            let d = sampled[k] - source[k]
            b1 += d * gx[k]; b2 += d * gy[k]
        }
        return (b1, b2)
    }

    static func meanAbsoluteDifference(_ j: PaddedPlane, at origin: SIMD2<Float>, size: Int, source: UnsafePointer<Float>,
                                       scratch sampled: UnsafeMutablePointer<Float>) -> Float {
        j.window(at: origin, size: size, into: sampled)
        var sum: Float = 0
        for k in 0..<(size * size) { sum += abs(sampled[k] - source[k]) }
        return sum / Float(size * size)
    }
}
