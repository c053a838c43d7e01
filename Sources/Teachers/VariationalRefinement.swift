// Variational refinement of a dense flow field, DIS's third step (Kroeger et al., ECCV
// 2016, §2.3, after Brox, Bruhn, Papenberg & Weickert, ECCV 2004): minimises
//   δ Ψ((I1(x+u) − I0(x))²) + γ Ψ(|∇I1(x+u) − ∇I0(x)|²) + α Ψ(|∇u|² + |∇v|²)
// with Ψ(s²) = √(s² + ε²) (ε = 0.001), intensities scaled to 0…1. Each fixed-point
// iteration linearises the data terms around the current flow (warped second frame and
// its first and second derivatives), freezes the robust weights, and solves the linear
// system for the increment by SOR sweeps (ω = 1.6) with 4-neighbour smoothness whose
// weights average the two pixels' Ψ′. Sweeps go in raster order (measured better than
// OpenCV's red–black order with so few sweeps: AJ 0.633 against 0.625 on the layers
// sequences). Defaults from DISConfiguration (OpenCV's FAST preset): δ = 5, γ = 10,
// α = 20, 5 fixed-point iterations of 5 sweeps each. Everything a sweep reads that does
// not change during the sweeps (each pixel's 2×2 system, the neighbour weights) is
// computed once per fixed-point iteration.

import Imaging

struct VariationalRefinement {
    let configuration: DISConfiguration
    let sorIterations = 5
    let omega: Float = 1.6
    let epsilonSquared: Float = 1e-6

