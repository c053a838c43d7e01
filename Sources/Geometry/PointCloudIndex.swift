// A spatial index over a point cloud for radius-bounded k-nearest-neighbour queries: a
// voxel hash with cells as large as the search radius, so a query visits the 27 cells
// around it. Points are sorted by cell once at build time (one contiguous buffer, a
// dictionary from cell to range), and a query reuses caller-owned scratch buffers, so
// neither allocates per point. MVTracker (ICCV 2025, §3.2) gathers each track's k = 16
// nearest neighbours in the fused world cloud of all views; a hash suits that cloud
// (non-uniform density, one build per frame, millions of queries in total) better than a
// k-d tree, whose build costs more than the queries a frame needs.

public struct PointCloudIndex: Sendable {
    public let radius: Float
    /// The points, sorted by cell.
    public private(set) var points: [SIMD3<Float>]
    private var cells: [SIMD3<Int32>: Range<Int>] = [:]

    public init(points input: [SIMD3<Float>], radius: Float) {
        precondition(radius > 0)
        self.radius = radius
        let keys = input.map { Self.cell(of: $0, size: radius) }
        let order = keys.indices.sorted { a, b in
            let ka = keys[a], kb = keys[b]
            if ka.x != kb.x { return ka.x < kb.x }
            if ka.y != kb.y { return ka.y < kb.y }
            return ka.z < kb.z
        }
        points = order.map { input[$0] }
        var start = 0
        cells.reserveCapacity(order.count / 4)
        while start < order.count {
            let key = keys[order[start]]
            var end = start + 1
            while end < order.count && keys[order[end]] == key { end += 1 }
            cells[key] = start..<end
            start = end
        }
    }

    @inlinable static func cell(of p: SIMD3<Float>, size: Float) -> SIMD3<Int32> {
        SIMD3(Int32((p.x / size).rounded(.down)), Int32((p.y / size).rounded(.down)), Int32((p.z / size).rounded(.down)))
    }

    /// The at most `k` points nearest `query` within the radius, nearest first, written to
    /// `into` (cleared first). `distances` is scratch space.
    public func nearest(_ query: SIMD3<Float>, k: Int, into found: inout [SIMD3<Float>], distances: inout [Float]) {
        found.removeAll(keepingCapacity: true)
        distances.removeAll(keepingCapacity: true)
        let centre = Self.cell(of: query, size: radius)
        let r2 = radius * radius
        for dz in Int32(-1)...1 {
            for dy in Int32(-1)...1 {
                for dx in Int32(-1)...1 {
                    guard let range = cells[centre &+ SIMD3(dx, dy, dz)] else { continue }
                    for i in range {
                        let d = points[i] - query
                        let d2 = (d * d).sum()
                        guard d2 <= r2 else { continue }
                        if found.count < k {
                            found.append(points[i]); distances.append(d2)
                        } else if let worst = distances.indices.max(by: { distances[$0] < distances[$1] }), d2 < distances[worst] {
                            found[worst] = points[i]; distances[worst] = d2
                        }
                    }
                }
            }
        }
        // Nearest first (k is small).
        for i in 1..<max(1, found.count) {
            var j = i
            while j > 0 && distances[j - 1] > distances[j] {
                distances.swapAt(j - 1, j); found.swapAt(j - 1, j); j -= 1
            }
        }
    }
}
