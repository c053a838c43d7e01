// Dense optical flow by Dense Inverse Search (Kroeger, Timofte, Dai & Van Gool, "Fast
// Optical Flow using Dense Inverse Search", ECCV 2016), with OpenCV's `PRESET_FAST` as the
// reference setting (8×8 patches every 4 pixels, 16 descent steps, 5 refinement
// iterations) but one scale finer: computed from the coarsest scale (⌊log2(max side /
// 32) + 0.5⌋) down to scale 1 (half the frame's side) and upsampled from there. Scale 1
// instead of FAST's 2 costs about 3× the time and lifts the `flow` teacher on the layers
// sequences from AJ 0.686 / δ 0.796 / OA 0.843 to 0.795 / 0.880 / 0.881. At each scale:
//  1. inverse search (§2.1): each patch's displacement starts from the coarser scale's
//     flow, or from its left/upper neighbour's result if that fits better (spatial
//     propagation, then a second pass in reverse order with the right/lower neighbours,
//     as OpenCV does), and is refined by inverse-compositional Gauss–Newton steps on the
//     mean-normalised patch difference, 16 steps in all; a patch that moves farther than
//     its own side from its start is put back;
//  2. densification (§2.2): each pixel's flow is the average of the patches covering it,
//     weighted by 1 / max(1, |I1(x + u) − I0(x)|);
//  3. variational refinement (§2.3, after Brox et al., ECCV 2004): 5 fixed-point
//     iterations of intensity (δ = 5), gradient (γ = 10) and smoothness (α = 20)
//     constancy with robust (Charbonnier) penalties, each solved by 5 SOR sweeps, on
//     intensities scaled to 0…1 as OpenCV's refinement uses them.
// Frames and flow use the engine's pixel convention (integer = pixel centre); the flow
// of level s is sampled at p / 2^s and scaled by 2^s.

import Foundation
import Imaging

public struct DISConfiguration: Sendable, Equatable {
    /// Fixed: a patch row is one eight-lane vector.
    public let patchSize = 8
    public var patchStride = 4
    public var finestScale = 1
    public var gradientDescentIterations = 16
    public var variationalIterations = 5
    public var alpha: Float = 20
    public var delta: Float = 5
    public var gamma: Float = 10
    public init() {}
}

/// A dense displacement field at 1 / 2^scale of the frame's resolution.
public struct FlowField: Sendable {
    public let width: Int
    public let height: Int
    public let scale: Int
    public var u: [Float]
    public var v: [Float]

    init(width: Int, height: Int, scale: Int) {
        self.width = width; self.height = height; self.scale = scale
        u = [Float](repeating: 0, count: width * height)
        v = [Float](repeating: 0, count: width * height)
    }

    /// The displacement at frame position `p` (frame pixels).
    public func displacement(at p: SIMD2<Float>) -> SIMD2<Float> {
        let f = Float(1 << scale)
        return displacement(atLevelPixel: p / f) * f
    }

    /// This field at the next finer scale (twice the size), displacements doubled.
    func upsampled(toWidth w: Int, height h: Int) -> FlowField {
        var out = FlowField(width: w, height: h, scale: scale - 1)
        u.withUnsafeBufferPointer { pu in
            v.withUnsafeBufferPointer { pv in
                for y in 0..<h {
                    for x in 0..<w {
                        let sx = Float(x) / 2, sy = Float(y) / 2
                        out.u[y * w + x] = 2 * BilinearSample.at(pu.baseAddress!, width: width, height: height, sx, sy)
                        out.v[y * w + x] = 2 * BilinearSample.at(pv.baseAddress!, width: width, height: height, sx, sy)
                    }
                }
            }
        }
        return out
    }
}

public struct DISOpticalFlow: Sendable {
    public let configuration: DISConfiguration

    public init(configuration: DISConfiguration = DISConfiguration()) { self.configuration = configuration }

    /// The coarsest scale used for a frame of this size.
    public func coarsestScale(width: Int, height: Int) -> Int {
        let c = configuration
        let s = Int((log2(Double(max(width, height)) / Double(4 * c.patchSize)) + 0.5).rounded(.down))
        return max(s, c.finestScale)
    }

