// Linear triangulation of a point seen by several calibrated cameras: the direct linear
// transform (Hartley & Zisserman, Multiple View Geometry, 2nd ed., §12.2). Each view
// (P = K[R|t], pixel (u, v)) contributes the rows u·P₃ − P₁ and v·P₃ − P₂ of A; the point
// is the right singular vector of A for its smallest singular value (LAPACK dgesvd). Rows
// are normalised so every view weighs alike. The result is refused when it lies behind a
// camera or reprojects farther than `maxPixels` (default 1.5 px: a few times tracker noise)
// from any of its observations.

import COpenBLAS

public enum Triangulation {
    /// The world point seen at `pixel` by each camera, and its largest reprojection error in pixels.
    public static func point(_ observations: [(camera: PinholeCamera, pixel: SIMD2<Double>)],
                             maxPixels: Double = 1.5) -> (point: SIMD3<Double>, error: Double)? {
        let m = observations.count
        guard m >= 2 else { return nil }
        var a = [Double](repeating: 0, count: 2 * m * 4)
        for (k, o) in observations.enumerated() {
            let P = projection(o.camera)
            for (r, (coordinate, row)) in [(o.pixel.x, 0), (o.pixel.y, 1)].enumerated() {
                var line = (0..<4).map { coordinate * P[8 + $0] - P[4 * row + $0] }
                let norm = line.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { return nil }
                line = line.map { $0 / norm }
                for c in 0..<4 { a[(2 * k + r) * 4 + c] = line[c] }
            }
        }
        var singular = [Double](repeating: 0, count: 4), vt = [Double](repeating: 0, count: 16), superb = [Double](repeating: 0, count: 3)
        var unused = 0.0
        let info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "A")), Int32(2 * m), 4, &a, 4,
                                  &singular, &unused, 1, &vt, 4, &superb)
        guard info == 0, abs(vt[15]) > 1e-12 else { return nil }
        let point = SIMD3(vt[12], vt[13], vt[14]) / vt[15]
        var worst = 0.0
        for o in observations {
            let (pixel, depth) = o.camera.project(point)
            guard depth > 0 else { return nil }
            let d = pixel - o.pixel
            worst = max(worst, (d * d).sum().squareRoot())
        }
        return worst <= maxPixels ? (point, worst) : nil
    }

    /// How far one pixel of error moves a point triangulated from `cameras`, in metres:
    /// the largest pixel footprint at the point (depth / focal length) over the sine of the
    /// widest angle between its rays. Rays that nearly agree in direction place a point
    /// well in the image and badly in depth.
    public static func metresPerPixel(_ point: SIMD3<Double>, cameras: [PinholeCamera]) -> Double {
        var footprint = 0.0, widest = 0.0
        let rays = cameras.map { c -> SIMD3<Double> in let d = point - c.centre; return d / (d * d).sum().squareRoot() }
        for (k, c) in cameras.enumerated() {
            let z = c.toCamera(point).z
            footprint = max(footprint, z / c.K.rowMajor[0])
            for j in 0..<k { widest = max(widest, (1 - min(1, abs((rays[j] * rays[k]).sum()))).magnitudeSine) }
        }
        return widest > 0 ? footprint / widest : .infinity
    }

    /// P = K·[R|t], 12 values row-major.
    static func projection(_ c: PinholeCamera) -> [Double] {
        let e = c.extrinsicsRowMajor
        let k = c.K.rowMajor
        var p = [Double](repeating: 0, count: 12)
        for r in 0..<3 { for col in 0..<4 { p[4 * r + col] = (0..<3).reduce(0) { $0 + k[3 * r + $1] * e[4 * $1 + col] } } }
        return p
    }

    /// The epipolar line in `other` of pixel `pixel` of `camera`: the projections into
    /// `other` of the points at depths `near` and `far` along its ray (a segment).
    public static func epipolarSegment(_ pixel: SIMD2<Double>, of camera: PinholeCamera, in other: PinholeCamera,
                                       near: Double, far: Double) -> (SIMD2<Double>, SIMD2<Double>)? {
        let a = other.project(camera.backProject(pixel: pixel, depth: near)), b = other.project(camera.backProject(pixel: pixel, depth: far))
        guard a.depth > 0, b.depth > 0 else { return nil }
        return (a.pixel, b.pixel)
    }
}

private extension Double {
    /// sin θ from 1 − |cos θ|.
    var magnitudeSine: Double { let c = 1 - self; return max(0, 1 - c * c).squareRoot() }
}
