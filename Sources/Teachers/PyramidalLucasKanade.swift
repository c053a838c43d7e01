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
// The window loops are ImagingKernels.LucasKanadeWindows (eight samples at a time, the
// AVX2 build where the CPU has it, through Imaging's ImagingKernelSet); an iteration samples the target window and forms its
// sums in one pass, without storing it.

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
/// Immutable once built; it owns its buffer so that windows can be read by pointer.
final class PaddedPlane: @unchecked Sendable {
    let width: Int
    let height: Int
    let pad: Int
    let stride: Int
    let rows: Int
    private let values: UnsafeMutableBufferPointer<Float>

    init(_ image: GreyImage, pad: Int, repeatEdge: Bool) {
        width = image.width; height = image.height; self.pad = pad
        stride = image.width + 2 * pad
        rows = image.height + 2 * pad
        values = .allocate(capacity: stride * rows)
        values.initialize(repeating: 0)
        guard width > 0 && height > 0 else { return }
        let base = values.baseAddress!, w = width, h = height, stride = stride
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<rows {
                let inside = y >= pad && y < pad + h
                guard repeatEdge || inside else { continue }
                let row = src.baseAddress! + min(max(y - pad, 0), h - 1) * w
                let dst = base + y * stride
                (dst + pad).update(from: row, count: w)
                if repeatEdge {
                    dst.update(repeating: row[0], count: pad)
                    (dst + pad + w).update(repeating: row[w - 1], count: pad)
                }
            }
        }
    }

    deinit { values.deallocate() }

    /// The samples a bilinear window reads from (ix, iy), indices in the padded plane:
    /// `columns` + 1 by `windowRows` + 1 of them, as a pointer and a row stride. Where
    /// they would leave the padded plane, they are first copied into `scratch` (at least
    /// (columns + 1) · (windowRows + 1) floats), each taken from the nearest sample.
    func neighbourhood(ix: Int, iy: Int, columns: Int, windowRows: Int,
                       scratch: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, Int) {
        let base = UnsafePointer(values.baseAddress!)
        if ix >= 0 && iy >= 0 && ix + columns < stride && iy + windowRows < rows {
            return (base + iy * stride + ix, stride)
        }
        let s = columns + 1
        for y in 0...windowRows {
            let row = base + min(max(iy + y, 0), rows - 1) * stride
            for x in 0...columns { scratch[y * s + x] = row[min(max(ix + x, 0), stride - 1)] }
        }
        return (UnsafePointer(scratch), s)
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
        let size = c.window, half = Float((c.window - 1) / 2)
        let area = Float(size * size)
        // Windows are stored `chunks` × 8 floats per row; the gradient windows are zero
        // past the window's width, so those columns add nothing to the sums.
        let chunks = (size + 7) / 8, columns = chunks * 8, count = size * columns
        let top = min(source.levels.count, target.levels.count) - 1
        let kernels = ImagingKernelSet.current
        var buffer = [Float](repeating: 0, count: 3 * count + (columns + 1) * (size + 1))
        var results: [LucasKanadeResult] = []
        results.reserveCapacity(points.count)
        buffer.withUnsafeMutableBufferPointer { buffer in
            let iv = buffer.baseAddress!, ixv = iv + count, iyv = ixv + count, scratch = iyv + count
            /// The samples of a window with top-left sample at `corner` in `plane`.
            func placed(_ plane: PaddedPlane, _ corner: SIMD2<Float>) -> (UnsafePointer<Float>, Int, SIMD4<Float>) {
                let x0 = corner.x.rounded(.down), y0 = corner.y.rounded(.down)
                let a = corner.x - x0, b = corner.y - y0
                let (o, s) = plane.neighbourhood(ix: Int(x0) + plane.pad, iy: Int(y0) + plane.pad, columns: columns,
                                                 windowRows: size, scratch: scratch)
                return (o, s, SIMD4((1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b))
            }
            for (index, point) in points.enumerated() {
                var next = (guesses?[index] ?? point) / Float(1 << top)
                var found = true
                var error: Float = 0
                for level in stride(from: top, through: 0, by: -1) {
                    let scale = Float(1 << level)
                    if level != top { next *= 2 }
                    let origin = point / scale - half
                    let j = target.images[level]
                    // The source window and its gradients, bilinearly sampled.
                    let (o, s, w) = placed(source.images[level], origin)
                    kernels.sample(o, s, w, rows: size, chunks: chunks, into: iv)
                    let (ox, sx, _) = placed(source.dx[level], origin)
                    kernels.sample(ox, sx, w, rows: size, chunks: chunks, into: ixv)
                    let (oy, sy, _) = placed(source.dy[level], origin)
                    kernels.sample(oy, sy, w, rows: size, chunks: chunks, into: iyv)
                    for y in 0..<size {
                        for x in size..<columns { ixv[y * columns + x] = 0; iyv[y * columns + x] = 0 }
                    }
                    let tensor = kernels.structureTensor(gx: ixv, gy: iyv, count: count)
                    let a11 = tensor[0], a12 = tensor[1], a22 = tensor[2]
                    let det = a11 * a22 - a12 * a12
                    let minEigenvalue = (a22 + a11 - ((a11 - a22) * (a11 - a22) + 4 * a12 * a12).squareRoot()) / (2 * area)
                    if minEigenvalue < c.minEigenvalue || det < Float.ulpOfOne {
                        if level == 0 { found = false }
                        continue
                    }
                    var previousDelta = SIMD2<Float>(0, 0)
                    for iteration in 0..<c.maxIterations {
                        let corner = next - half
                        if corner.x < -Float(size) || corner.y < -Float(size)
                            || corner.x >= Float(j.width) || corner.y >= Float(j.height) {
                            if level == 0 { found = false }
                            break
                        }
                        let (o, s, w) = placed(j, corner)
                        let b = kernels.mismatch(o, s, w, rows: size, chunks: chunks, source: iv, gx: ixv, gy: iyv)
                        let delta = SIMD2((a12 * b[1] - a22 * b[0]) / det, (a12 * b[0] - a11 * b[1]) / det)
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
                    let (o, s, w) = placed(target.images[0], next - half)
                    error = kernels.absoluteDifference(o, s, w, rows: size, chunks: chunks, width: size, source: iv) / area
                    let w0 = Float(target.levels[0].width), h0 = Float(target.levels[0].height)
                    if next.x < -0.5 || next.y < -0.5 || next.x > w0 - 0.5 || next.y > h0 - 0.5 { found = false }
                }
                results.append(LucasKanadeResult(x: next.x, y: next.y, found: found, error: error))
            }
        }
        return results
    }
}