    /// The flow from `from` to `to` at scale `finestScale`.
    public func flow(from i0: GreyImage, to i1: GreyImage) -> FlowField {
        flow(from: GaussianPyramid.build(i0, levels: coarsestScale(width: i0.width, height: i0.height), minimumSide: 1),
             to: GaussianPyramid.build(i1, levels: coarsestScale(width: i1.width, height: i1.height), minimumSide: 1))
    }

    /// The flow between two pyramids built with `GaussianPyramid.build(_, levels:
    /// coarsestScale(...), minimumSide: 1)`, so that a pyramid is built once per frame.
    public func flow(from p0: [GreyImage], to p1: [GreyImage]) -> FlowField {
        let c = configuration
        let coarsest = min(p0.count, p1.count) - 1
        let finest = min(c.finestScale, coarsest)
        var field = FlowField(width: p0[coarsest].width, height: p0[coarsest].height, scale: coarsest)
        for s in stride(from: coarsest, through: finest, by: -1) {
            let i0 = p0[s], i1 = p1[s]
            if s != coarsest { field = field.upsampled(toWidth: i0.width, height: i0.height) }
            guard i0.width >= c.patchSize && i0.height >= c.patchSize else { continue }
            let patches = inverseSearch(i0, i1, initial: field)
            field = densify(i0, i1, patches: patches, scale: s)
            if c.variationalIterations > 0 { VariationalRefinement(configuration: c).refine(&field, i0, i1) }
        }
        return field
    }

    /// Patch positions along one axis: every `patchStride`, plus one flush with the end.
    private func patchStarts(_ length: Int) -> [Int] {
        let c = configuration
        var starts = Array(stride(from: 0, through: length - c.patchSize, by: c.patchStride))
        if starts.last! != length - c.patchSize { starts.append(length - c.patchSize) }
        return starts
    }

    struct PatchFlows {
        let xs: [Int]
        let ys: [Int]
        var flow: [SIMD2<Float>]
    }

