// The homography a plane induces between two calibrated cameras (Hartley & Zisserman,
// Multiple View Geometry, 2nd ed., §13.1): for the plane n·X = 1, X in the first camera's
// coordinates, a pixel x of the first camera maps to H·x in the second, with
// H = K₂·(R + t·nᵀ)·K₁⁻¹ and (R, t) the first camera's coordinates to the second's. It
// warps a patch of one view onto another as the surface there foreshortens it, which
// patch correlation between cameras 70–180° apart needs.

public enum PlaneHomography {
    /// The pixel homography from `from` to `to` induced by the plane `plane`·X = 1 (X in `from`'s camera coordinates).
    public static func between(_ from: PinholeCamera, _ to: PinholeCamera, plane n: SIMD3<Double>) -> Matrix3 {
        let r = to.R * from.R.transposed
        let t = to.t - r * from.t
        let m = Matrix3(rows: r.rows.0 + t.x * n, r.rows.1 + t.y * n, r.rows.2 + t.z * n)
        return to.K * m * from.inverseK
    }

    /// `h` applied to pixel `pixel`; nil where it maps to infinity or behind.
    @inlinable public static func map(_ h: Matrix3, _ pixel: SIMD2<Double>) -> SIMD2<Double>? {
        let p = h * SIMD3(pixel.x, pixel.y, 1)
        guard p.z > 1e-12 else { return nil }
        return SIMD2(p.x / p.z, p.y / p.z)
    }
}
