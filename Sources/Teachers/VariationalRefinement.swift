// Variational refinement of a dense flow field, DIS's third step (Kroeger et al., ECCV
// 2016, §2.3, after Brox, Bruhn, Papenberg & Weickert, ECCV 2004): minimises
//   δ Ψ((I1(x+u) − I0(x))²) + γ Ψ(|∇I1(x+u) − ∇I0(x)|²) + α Ψ(|∇u|² + |∇v|²)
// with Ψ(s²) = √(s² + ε²) (ε = 0.001), intensities scaled to 0…1. Each fixed-point
// iteration linearises the data terms around the current flow (warped second frame and
// its first and second derivatives), freezes the robust weights, and solves the linear
// system for the increment by SOR sweeps (ω = 1.6) with 4-neighbour smoothness whose
// weights average the two pixels' Ψ′. Defaults from DISConfiguration (OpenCV's FAST
// preset): δ = 5, γ = 10, α = 20, 5 fixed-point iterations of 5 sweeps each.
//
// Sweep order: the frame is cut into up to eight bands of at least 16 rows, and a sweep
// visits them all at once, one band per SIMD lane, each in raster order. A band's first
// row reads the row above it as it was when the sweep began (the only departure from
// raster order over the whole frame), so it is relaxed with ω = 1 (measured below).
// (Red–black order, OpenCV's way to vectorise SOR, scored worse with so few sweeps: AJ
// 0.625 against 0.633 at DIS scale 2.) What the sweeps read and
// do not change (each pixel's 2×2 system and neighbour weights) is computed once per
// fixed-point iteration, eight pixels at a time, and stored lane-interleaved: the eight
// bands' pixels at one position of their band side by side.

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
        // Row-major planes, in one allocation: the frames scaled to 0…1 and their
        // gradients (fixed), then the linearisation of one fixed-point iteration. Each plane
        // has a margin of zeros before and after, so that the vectorised row loops read
        // neighbours and run past a row's end without a test; a neighbour outside the frame
        // comes with a zero weight.
        let planes = 19, margin = w + 8, pitch = n + 2 * margin
        let rowMajor = UnsafeMutablePointer<Float>.allocate(capacity: planes * pitch + 7 * margin)
        defer { rowMajor.deallocate() }
        // Every plane is written whole before it is read, so only the margins (and the rows
        // after the planes) start at zero.
        for i in 0..<planes {
            (rowMajor + i * pitch).initialize(repeating: 0, count: margin)
            (rowMajor + i * pitch + margin + n).initialize(repeating: 0, count: margin)
        }
        (rowMajor + planes * pitch).initialize(repeating: 0, count: 7 * margin)
        let plane = { (i: Int) in rowMajor + i * pitch + margin }
        let a = plane(0), b = plane(1), a0x = plane(2), a0y = plane(3), b1x = plane(4), b1y = plane(5)
        let iz = plane(6), ix = plane(7), iy = plane(8), ixz = plane(9), iyz = plane(10)
        let ixx = plane(11), ixy = plane(12), iyy = plane(13)
        let smooth = plane(14), right = plane(15), down = plane(16), u = plane(17), v = plane(18)
        // One row of the system before it is spread into lanes, a row of zeros, and a row
        // that is 1 where a pixel has a right neighbour.
        let line = rowMajor + planes * pitch, zeros = line + 5 * margin, hasRight = zeros + margin
        for x in 0..<(w - 1) { hasRight[x] = 1 }
        i0.pixels.withUnsafeBufferPointer { p in for k in 0..<n { a[k] = p[k] / 255 } }
        i1.pixels.withUnsafeBufferPointer { p in for k in 0..<n { b[k] = p[k] / 255 } }
        Self.gradient(a, w, h, a0x, a0y)
        Self.gradient(b, w, h, b1x, b1y)
        // The second frame and its gradients side by side, sampled together.
        let second = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: n)
        defer { second.deallocate() }
        for k in 0..<n { (second + k).initialize(to: SIMD4(b[k], b1x[k], b1y[k], 0)) }
        // What the sweeps read: band r holds rows r·bh ..< (r + 1)·bh, and pixel
        // (x, r·bh + j) is lane r of position j·w + x. Each position holds eight vectors of
        // eight lanes, in the order the sweep reads them: the weights to the right, upper
        // and lower neighbours, ω over the two diagonals, a12 and the right-hand sides.
        // Bands have at least 16 rows, so a small frame has fewer than eight; lanes and
        // rows past the frame's last have zero weights and increments. The increments
        // have a halo row before and after the bands' rows: the last row of the band above
        // and the first of the band below.
        let bands = min(8, max(1, h / 16)), bh = (h + bands - 1) / bands, vectors = bh * w, fields = 8
        let lanes = UnsafeMutablePointer<Float>.allocate(capacity: 8 * fields * vectors)
        defer { lanes.deallocate() }
        lanes.initialize(repeating: 0, count: 8 * fields * vectors)
        let haloed = (bh + 2) * w
        let increments = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 2 * haloed)
        defer { increments.deallocate() }
        // 1 − ω of the sweep's update: the first row of a band other than the first has ω = 1.
        let keep = SIMD8<Float>(repeating: 1 - omega)
        var keepFirst = SIMD8<Float>.zero
        keepFirst[0] = 1 - omega
        let du = increments + w, dv = du + haloed   // du[j·w + x], j from −1 to bh
        for _ in 0..<c.variationalIterations {
            field.u.withUnsafeBufferPointer { p in u.update(from: p.baseAddress!, count: n) }
            field.v.withUnsafeBufferPointer { p in v.update(from: p.baseAddress!, count: n) }
            // Linearise around u (the increment starts at 0 each outer iteration): the
            // warped second frame and its gradients, sampled bilinearly with the edge
            // repeated.
            for y in 0..<h {
                for x in 0..<w {
                    let k = y * w + x
                    let cx = min(max(Float(x) + u[k], 0), Float(w - 1))
                    let cy = min(max(Float(y) + v[k], 0), Float(h - 1))
                    let x0 = Int(cx), y0 = Int(cy)
                    let k00 = y0 * w + x0, dx = x0 + 1 < w ? 1 : 0, dy = y0 + 1 < h ? w : 0
                    let fa = cx - Float(x0), fb = cy - Float(y0)
                    let warped = (1 - fb) * ((1 - fa) * second[k00] + fa * second[k00 + dx])
                        + fb * ((1 - fa) * second[k00 + dy] + fa * second[k00 + dy + dx])
                    iz[k] = warped.x - a[k]
                    ix[k] = 0.5 * (warped.y + a0x[k]); iy[k] = 0.5 * (warped.z + a0y[k])
                    ixz[k] = warped.y - a0x[k]; iyz[k] = warped.z - a0y[k]
                }
            }
            Self.gradient(ix, w, h, ixx, ixy)
            Self.gradient(iy, w, h, nil, iyy)
            // The smoothness term's robust weight per pixel (differences to the right and
            // lower neighbours, 0 where there is none), and between neighbours; eight pixels
            // at a time, the last group of a row running into the next row's, which is
            // computed after it.
            for y in 0..<h {
                let row = y * w, below = y + 1 < h ? w : 0
                for x in stride(from: 0, to: w, by: 8) {
                    let k = row + x, m = SIMD8(loadingFrom: hasRight + x)
                    let u0 = SIMD8(loadingFrom: u + k), v0 = SIMD8(loadingFrom: v + k)
                    let ux = (SIMD8(loadingFrom: u + k + 1) - u0) * m, uy = SIMD8(loadingFrom: u + k + below) - u0
                    let vx = (SIMD8(loadingFrom: v + k + 1) - v0) * m, vy = SIMD8(loadingFrom: v + k + below) - v0
                    (c.alpha / (2 * (ux * ux + uy * uy + vx * vx + vy * vy + epsilonSquared).squareRoot())).store(to: smooth + k)
                }
            }
            for y in 0..<h {
                let row = y * w, lower: Float = y + 1 < h ? 0.5 : 0
                for x in stride(from: 0, to: w, by: 8) {
                    let k = row + x, s0 = SIMD8(loadingFrom: smooth + k)
                    (0.5 * (s0 + SIMD8(loadingFrom: smooth + k + 1)) * SIMD8(loadingFrom: hasRight + x)).store(to: right + k)
                    (lower * (s0 + SIMD8(loadingFrom: smooth + k + w))).store(to: down + k)
                }
            }
            // Robust weights of the data terms frozen for this iteration, each pixel's 2×2
            // system, and the part of the smoothness term that does not depend on the
            // increment, less b: a row at a time into `line`, then into the sweeps' lanes.
            // The first row of a band other than the first reads the row above as the sweep
            // began: it is relaxed with ω = 1, not over-relaxed (on the layers sequences AJ
            // 0.789 with ω there, 0.792 with 1; one band in raster order, 0.794).
            for y in 0..<h {
                let lane = y / bh, band = (y % bh) * w, row = y * w
                let relax: Float = lane > 0 && y % bh == 0 ? 1 : omega
                let above = y > 0 ? -w : 0, below = y + 1 < h ? w : 0
                let upper = y > 0 ? down + row - w : zeros
                for x in stride(from: 0, to: w, by: 8) {
                    let k = row + x
                    let r = SIMD8(loadingFrom: iz + k)
                    let dw = c.delta / (2 * (r * r + epsilonSquared).squareRoot())
                    let gxr = SIMD8(loadingFrom: ixz + k), gyr = SIMD8(loadingFrom: iyz + k)
                    let gw = c.gamma / (2 * (gxr * gxr + gyr * gyr + epsilonSquared).squareRoot())
                    let xx = SIMD8(loadingFrom: ixx + k), xy = SIMD8(loadingFrom: ixy + k), yy = SIMD8(loadingFrom: iyy + k)
                    let ex = SIMD8(loadingFrom: ix + k), ey = SIMD8(loadingFrom: iy + k)
                    let a11 = dw * ex * ex + gw * (xx * xx + xy * xy)
                    let a12 = dw * ex * ey + gw * (xx * xy + xy * yy)
                    let a22 = dw * ey * ey + gw * (xy * xy + yy * yy)
                    let b1 = dw * ex * r + gw * (xx * gxr + xy * gyr)
                    let b2 = dw * ey * r + gw * (xy * gxr + yy * gyr)
                    let sl = SIMD8(loadingFrom: right + k - 1), sr = SIMD8(loadingFrom: right + k)
                    let su = SIMD8(loadingFrom: upper + x), sd = SIMD8(loadingFrom: down + k)
                    let diagonal = sl + sr + su + sd
                    let u0 = SIMD8(loadingFrom: u + k), v0 = SIMD8(loadingFrom: v + k)
                    let ul = SIMD8(loadingFrom: u + k - 1), ur = SIMD8(loadingFrom: u + k + 1)
                    let uu = SIMD8(loadingFrom: u + k + above), ud = SIMD8(loadingFrom: u + k + below)
                    let vl = SIMD8(loadingFrom: v + k - 1), vr = SIMD8(loadingFrom: v + k + 1)
                    let vu = SIMD8(loadingFrom: v + k + above), vd = SIMD8(loadingFrom: v + k + below)
                    (sl * (ul - u0) + sr * (ur - u0) + su * (uu - u0) + sd * (ud - u0) - b1).store(to: line + x)
                    (sl * (vl - v0) + sr * (vr - v0) + su * (vu - v0) + sd * (vd - v0) - b2).store(to: line + margin + x)
                    a12.store(to: line + 2 * margin + x)
                    // The sweeps divide by these: their reciprocals, times ω, so that no
                    // division sits on the chain from one pixel to the next.
                    (relax / (a11 + diagonal)).store(to: line + 3 * margin + x)
                    (relax / (a22 + diagonal)).store(to: line + 4 * margin + x)
                }
                for x in 0..<w {
                    let o = lanes + (band + x) * (8 * fields) + lane, k = row + x
                    o[0] = right[k]; o[8] = upper[x]; o[16] = down[k]
                    o[24] = line[3 * margin + x]; o[32] = line[4 * margin + x]; o[40] = line[2 * margin + x]
                    o[48] = line[x]; o[56] = line[margin + x]
                }
            }
            (du - w).initialize(repeating: .zero, count: 2 * haloed)
            for _ in 0..<sorIterations {
                // The halo rows: the last row of the band above, the first of the band below.
                for d in [du, dv] {
                    for x in 0..<w {
                        let last = d[(bh - 1) * w + x], first = d[x]
                        d[x - w] = SIMD8(0, last[0], last[1], last[2], last[3], last[4], last[5], last[6])
                        d[bh * w + x] = SIMD8(first[1], first[2], first[3], first[4], first[5], first[6], first[7], 0)
                    }
                }
                // The left neighbour is the pixel just updated: it is carried in a register,
                // and everything else is summed before it is added, so that the chain from
                // one pixel to the next is one multiply-add. Its weight is the right weight
                // read one pixel before (0 at a row's start: the last pixel has no right
                // neighbour).
                var leftU = SIMD8<Float>.zero, leftV = SIMD8<Float>.zero, sl = SIMD8<Float>.zero
                for j in 0..<bh {
                    let kp = j == 0 ? keepFirst : keep
                    for q in (j * w)..<(j * w + w) {
                        let e = UnsafeRawPointer(lanes + q * (8 * fields))
                        @inline(__always) func field(_ i: Int) -> SIMD8<Float> { e.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<Float>.self) }
                        let sr = field(0), su = field(1), sd = field(2), g1 = field(3), g2 = field(4), a12 = field(5)
                        let cu = field(6), cv = field(7), oldU = du[q], oldV = dv[q]
                        let restU = cu + sr * du[q + 1] + su * du[q - w] + sd * du[q + w] - a12 * oldV
                        let newU = (kp * oldU + g1 * restU) + (g1 * sl) * leftU
                        let restV = cv + sr * dv[q + 1] + su * dv[q - w] + sd * dv[q + w]
                        let newV = (kp * oldV + g2 * restV) + (g2 * sl) * leftV - (g2 * a12) * newU
                        du[q] = newU; dv[q] = newV
                        leftU = newU; leftV = newV; sl = sr
                    }
                }
            }
            field.u.withUnsafeMutableBufferPointer { u in
                field.v.withUnsafeMutableBufferPointer { v in
                    for y in 0..<h {
                        let lane = y / bh, band = (y % bh) * w
                        for x in 0..<w { u[y * w + x] += du[band + x][lane]; v[y * w + x] += dv[band + x][lane] }
                    }
                }
            }
        }
    }

    /// Central differences (one-sided at the border), per pixel, eight at a time: the
    /// planes have margins, and a row's last group runs into the next row, computed after.
    /// `gx` nil: ∂y only.
    static func gradient(_ p: UnsafeMutablePointer<Float>, _ w: Int, _ h: Int,
                         _ gx: UnsafeMutablePointer<Float>?, _ gy: UnsafeMutablePointer<Float>) {
        for y in 0..<h {
            let yu = max(y - 1, 0), yd = min(y + 1, h - 1)
            let row = y * w, up = yu * w, down = yd * w, dy = Float(yd - yu)
            for x in stride(from: 0, to: w, by: 8) {
                ((SIMD8(loadingFrom: p + down + x) - SIMD8(loadingFrom: p + up + x)) / dy).store(to: gy + row + x)
            }
            if let gx {
                for x in stride(from: 1, to: w - 1, by: 8) {
                    ((SIMD8(loadingFrom: p + row + x + 1) - SIMD8(loadingFrom: p + row + x - 1)) / 2).store(to: gx + row + x)
                }
                gx[row] = p[row + 1] - p[row]
                gx[row + w - 1] = p[row + w - 1] - p[row + w - 2]
            }
        }
    }
}
