// The surface a query's placed neighbours lie on, as one camera sees them: on a plane,
// inverse depth is an affine function of the normalised image coordinates, so it is fitted
// to the neighbours by least squares, the worst-fitting one dropped while any misses by
// more than the tolerance (`toleranceMetres` + `toleranceRelative`·depth: 2 cm + 0.5%,
// a few pixels of SIFT localisation at 3 m), and the plane stands if at least
// `minSupport` neighbours, `minShare` of them, are left in the fit. A query at a depth
// edge, alone, or among neighbours that disagree about their surface gets none.
// SurfacePropagation searches along a query's ray near this plane.

import Geometry

public struct AnchorNeighbourhood: Sendable {
    public var toleranceMetres = 0.02
    public var toleranceRelative = 0.005
    public var minSupport = 3
    public var minShare = 0.6
    public init() {}

    /// The surface the neighbours (normalised image coordinates and inverse depth in one
    /// camera) lie on: the plane fitted to them, the worst dropped while any misses it by
    /// more than `tolerance` metres, if at least `minSupport` and `minShare` of them are left.
    public func surface(_ neighbours: [(ray: SIMD2<Double>, inverse: Double)], tolerance: Double) -> SIMD3<Double>? {
        var neighbours = neighbours
        let all = neighbours.count
        while neighbours.count >= minSupport {
            guard let plane = Self.fit(neighbours) else { return nil }
            let misses = neighbours.map { abs(1 / max(1e-9, Self.evaluate(plane, $0.ray)) - 1 / $0.inverse) }
            let worst = misses.indices.max { misses[$0] < misses[$1] }!
            if misses[worst] > tolerance { neighbours.remove(at: worst); continue }
            return Double(neighbours.count) >= minShare * Double(all) ? plane : nil
        }
        return nil
    }

    /// Inverse depth = α·x + β·y + γ, by least squares, if the points determine it.
    static func fit(_ points: [(ray: SIMD2<Double>, inverse: Double)]) -> SIMD3<Double>? {
        var m = SIMD3<Double>.zero, r0 = SIMD3<Double>.zero, r1 = SIMD3<Double>.zero, r2 = SIMD3<Double>.zero
        for p in points {
            let v = SIMD3(p.ray.x, p.ray.y, 1)
            r0 += v * v.x; r1 += v * v.y; r2 += v
            m += v * p.inverse
        }
        let normal = Matrix3(rows: r0, r1, r2)
        guard abs(normal.determinant) > 1e-12, let inverse = normal.inverse else { return nil }
        return inverse * m
    }

    static func evaluate(_ plane: SIMD3<Double>, _ ray: SIMD2<Double>) -> Double { plane.x * ray.x + plane.y * ray.y + plane.z }
}