    func refine(_ field: inout FlowField, _ i0: GreyImage, _ i1: GreyImage) {
        let w = i0.width, h = i0.height, n = w * h
        guard w >= 3 && h >= 3 else { return }
        let c = configuration
        let a = i0.pixels.map { $0 / 255 }, b = i1.pixels.map { $0 / 255 }
        let (a0x, a0y) = Self.gradient(a, w, h)
        let (b1x, b1y) = Self.gradient(b, w, h)
        // Planes of one fixed-point iteration, in one allocation. The smoothness weights to
        // the right and lower neighbours and the increments are stored with `pad` zeros
        // before and after, so that every pixel reads its four neighbours without a test:
        // a neighbour outside the frame has weight 0 (the last column's right weight, read
        // as the next row's left one, is 0 too).
        let pad = w + 1, padded = n + 2 * pad
        let planes = 11
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: planes * n + 4 * padded)
        defer { storage.deallocate() }
        storage.initialize(repeating: 0, count: planes * n + 4 * padded)
        let iz = storage, ix = iz + n, iy = ix + n, ixz = iy + n, iyz = ixz + n, smooth = iyz + n
        let a11 = smooth + n, a12 = a11 + n, a22 = a12 + n, b1 = a22 + n, b2 = b1 + n
        let right = b2 + n + pad, down = right + padded, du = down + padded, dv = du + padded
        var cu = [Float](repeating: 0, count: n), cv = cu
        for _ in 0..<c.variationalIterations {
            field.u.withUnsafeBufferPointer { uBuffer in
                field.v.withUnsafeBufferPointer { vBuffer in
                    let u = uBuffer.baseAddress!, v = vBuffer.baseAddress!
                    // Linearise around u (the increment starts at 0 each outer iteration):
                    // the warped second frame and its gradients, sampled bilinearly with the
                    // edge repeated.
                    b.withUnsafeBufferPointer { pb in
                        b1x.withUnsafeBufferPointer { pbx in
                            b1y.withUnsafeBufferPointer { pby in
                                for y in 0..<h {
                                    for x in 0..<w {
                                        let k = y * w + x
                                        let cx = min(max(Float(x) + u[k], 0), Float(w - 1))
                                        let cy = min(max(Float(y) + v[k], 0), Float(h - 1))
                                        let x0 = Int(cx), y0 = Int(cy)
                                        let k00 = y0 * w + x0, dx = x0 + 1 < w ? 1 : 0, dy = y0 + 1 < h ? w : 0
                                        let fa = cx - Float(x0), fb = cy - Float(y0)
                                        @inline(__always) func at(_ p: UnsafeBufferPointer<Float>) -> Float {
                                            (1 - fb) * ((1 - fa) * p[k00] + fa * p[k00 + dx])
                                                + fb * ((1 - fa) * p[k00 + dy] + fa * p[k00 + dy + dx])
                                        }
                                        let warped = at(pb), wx = at(pbx), wy = at(pby)
                                        iz[k] = warped - a[k]
                                        ix[k] = 0.5 * (wx + a0x[k]); iy[k] = 0.5 * (wy + a0y[k])
                                        ixz[k] = wx - a0x[k]; iyz[k] = wy - a0y[k]
                                    }
                                }
                            }
                        }
                    }
                    let (ixx, ixy) = Self.gradient(Array(UnsafeBufferPointer(start: ix, count: n)), w, h)
                    let (_, iyy) = Self.gradient(Array(UnsafeBufferPointer(start: iy, count: n)), w, h)
                    // Robust weights frozen for this iteration, and the 2×2 system of each pixel.
                    for y in 0..<h {
                        for x in 0..<w {
                            let k = y * w + x
                            let r = iz[k]
                            let dw = c.delta / (2 * (r * r + epsilonSquared).squareRoot())
                            let gxr = ixz[k], gyr = iyz[k]
                            let gw = c.gamma / (2 * (gxr * gxr + gyr * gyr + epsilonSquared).squareRoot())
                            let kr = x + 1 < w ? k + 1 : k, kd = y + 1 < h ? k + w : k
                            let ux = u[kr] - u[k], uy = u[kd] - u[k], vx = v[kr] - v[k], vy = v[kd] - v[k]
                            smooth[k] = c.alpha / (2 * (ux * ux + uy * uy + vx * vx + vy * vy + epsilonSquared).squareRoot())
                            let xx = ixx[k], xy = ixy[k], yy = iyy[k]
                            a11[k] = dw * ix[k] * ix[k] + gw * (xx * xx + xy * xy)
                            a12[k] = dw * ix[k] * iy[k] + gw * (xx * xy + xy * yy)
                            a22[k] = dw * iy[k] * iy[k] + gw * (xy * xy + yy * yy)
                            b1[k] = dw * ix[k] * iz[k] + gw * (xx * ixz[k] + xy * iyz[k])
                            b2[k] = dw * iy[k] * iz[k] + gw * (xy * ixz[k] + yy * iyz[k])
                        }
                    }
                    for y in 0..<h {
                        for x in 0..<w {
                            let k = y * w + x
                            right[k] = x + 1 < w ? 0.5 * (smooth[k] + smooth[k + 1]) : 0
                            down[k] = y + 1 < h ? 0.5 * (smooth[k] + smooth[k + w]) : 0
                        }
                    }
                    // The smoothness term's part that does not depend on the increment, less b.
                    for y in 0..<h {
                        for x in 0..<w {
                            let k = y * w + x
                            let sl = right[k - 1], sr = right[k], su = down[k - w], sd = down[k]
                            let diagonal = sl + sr + su + sd
                            let kl = x > 0 ? k - 1 : k, kr = x + 1 < w ? k + 1 : k
                            let ku = y > 0 ? k - w : k, kd = y + 1 < h ? k + w : k
                            cu[k] = sl * (u[kl] - u[k]) + sr * (u[kr] - u[k]) + su * (u[ku] - u[k]) + sd * (u[kd] - u[k]) - b1[k]
                            cv[k] = sl * (v[kl] - v[k]) + sr * (v[kr] - v[k]) + su * (v[ku] - v[k]) + sd * (v[kd] - v[k]) - b2[k]
                            // The sweeps divide by these: their reciprocals, times ω, so that
                            // no division sits on the chain from one pixel to the next.
                            a11[k] = omega / (a11[k] + diagonal)
                            a22[k] = omega / (a22[k] + diagonal)
                        }
                    }
                }
            }
            for k in 0..<n { du[k] = 0; dv[k] = 0 }
            cu.withUnsafeBufferPointer { cu in
                cv.withUnsafeBufferPointer { cv in
                    for _ in 0..<sorIterations {
                        // The left neighbour is the pixel just updated: it is carried in a
                        // register, and everything else is summed before it is added, so
                        // that the chain from one pixel to the next is one multiply-add.
                        var leftU: Float = 0, leftV: Float = 0
                        for k in 0..<n {
                            let sl = right[k - 1], sr = right[k], su = down[k - w], sd = down[k]
                            let gu = a11[k], gv = a22[k], c12 = a12[k], oldU = du[k], oldV = dv[k]
                            let restU = cu[k] + sr * du[k + 1] + su * du[k - w] + sd * du[k + w] - c12 * oldV
                            let newU = (oldU - omega * oldU + gu * restU) + (gu * sl) * leftU
                            let restV = cv[k] + sr * dv[k + 1] + su * dv[k - w] + sd * dv[k + w]
                            let newV = (oldV - omega * oldV + gv * restV) + (gv * sl) * leftV - (gv * c12) * newU
                            du[k] = newU; dv[k] = newV
                            leftU = newU; leftV = newV
                        }
                    }
                }
            }
            field.u.withUnsafeMutableBufferPointer { u in
                field.v.withUnsafeMutableBufferPointer { v in
                    for k in 0..<n { u[k] += du[k]; v[k] += dv[k] }
                }
            }
        }
    }

    /// Central differences (one-sided at the border), per pixel.
    static func gradient(_ p: [Float], _ w: Int, _ h: Int) -> ([Float], [Float]) {
        var gx = [Float](repeating: 0, count: w * h), gy = gx
        p.withUnsafeBufferPointer { p in
            gx.withUnsafeMutableBufferPointer { gx in
                gy.withUnsafeMutableBufferPointer { gy in
                    for y in 0..<h {
                        let yu = max(y - 1, 0), yd = min(y + 1, h - 1)
                        let row = y * w, up = yu * w, down = yd * w, dy = Float(yd - yu)
                        gx[row] = (p[row + min(1, w - 1)] - p[row]) / Float(min(1, w - 1))
                        for x in 1..<max(w - 1, 1) { gx[row + x] = (p[row + x + 1] - p[row + x - 1]) / 2 }
                        if w > 1 { gx[row + w - 1] = p[row + w - 1] - p[row + w - 2] }
                        for x in 0..<w { gy[row + x] = (p[down + x] - p[up + x]) / dy }
                    }
                }
            }
        }
        return (gx, gy)
    }
}
