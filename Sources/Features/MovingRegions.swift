// Which parts of a clip frame move apart from the scene's dominant motion (the camera's),
// as query selection needs it to put queries on moving objects first: trackers learn
// from what moves, and a moving object is a few percent of a frame, so queries spread
// evenly leave it a few percent of the labels.
//
// A grid of points `spacing` pixels apart is carried one frame on (FrameMotion); an
// affine motion x' = A·x + b is fitted to the carried points by iteratively reweighted
// least squares (Huber weights at `threshold`, starting from the median displacement, a
// fixed number of rounds: no random draws, so a clip always gets the same answer); a grid
// point whose displacement misses the fit by more than `threshold` pixels moves apart.
// Affine, not a homography: over one frame the camera's homography is affine to well under
// a pixel at these sizes, and a moving object is off by its own motion, 10–40 pixels per
// frame on ../shared/bench's layers and `make bench`'s own sequences. A point the motion
// loses (a flat cell, a window leaving the frame) counts as not moving.
//
// Defaults: `spacing` 16 (about 800 carried points on a 512×384 frame, a few milliseconds
// of Lucas–Kanade), `threshold` 2 pixels (the Lucas–Kanade error on static texture is a
// few tenths of a pixel).

public struct MovingRegions {
    public let width: Int
    public let height: Int
    public let spacing: Int
    /// Grid columns and rows; `moving` is [rows × columns].
    let columns: Int, rows: Int
    let moving: [Bool]

    /// The moving regions of frame `t` of `frames` (grey, stored resolution), from the
    /// motion to frame t + 1 (t − 1 for the last frame).
    public init(frame t: Int, count: Int, width: Int, height: Int, motion: FrameMotion,
                spacing: Int = 16, threshold: Float = 2) {
        self.width = width; self.height = height; self.spacing = spacing
        columns = max(1, width / spacing); rows = max(1, height / spacing)
        moving = MovingRegions.classify(frame: t, count: count, columns: columns, rows: rows, spacing: spacing,
                                        motion: motion, threshold: threshold)
    }

    private static func classify(frame t: Int, count: Int, columns: Int, rows: Int, spacing: Int, motion: FrameMotion,
                                 threshold: Float) -> [Bool] {
        var moving = [Bool](repeating: false, count: columns * rows)
        guard count > 1 else { return moving }
        let next = t + 1 < count ? t + 1 : t - 1
        var grid: [SIMD2<Float>] = []
        grid.reserveCapacity(columns * rows)
        let offset = Float(spacing) / 2 - 0.5
        for r in 0..<rows {
            for c in 0..<columns { grid.append(SIMD2(Float(c * spacing) + offset, Float(r * spacing) + offset)) }
        }
        let carried = motion.carry(grid, from: t, to: next)
        var from: [SIMD2<Float>] = [], to: [SIMD2<Float>] = [], cell: [Int] = []
        for (k, p) in carried.enumerated() {
            guard let p else { continue }
            from.append(grid[k]); to.append(p); cell.append(k)
        }
        guard from.count >= 6, let fit = AffineMotion.robustFit(from: from, to: to, threshold: threshold) else { return moving }
        for k in from.indices {
            let d = fit.apply(from[k]) - to[k]
            if (d * d).sum() > threshold * threshold { moving[cell[k]] = true }
        }
        return moving
    }

    /// Whether the grid point nearest (x, y) moves apart from the scene.
    public func isMoving(x: Float, y: Float) -> Bool {
        let c = min(max(Int((x / Float(spacing)).rounded(.down)), 0), columns - 1)
        let r = min(max(Int((y / Float(spacing)).rounded(.down)), 0), rows - 1)
        return moving[r * columns + c]
    }

    /// The share of grid points that move apart (0…1).
    public var movingShare: Double { Double(moving.lazy.filter { $0 }.count) / Double(max(moving.count, 1)) }
}

/// x' = A·x + b, fitted robustly to point pairs.
struct AffineMotion {
    var a11: Float, a12: Float, a21: Float, a22: Float, bx: Float, by: Float

    func apply(_ p: SIMD2<Float>) -> SIMD2<Float> { SIMD2(a11 * p.x + a12 * p.y + bx, a21 * p.x + a22 * p.y + by) }

    /// Iteratively reweighted least squares with Huber weights at `threshold`, from the
    /// median displacement; nil when the points are degenerate (collinear).
    static func robustFit(from: [SIMD2<Float>], to: [SIMD2<Float>], threshold: Float, rounds: Int = 6) -> AffineMotion? {
        let dx = zip(from, to).map { $1.x - $0.x }.sorted(), dy = zip(from, to).map { $1.y - $0.y }.sorted()
        var fit = AffineMotion(a11: 1, a12: 0, a21: 0, a22: 1, bx: dx[dx.count / 2], by: dy[dy.count / 2])
        // Centre the coordinates so the normal equations are well conditioned.
        var centre = SIMD2<Float>.zero
        for p in from { centre += p }
        centre /= Float(from.count)
        for _ in 0..<rounds {
            // Weighted sums for the two rows: [x y 1]ᵀ[x y 1] and [x y 1]ᵀ·target.
            var m = [Double](repeating: 0, count: 9), rx = [Double](repeating: 0, count: 3), ry = rx
            for k in from.indices {
                let d = fit.apply(from[k]) - to[k]
                let e = (d * d).sum().squareRoot()
                let w = Double(e <= threshold ? 1 : threshold / e)
                let p = from[k] - centre
                let v = [Double(p.x), Double(p.y), 1]
                for i in 0..<3 {
                    for j in 0..<3 { m[i * 3 + j] += w * v[i] * v[j] }
                    rx[i] += w * v[i] * Double(to[k].x); ry[i] += w * v[i] * Double(to[k].y)
                }
            }
            guard let sx = solve3(m, rx), let sy = solve3(m, ry) else { return nil }
            // Back from centred coordinates: x' = a·(x − c) + b₀ = a·x + (b₀ − a·c).
            fit = AffineMotion(a11: Float(sx[0]), a12: Float(sx[1]), a21: Float(sy[0]), a22: Float(sy[1]),
                               bx: Float(sx[2]) - Float(sx[0]) * centre.x - Float(sx[1]) * centre.y,
                               by: Float(sy[2]) - Float(sy[0]) * centre.x - Float(sy[1]) * centre.y)
        }
        return fit
    }

    /// Solves the symmetric 3×3 system m·s = r by Cramer's rule; nil when singular.
    private static func solve3(_ m: [Double], _ r: [Double]) -> [Double]? {
        func det(_ a: [Double]) -> Double {
            a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
        }
        let d = det(m)
        guard abs(d) > 1e-9 * max(1, abs(m[0] * m[4] * m[8])) else { return nil }
        return (0..<3).map { col in
            var a = m
            for row in 0..<3 { a[row * 3 + col] = r[row] }
            return det(a) / d
        }
    }
}
