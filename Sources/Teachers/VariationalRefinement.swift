// Variational refinement of a dense flow field, DIS's third step (Kroeger et al., ECCV
// 2016, §2.3, after Brox, Bruhn, Papenberg & Weickert, ECCV 2004): minimises
//   δ Ψ((I1(x+u) − I0(x))²) + γ Ψ(|∇I1(x+u) − ∇I0(x)|²) + α Ψ(|∇u|² + |∇v|²)
// with Ψ(s²) = √(s² + ε²) (ε = 0.001), intensities scaled to 0…1. Each fixed-point
// iteration linearises the data terms around the current flow (warped second frame and
// its first and second derivatives), freezes the robust weights, and solves the linear
// system for the increment by SOR sweeps (ω = 1.6) with 4-neighbour smoothness whose
// weights average the two pixels' Ψ′. Defaults from DISConfiguration (OpenCV's FAST
// preset): δ = 5, γ = 10, α = 20, 5 fixed-point iterations of 5 sweeps each.

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
        var du = [Float](repeating: 0, count: n), dv = du
        var iz = du, ix = du, iy = du, ixz = du, iyz = du, ixx = du, ixy = du, iyy = du
        var dataWeight = du, gradientWeight = du, smoothWeight = du
        for _ in 0..<c.variationalIterations {
            // Linearise around u + du (du is reset each outer iteration: the flow absorbs it).
            for y in 0..<h {
                for x in 0..<w {
                    let k = y * w + x
                    let px = Float(x) + field.u[k], py = Float(y) + field.v[k]
                    let warped = b.withUnsafeBufferPointer { BilinearSample.at($0.baseAddress!, width: w, height: h, px, py) }
                    let wx = b1x.withUnsafeBufferPointer { BilinearSample.at($0.baseAddress!, width: w, height: h, px, py) }
                    let wy = b1y.withUnsafeBufferPointer { BilinearSample.at($0.baseAddress!, width: w, height: h, px, py) }
                    iz[k] = warped - a[k]
                    ix[k] = 0.5 * (wx + a0x[k]); iy[k] = 0.5 * (wy + a0y[k])
                    ixz[k] = wx - a0x[k]; iyz[k] = wy - a0y[k]
                }
            }
            let (xx, xy) = Self.gradient(ix, w, h)
            let (_, yy) = Self.gradient(iy, w, h)
            ixx = xx; ixy = xy; iyy = yy
            for k in 0..<n { du[k] = 0; dv[k] = 0 }
            for y in 0..<h {
                for x in 0..<w {
                    let k = y * w + x
                    let r = iz[k]
                    dataWeight[k] = c.delta / (2 * (r * r + epsilonSquared).squareRoot())
                    let gxr = ixz[k], gyr = iyz[k]
                    gradientWeight[k] = c.gamma / (2 * (gxr * gxr + gyr * gyr + epsilonSquared).squareRoot())
                    let xr = min(x + 1, w - 1), yd = min(y + 1, h - 1)
                    let ux = field.u[y * w + xr] - field.u[k], uy = field.u[yd * w + x] - field.u[k]
                    let vx = field.v[y * w + xr] - field.v[k], vy = field.v[yd * w + x] - field.v[k]
                    smoothWeight[k] = c.alpha / (2 * (ux * ux + uy * uy + vx * vx + vy * vy + epsilonSquared).squareRoot())
                }
            }
            for _ in 0..<sorIterations {
                for y in 0..<h {
                    for x in 0..<w {
                        let k = y * w + x
                        let dw = dataWeight[k], gw = gradientWeight[k]
                        let a11 = dw * ix[k] * ix[k] + gw * (ixx[k] * ixx[k] + ixy[k] * ixy[k])
                        let a12 = dw * ix[k] * iy[k] + gw * (ixx[k] * ixy[k] + ixy[k] * iyy[k])
                        let a22 = dw * iy[k] * iy[k] + gw * (ixy[k] * ixy[k] + iyy[k] * iyy[k])
                        let b1 = dw * ix[k] * iz[k] + gw * (ixx[k] * ixz[k] + ixy[k] * iyz[k])
                        let b2 = dw * iy[k] * iz[k] + gw * (ixy[k] * ixz[k] + iyy[k] * iyz[k])
                        var sumWeight: Float = 0, su: Float = 0, sv: Float = 0
                        for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < w && ny < h {
                            let j = ny * w + nx
                            let s = 0.5 * (smoothWeight[k] + smoothWeight[j])
                            sumWeight += s
                            su += s * (field.u[j] + du[j] - field.u[k])
                            sv += s * (field.v[j] + dv[j] - field.v[k])
                        }
                        let newU = (-b1 - a12 * dv[k] + su) / (a11 + sumWeight)
                        du[k] = (1 - omega) * du[k] + omega * newU
                        let newV = (-b2 - a12 * du[k] + sv) / (a22 + sumWeight)
                        dv[k] = (1 - omega) * dv[k] + omega * newV
                    }
                }
            }
            for k in 0..<n { field.u[k] += du[k]; field.v[k] += dv[k] }
        }
    }

    /// Central differences (one-sided at the border), per pixel.
    static func gradient(_ p: [Float], _ w: Int, _ h: Int) -> ([Float], [Float]) {
        var gx = [Float](repeating: 0, count: w * h), gy = gx
        for y in 0..<h {
            for x in 0..<w {
                let xl = max(x - 1, 0), xr = min(x + 1, w - 1), yu = max(y - 1, 0), yd = min(y + 1, h - 1)
                gx[y * w + x] = (p[y * w + xr] - p[y * w + xl]) / Float(xr - xl)
                gy[y * w + x] = (p[yd * w + x] - p[yu * w + x]) / Float(yd - yu)
            }
        }
        return (gx, gy)
    }
}
