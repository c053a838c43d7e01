// Greedy non-maximum suppression by distance: points are taken strongest first and a
// point is kept only if no kept point lies within `minDistance` (Euclidean). A grid of
// cells `minDistance` wide makes each test look at nine cells, so N points cost O(N).

public struct PointSuppression {
    public let minDistance: Float
    private var cells: [Int64: [SIMD2<Float>]] = [:]

    public init(minDistance: Float) { self.minDistance = minDistance }

    private func cell(_ p: SIMD2<Float>) -> (Int64, Int64) {
        (Int64((p.x / max(minDistance, 1e-6)).rounded(.down)), Int64((p.y / max(minDistance, 1e-6)).rounded(.down)))
    }

    /// True when `p` is at least minDistance from every accepted point.
    public func isFree(_ p: SIMD2<Float>) -> Bool {
        let (cx, cy) = cell(p)
        let d2 = minDistance * minDistance
        for dy in -1...1 {
            for dx in -1...1 {
                for q in cells[(cx + Int64(dx)) << 32 ^ (cy + Int64(dy))] ?? [] {
                    let v = p - q
                    if (v * v).sum() < d2 { return false }
                }
            }
        }
        return true
    }

    /// Makes `p` suppress the points near it, whether or not it is free itself.
    public mutating func block(_ p: SIMD2<Float>) {
        let (cx, cy) = cell(p)
        cells[cx << 32 ^ cy, default: []].append(p)
    }

    /// Accepts `p` if it is free; returns whether it was.
    @discardableResult
    public mutating func accept(_ p: SIMD2<Float>) -> Bool {
        guard isFree(p) else { return false }
        let (cx, cy) = cell(p)
        cells[cx << 32 ^ cy, default: []].append(p)
        return true
    }
}
