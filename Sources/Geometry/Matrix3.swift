// A 3×3 matrix of Doubles stored by rows, with the few operations camera geometry needs
// (product with a vector and a matrix, transpose, determinant, inverse). Small and
// value-typed so per-point geometry allocates nothing; dense solves go to LAPACK.

public struct Matrix3: Equatable, Sendable {
    public var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    public init(rows r0: SIMD3<Double>, _ r1: SIMD3<Double>, _ r2: SIMD3<Double>) { rows = (r0, r1, r2) }

    /// From 9 values in row-major order.
    public init(rowMajor v: [Double]) {
        precondition(v.count == 9)
        rows = (SIMD3(v[0], v[1], v[2]), SIMD3(v[3], v[4], v[5]), SIMD3(v[6], v[7], v[8]))
    }

    public static let identity = Matrix3(rows: SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))

    public var rowMajor: [Double] {
        [rows.0.x, rows.0.y, rows.0.z, rows.1.x, rows.1.y, rows.1.z, rows.2.x, rows.2.y, rows.2.z]
    }

    public static func == (a: Matrix3, b: Matrix3) -> Bool { a.rows.0 == b.rows.0 && a.rows.1 == b.rows.1 && a.rows.2 == b.rows.2 }

    @inlinable public static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.rows.0 * v).sum(), (m.rows.1 * v).sum(), (m.rows.2 * v).sum())
    }

    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        let bt = b.transposed
        func row(_ r: SIMD3<Double>) -> SIMD3<Double> { SIMD3((r * bt.rows.0).sum(), (r * bt.rows.1).sum(), (r * bt.rows.2).sum()) }
        return Matrix3(rows: row(a.rows.0), row(a.rows.1), row(a.rows.2))
    }

    public var transposed: Matrix3 {
        Matrix3(rows: SIMD3(rows.0.x, rows.1.x, rows.2.x), SIMD3(rows.0.y, rows.1.y, rows.2.y), SIMD3(rows.0.z, rows.1.z, rows.2.z))
    }

    public var determinant: Double { (rows.0 * Self.cross(rows.1, rows.2)).sum() }

    /// The inverse, or nil when the matrix is singular (relative to its scale).
    public var inverse: Matrix3? {
        let c0 = Self.cross(rows.1, rows.2), c1 = Self.cross(rows.2, rows.0), c2 = Self.cross(rows.0, rows.1)
        let det = (rows.0 * c0).sum()
        let scale = rowMajor.map(abs).max() ?? 0
        guard det.isFinite, scale > 0, abs(det) > 1e-12 * scale * scale * scale else { return nil }
        // The inverse's columns are the cofactor rows: inverse = [c0 c1 c2] / det.
        return Matrix3(rows: c0, c1, c2).transposed.scaled(1 / det)
    }

    public func scaled(_ s: Double) -> Matrix3 { Matrix3(rows: rows.0 * s, rows.1 * s, rows.2 * s) }

    @inlinable public static func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }
}
