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
        var sorted: [Double] = []
        var kept: [Bool] = []
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
        scratch.sorted.removeAll(keepingCapacity: true)
        scratch.sorted.append(contentsOf: scratch.residuals)
        scratch.sorted.sort()
        let cut = max(3 * scratch.sorted[scratch.sorted.count / 2], 1e-4)
        if scratch.residuals.contains(where: { $0 > cut }) {
            scratch.kept.removeAll(keepingCapacity: true)
            var count = 0
            for r in scratch.residuals { scratch.kept.append(r <= cut); if r <= cut { count += 1 } }
            guard count >= minNeighbours, let refit = Self.plane(scratch.found, keep: scratch.kept) else { return nil }
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
        var c = (xx: 0.0, xy: 0.0, xz: 0.0, yy: 0.0, yz: 0.0, zz: 0.0)
        for (i, p) in points.enumerated() where keep?[i] ?? true {
            let d = SIMD3<Double>(p) - centre
            c.xx += d.x * d.x; c.xy += d.x * d.y; c.xz += d.x * d.z
            c.yy += d.y * d.y; c.yz += d.y * d.z; c.zz += d.z * d.z
        }
        // Eigen-decomposition in a stack buffer: 9 values of the matrix, 3 eigenvalues
        // (ascending); row-major, eigenvector j is column j.
        let solved: (normal: SIMD3<Double>, smallest: Double)? = withUnsafeTemporaryAllocation(of: Double.self, capacity: 12) { buffer in
            let a = buffer.baseAddress!, w = a + 9
            a[0] = c.xx; a[1] = c.xy; a[2] = c.xz; a[3] = c.xy; a[4] = c.yy; a[5] = c.yz; a[6] = c.xz; a[7] = c.yz; a[8] = c.zz
            guard LAPACKE_dsyev(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), 3, a, 3, w) == 0 else { return nil }
            return (SIMD3(a[0], a[3], a[6]), w[0])
        }
        guard let (normal, smallest) = solved else { return nil }
        let norm = (normal * normal).sum().squareRoot()
        guard norm > 0 else { return nil }
        return (centre, normal / norm, (max(0, smallest) / count).squareRoot())
    }
}
