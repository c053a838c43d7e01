// Whether a query placed in 3D by two views only (its own and one epipolar match) agrees
// with its neighbours: two views always triangulate, whatever the match, so a wrong match
// (another surface point on the query's ray, often a repeat of the texture along the
// epipolar line) would go unnoticed, and measured on ../shared/bench rigs without depth
// every wrong track had such an anchor. Neighbours in the image, placed by matches of
// their own, lie on the same surface when it is right: on a plane, inverse depth is an
// affine function of the normalised image coordinates, so the anchors of the query's view
// within `radiusPixels` (at any query frame) are fitted with one (least squares, the
// worst dropped while any misses by more than the tolerance), and the query's depth must
// be the plane's at its pixel within `toleranceMetres` + `toleranceRelative`·depth, with
// at least `minSupport` neighbours, `minShare` of them, left in the fit. A point at a
// depth edge, alone, or on a surface its neighbours disagree about is not kept: without
// depth, fewer tracks rather than wrong ones. Anchors of three views or more agree by
// themselves (a wrong match must land on two epipolar lines at once).

import Geometry

public struct AnchorNeighbourhood: Sendable {
    public var radiusPixels = 32.0
    public var toleranceMetres = 0.02
    public var toleranceRelative = 0.005
    public var minSupport = 3
    public var minShare = 0.6
    public init() {}

    /// Which of the anchors (point, views that placed it) of queries in views `homes` at
    /// `pixels` agree with their neighbours.
    public func agreeing(anchors: [(point: SIMD3<Double>, views: Int)?], pixels: [SIMD2<Double>], homes: [Int],
                         cameras: [PinholeCamera]) -> [Bool] {
        let n = anchors.count
        var out = [Bool](repeating: false, count: n)
        var neighbours: [(ray: SIMD2<Double>, inverse: Double)] = []
        for p in 0..<n {
            guard let a = anchors[p] else { continue }
            if a.views >= 3 { out[p] = true; continue }
            let camera = cameras[homes[p]]
            let z = camera.toCamera(a.point).z
            guard z > 0 else { continue }
            neighbours.removeAll(keepingCapacity: true)
            for q in 0..<n where q != p && homes[q] == homes[p] {
                guard let b = anchors[q] else { continue }
                let d = pixels[q] - pixels[p]
                guard (d * d).sum() <= radiusPixels * radiusPixels else { continue }
                let c = camera.toCamera(b.point)
                guard c.z > 0 else { continue }
                neighbours.append((SIMD2(c.x / c.z, c.y / c.z), 1 / c.z))
            }
            let all = neighbours.count
            let tolerance = toleranceMetres + toleranceRelative * z
            let ray = camera.toCamera(a.point) / z
            while neighbours.count >= minSupport {
                guard let plane = Self.fit(neighbours) else { break }
                let misses = neighbours.map { abs(1 / max(1e-9, Self.evaluate(plane, $0.ray)) - 1 / $0.inverse) }
                let worst = misses.indices.max { misses[$0] < misses[$1] }!
                if misses[worst] > tolerance { neighbours.remove(at: worst); continue }
                let predicted = Self.evaluate(plane, SIMD2(ray.x, ray.y))
                out[p] = predicted > 0 && abs(1 / predicted - z) <= tolerance && Double(neighbours.count) >= minShare * Double(all)
                break
            }
        }
        return out
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