    /// Step 1: one displacement per patch.
    func inverseSearch(_ i0: GreyImage, _ i1: GreyImage, initial: FlowField) -> PatchFlows {
        let c = configuration
        let size = c.patchSize, area = Float(size * size)
        let xs = patchStarts(i0.width), ys = patchStarts(i0.height)
        let d = ScharrDerivatives.of(i0)
        var result = PatchFlows(xs: xs, ys: ys, flow: [SIMD2<Float>](repeating: .zero, count: xs.count * ys.count))
        let half = Float(size - 1) / 2
        let w = i0.width, h = i0.height
        // Per patch: its template and mean-normalised gradients, a row of eight per vector.
        let scratch = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 3 * size)
        defer { scratch.deallocate() }
        let template = scratch, gx = scratch + size, gy = gx + size
        i0.pixels.withUnsafeBufferPointer { p0 in
        d.dx.pixels.withUnsafeBufferPointer { pdx in
        d.dy.pixels.withUnsafeBufferPointer { pdy in
        i1.pixels.withUnsafeBufferPointer { p1 in
        result.flow.withUnsafeMutableBufferPointer { flow in
            let p0 = p0.baseAddress!, pdx = pdx.baseAddress!, pdy = pdy.baseAddress!, p1 = p1.baseAddress!
            /// Loads the patch at (px, py); returns its inverse-compositional Hessian.
            func prepare(_ px: Int, _ py: Int) -> (Float, Float, Float) {
                var mx = SIMD8<Float>(), my = SIMD8<Float>()
                for y in 0..<size {
                    let k = (py + y) * w + px
                    template[y] = SIMD8(loadingFrom: p0 + k); gx[y] = SIMD8(loadingFrom: pdx + k); gy[y] = SIMD8(loadingFrom: pdy + k)
                    mx += gx[y]; my += gy[y]
                }
                let meanX = mx.sum() / area, meanY = my.sum() / area
                var h11 = SIMD8<Float>(), h12 = SIMD8<Float>(), h22 = SIMD8<Float>()
                for y in 0..<size {
                    gx[y] -= meanX; gy[y] -= meanY
                    h11 += gx[y] * gx[y]; h12 += gx[y] * gy[y]; h22 += gy[y] * gy[y]
                }
                let regular: Float = 1e-3 * area
                return (h11.sum() + regular, h12.sum(), h22.sum() + regular)
            }
            /// Visits the residual I1(x + u) − template of each patch row y. One
            /// displacement for the whole patch, so one set of bilinear weights.
            @inline(__always) func residuals(_ px: Int, _ py: Int, _ u: SIMD2<Float>, _ visit: (Int, SIMD8<Float>) -> Void) {
                let sx = Float(px) + u.x, sy = Float(py) + u.y
                let x0f = sx.rounded(.down), y0f = sy.rounded(.down)
                let x0 = Int(x0f), y0 = Int(y0f)
                if x0 >= 0 && y0 >= 0 && x0 + size < w && y0 + size < h {
                    let a = sx - x0f, b = sy - y0f
                    let w00 = (1 - b) * (1 - a), w01 = (1 - b) * a, w10 = b * (1 - a), w11 = b * a
                    for y in 0..<size {
                        let r0 = p1 + (y0 + y) * w + x0, r1 = r0 + w
                        let top = w00 * SIMD8(loadingFrom: r0) + w01 * SIMD8(loadingFrom: r0 + 1)
                        visit(y, top + w10 * SIMD8(loadingFrom: r1) + w11 * SIMD8(loadingFrom: r1 + 1) - template[y])
                    }
                } else {
                    for y in 0..<size {
                        var warped = SIMD8<Float>()
                        for x in 0..<size {
                            warped[x] = BilinearSample.at(p1, width: w, height: h, Float(px + x) + u.x, Float(py + y) + u.y)
                        }
                        visit(y, warped - template[y])
                    }
                }
            }
            /// Mean-normalised SSD of the patch displaced by `u`.
            func cost(_ px: Int, _ py: Int, _ u: SIMD2<Float>) -> Float {
                var sum = SIMD8<Float>(), squares = SIMD8<Float>()
                residuals(px, py, u) { _, r in sum += r; squares += r * r }
                let total = sum.sum()
                return squares.sum() - total * total / area
            }
            func descend(_ px: Int, _ py: Int, from start: SIMD2<Float>, iterations: Int, hessian h: (Float, Float, Float)) -> SIMD2<Float> {
                let det = h.0 * h.2 - h.1 * h.1
                guard det > 0 else { return start }
                var u = start
                for _ in 0..<iterations {
                    // The gradients sum to zero, so the residual's mean drops out of b.
                    var sx = SIMD8<Float>(), sy = SIMD8<Float>()
                    residuals(px, py, u) { y, r in sx += gx[y] * r; sy += gy[y] * r }
                    let b1 = sx.sum(), b2 = sy.sum()
                    let step = SIMD2((h.2 * b1 - h.1 * b2) / det, (h.0 * b2 - h.1 * b1) / det)
                    u -= step
                    if (step * step).sum() < 1e-4 { break }
                }
                let moved = u - start
                return (moved * moved).sum() > area ? start : u
            }
            /// The start among `start` and the neighbours' results that fits the patch best.
            func bestStart(_ px: Int, _ py: Int, _ start: SIMD2<Float>, _ a: Int?, _ b: Int?) -> SIMD2<Float> {
                var start = start, best = cost(px, py, start)
                if let a { let e = cost(px, py, flow[a]); if e < best { best = e; start = flow[a] } }
                if let b, cost(px, py, flow[b]) < best { start = flow[b] }
                return start
            }
            let firstPass = c.gradientDescentIterations / 2, secondPass = c.gradientDescentIterations - firstPass
            let columns = xs.count
            // Forward raster pass: start from the coarser flow or a better-fitting left/upper neighbour.
            for (j, py) in ys.enumerated() {
                for (i, px) in xs.enumerated() {
                    let hessian = prepare(px, py)
                    let centre = SIMD2(Float(px) + half, Float(py) + half)
                    let start = bestStart(px, py, initial.displacement(atLevelPixel: centre),
                                          i > 0 ? j * columns + i - 1 : nil, j > 0 ? (j - 1) * columns + i : nil)
                    flow[j * columns + i] = descend(px, py, from: start, iterations: firstPass, hessian: hessian)
                }
            }
            // Reverse pass with the right/lower neighbours.
            for j in stride(from: ys.count - 1, through: 0, by: -1) {
                for i in stride(from: columns - 1, through: 0, by: -1) {
                    let px = xs[i], py = ys[j]
                    let hessian = prepare(px, py)
                    let start = bestStart(px, py, flow[j * columns + i],
                                          i + 1 < columns ? j * columns + i + 1 : nil, j + 1 < ys.count ? (j + 1) * columns + i : nil)
                    flow[j * columns + i] = descend(px, py, from: start, iterations: secondPass, hessian: hessian)
                }
            }
        }
        }
        }
        }
        }
        return result
    }

    /// Step 2: the dense field, each pixel a photometrically weighted average of the patches covering it.
    func densify(_ i0: GreyImage, _ i1: GreyImage, patches: PatchFlows, scale: Int) -> FlowField {
        let size = configuration.patchSize
        let w = i0.width, h = i0.height
        var sums = [SIMD4<Float>](repeating: .zero, count: w * h)   // (Σ weight·u, Σ weight·v, Σ weight, 0)
        i0.pixels.withUnsafeBufferPointer { p0 in
        i1.pixels.withUnsafeBufferPointer { p1 in
        sums.withUnsafeMutableBufferPointer { sums in
            let p0 = p0.baseAddress!, p1 = p1.baseAddress!
            for (j, py) in patches.ys.enumerated() {
                for (i, px) in patches.xs.enumerated() {
                    let f = patches.flow[j * patches.xs.count + i]
                    let contribution = SIMD4(f.x, f.y, 1, 0)
                    // One displacement for the whole patch: one set of bilinear weights
                    // where the displaced patch lies inside the frame.
                    let sx = Float(px) + f.x, sy = Float(py) + f.y
                    let x0f = sx.rounded(.down), y0f = sy.rounded(.down)
                    let x0 = Int(x0f), y0 = Int(y0f)
                    let inside = x0 >= 0 && y0 >= 0 && x0 + size < w && y0 + size < h
                    let a = sx - x0f, b = sy - y0f
                    let w00 = (1 - b) * (1 - a), w01 = (1 - b) * a, w10 = b * (1 - a), w11 = b * a
                    for y in 0..<size {
                        let row = (py + y) * w + px
                        let r0 = p1 + (inside ? (y0 + y) * w + x0 : 0), r1 = r0 + w
                        for x in 0..<size {
                            let warped = inside ? w00 * r0[x] + w01 * r0[x + 1] + w10 * r1[x] + w11 * r1[x + 1]
                                : BilinearSample.at(p1, width: w, height: h, Float(px + x) + f.x, Float(py + y) + f.y)
                            sums[row + x] += contribution / max(1, abs(warped - p0[row + x]))
                        }
                    }
                }
            }
        }
        }
        }
        var field = FlowField(width: w, height: h, scale: scale)
        for k in 0..<(w * h) where sums[k].z > 0 {
            field.u[k] = sums[k].x / sums[k].z; field.v[k] = sums[k].y / sums[k].z
        }
        return field
    }
}

extension FlowField {
    /// The displacement at a position given in this field's own pixels, in its own pixels.
    func displacement(atLevelPixel q: SIMD2<Float>) -> SIMD2<Float> {
        let du = u.withUnsafeBufferPointer { BilinearSample.at($0.baseAddress!, width: width, height: height, q.x, q.y) }
        let dv = v.withUnsafeBufferPointer { BilinearSample.at($0.baseAddress!, width: width, height: height, q.x, q.y) }
        return SIMD2(du, dv)
    }
}
