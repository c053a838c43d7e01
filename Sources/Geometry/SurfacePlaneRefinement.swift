// Refines a lifted 3D point against the fused cloud around it: the local surface is the
// plane through its k nearest neighbours (principal component analysis: the normal is the
// eigenvector of the neighbours' covariance with the smallest eigenvalue, from LAPACK's
// dsyev), refitted once without the neighbours farther from it than 3× the median
// residual; the point then moves onto that plane along the ray it was seen on, so its
// position in that view does not change while the depth noise of one pixel is averaged
// over k. This is the geometric counterpart of MVTracker's kNN update (ICCV 2025, §3.2),
// whose learned version needs training data: defaults k = 16 as there; at least 6
// neighbours, otherwise the point is left as lifted.

import COpenBLAS

public struct SurfacePlaneRefinement: Sendable {
    public var k = 16
    public var minNeighbours = 6
    public init() {}

    /// Scratch buffers, owned by one caller and reused for every point.
    public struct Scratch {
        var found: [SIMD3<Float>] = []
        var distances: [Float] = []
        var residuals: [Double] = []
        public init() {}
    }

    /// `point` moved onto the local surface along the ray from `eye`, and the RMS distance
    /// of the neighbours to that plane; nil when there are too few neighbours or the ray
    /// grazes the plane.
    public func refine(_ point: SIMD3<Double>, eye: SIMD3<Double>, index: PointCloudIndex,
                       scratch: inout Scratch) -> (point: SIMD3<Double>, rms: Double)? {
        index.nearest(SIMD3<Float>(point), k: k, into: &scratch.found, distances: &scratch.distances)
        guard scratch.found.count >= minNeighbours, var plane = Self.plane(scratch.found, keep: nil) else { return nil }
        scratch.residuals.removeAll(keepingCapacity: true)
        for p in scratch.found { scratch.residuals.append(abs(((SIMD3<Double>(p) - plane.centre) * plane.normal).sum())) }
        let median = scratch.residuals.sorted()[scratch.residuals.count / 2]
        let cut = max(3 * median, 1e-4)
        if scratch.residuals.contains(where: { $0 > cut }) {
            let kept = scratch.residuals.map { $0 <= cut }
            guard kept.filter({ $0 }).count >= minNeighbours, let refit = Self.plane(scratch.found, keep: kept) else { return nil }
            plane = refit
        }
        let ray = point - eye
        let along = (ray * plane.normal).sum()
        let length = (ray * ray).sum().squareRoot()
        guard length > 0, abs(along) > 0.2 * length else { return nil }
        let s = ((plane.centre - eye) * plane.normal).sum() / along
        let moved = eye + ray * s
        guard ((moved - point) * (moved - point)).sum().squareRoot() <= Double(index.radius) else { return nil }
        return (moved, plane.rms)
    }

    /// Least-squares plane (centroid, unit normal, RMS residual) of the points with `keep` set.
    static func plane(_ points: [SIMD3<Float>], keep: [Bool]?) -> (centre: SIMD3<Double>, normal: SIMD3<Double>, rms: Double)? {
        var centre = SIMD3<Double>(repeating: 0), count = 0.0
        for (i, p) in points.enumerated() where keep?[i] ?? true { centre += SIMD3<Double>(p); count += 1 }
        guard count >= 3 else { return nil }
        centre /= count
        var c = [Double](repeating: 0, count: 9)
        for (i, p) in points.enumerated() where keep?[i] ?? true {
            let d = SIMD3<Double>(p) - centre
            c[0] += d.x * d.x; c[1] += d.x * d.y; c[2] += d.x * d.z
            c[4] += d.y * d.y; c[5] += d.y * d.z; c[8] += d.z * d.z
        }
        c[3] = c[1]; c[6] = c[2]; c[7] = c[5]
        var eigenvalues = [Double](repeating: 0, count: 3)
        // Eigenvalues ascending; row-major: eigenvector j is column j.
        let info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), 3, &c, 3, &eigenvalues)
        guard info == 0 else { return nil }
        let normal = SIMD3(c[0], c[3], c[6])
        let norm = (normal * normal).sum().squareRoot()
        guard norm > 0 else { return nil }
        return (centre, normal / norm, (max(0, eigenvalues[0]) / count).squareRoot())
    }
}
