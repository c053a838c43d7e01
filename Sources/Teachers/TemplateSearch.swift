// Coarse-to-fine search for a query template by zero-mean normalised cross-correlation
// (ZNCC; Lewis, "Fast Normalized Cross-Correlation", Vision Interface 1995): the query
// patch is cut from every level of the query frame's pyramid (same side in pixels of the
// level, so a coarse level sees more context), searched exhaustively within
// ⌈radius / 2^L⌉ of the prediction at the coarsest level L, then within ±2 pixels at
// each finer level, and the integer peak of level 0 is refined to subpixel by a parabola
// through its neighbours on each axis. ZNCC is invariant to gain and bias, so lighting
// changes do not move the peak; matching always against the query patch itself means no
// drift accumulates. Two cues come out with the peak: the best score outside the peak's
// neighbourhood at the coarsest level (a second surface that looks alike: ambiguity) and
// the peak's sharpness (its score minus the mean of the ring two pixels away at level 0).
// As Lewis proposes, the exhaustive search takes each window's sum and sum of squares from
// summed-area tables of the search region (WindowMoments), so only ZNCC's numerator is
// computed per position. Positions are scored eight neighbours of a row at a time
// (ImagingKernelSet's TemplateWindows, AVX2 where the CPU has it; before, one position at
// a time with a scalar tail for the 15- and 21-wide rows): a clip labelled by the template
// teacher costs about a fifth less CPU (one core, 48 frames at 512×384: 10.6 and 9.1 s
// against 13.7 and 11.5 s in the same rounds), the default pipeline over six clips about
// 7% less; `make bench` reports the whole pipeline's CPU per clip by stage.

import Foundation
import Imaging

/// The query patch at every pyramid level, zero-mean and of unit norm.
public struct QueryTemplate: Sendable {
    public let radius: Int
    /// [level][side × side]; empty where the patch was flat (no texture to match).
    let levels: [[Float]]

    /// Cuts the patch of side 2·radius + 1 centred at `point` (level-0 pixels) out of each
    /// level of `pyramid`, bilinearly sampled: the patch as it looks once rotated by
    /// `rotation` (radians, y down) and scaled by `scale` about the point.
    public init(pyramid: [GreyImage], point: SIMD2<Float>, radius: Int, rotation: Float = 0, scale: Float = 1) {
        self.radius = radius
        let side = 2 * radius + 1
        // Template offset u shows the query frame at point + R(−rotation) u / scale.
        let c = Float(cos(Double(rotation))) / scale, s = Float(sin(Double(rotation))) / scale
        levels = pyramid.enumerated().map { level, image in
            let centre = point / Float(1 << level)
            var patch = [Float](repeating: 0, count: side * side)
            for dy in 0..<side {
                for dx in 0..<side {
                    let u = Float(dx - radius), v = Float(dy - radius)
                    patch[dy * side + dx] = BilinearSample.at(image, centre.x + c * u + s * v, centre.y - s * u + c * v)
                }
            }
            let mean = patch.reduce(0, +) / Float(patch.count)
            var norm: Float = 0
            for k in patch.indices { patch[k] -= mean; norm += patch[k] * patch[k] }
            guard norm > Float(patch.count) * 1e-2 else { return [] }
            let scale = 1 / norm.squareRoot()
            return patch.map { $0 * scale }
        }
    }

    public var isTextured: Bool { !(levels.first?.isEmpty ?? true) }
}

public struct TemplateMatch: Equatable, Sendable {
    /// Level-0 pixels, subpixel.
    public var position: SIMD2<Float>
    /// ZNCC at the integer peak, −1…1.
    public var peak: Float
    /// The best ZNCC at the coarsest level more than two of its pixels from the peak.
    public var second: Float
    /// Peak minus the mean ZNCC two pixels away, at level 0.
    public var sharpness: Float
    /// Which of the template's versions matched (TemplateSearch.match(_:in:around:) with versions).
    public var version = 0
}

public struct TemplateSearch: Sendable, Equatable {
    /// Search radius around the prediction, level-0 pixels.
    public var radius: Int
    /// Pyramid levels used above the base (the coarsest is searched exhaustively).
    public var levels: Int

    public init(radius: Int = 32, levels: Int = 2) { self.radius = radius; self.levels = levels }

    /// Searches `pyramid` (levels 0… of the target frame) for `template` around
    /// `prediction`. Nil when the template is flat or falls outside the frame.
    public func match(_ template: QueryTemplate, in pyramid: [GreyImage], around prediction: SIMD2<Float>) -> TemplateMatch? {
        match([template], in: pyramid, around: prediction)
    }

    /// The same search with several versions of one template (the patch under different
    /// warps): the first guides the coarser levels; at level 0 every version is tried
    /// (around the peak, or exhaustively when level 0 is the only one) and the best
    /// (version, position) wins (`TemplateMatch.version`).
    public func match(_ versions: [QueryTemplate], in pyramid: [GreyImage], around prediction: SIMD2<Float>) -> TemplateMatch? {
        guard let template = versions.first, template.isTextured else { return nil }
        let top = min(levels, pyramid.count - 1, template.levels.count - 1)
        let r = template.radius
        // Coarsest level: exhaustive.
        let scale = Float(1 << top)
        let centre = SIMD2<Int>(Int((prediction.x / scale).rounded()), Int((prediction.y / scale).rounded()))
        let reach = (radius + (1 << top) - 1) >> top
        var best = -Float.infinity, bestAt = centre, version = 0
        var scores: [(SIMD2<Int>, Float)] = []
        scores.reserveCapacity((2 * reach + 1) * (2 * reach + 1))
        let coarse = pyramid[top]
        let moments = WindowMoments(coarse, around: centre, reach: reach + r)
        let area = Float((2 * r + 1) * (2 * r + 1))
        for index in 0..<(top == 0 ? versions.count : 1) where versions[index].isTextured {
            let t = versions[index].levels[top]
            for y in (centre.y - reach)...(centre.y + reach) {
                // Eight neighbouring positions at a time where all their windows are inside.
                var x = centre.x - reach
                while x <= centre.x + reach {
                    let lanes = min(8, centre.x + reach - x + 1)
                    let batch = Self.window(radius: r, at: x, y, fitsIn: coarse) && Self.window(radius: r, at: x + 7, y, fitsIn: coarse)
                    let dots = batch ? Self.dots(t, radius: r, in: coarse, x: x, y: y) : SIMD8<Float>()
                    for k in 0..<lanes {
                        let px = x + k
                        guard batch || Self.window(radius: r, at: px, y, fitsIn: coarse),
                              let s = Self.normalised(batch ? dots[k] : Self.dot(t, radius: r, in: coarse, x: px, y: y),
                                                      variance: moments.variance(x: px, y: y, radius: r), area: area) else { continue }
                        if index == 0 { scores.append((SIMD2(px, y), s)) }
                        if s > best { best = s; bestAt = SIMD2(px, y); version = index }
                    }
                    x += 8
                }
            }
        }
        guard best > -Float.infinity else { return nil }
        var second: Float = -1
        for (p, s) in scores where s > second {
            let d = p &- bestAt
            if max(abs(d.x), abs(d.y)) > 2 { second = s }
        }
        // Finer levels: ±2 around the doubled peak; at level 0 with every version.
        var at = bestAt
        for level in stride(from: top - 1, through: 0, by: -1) {
            let image = pyramid[level]
            let guess = at &* 2
            var levelBest = -Float.infinity
            for index in 0..<(level == 0 ? versions.count : 1) where versions[index].isTextured {
                let candidate = versions[index]
                for y in (guess.y - 2)...(guess.y + 2) {
                    let x0 = guess.x - 2
                    let batch = Self.window(radius: r, at: x0, y, fitsIn: image) && Self.window(radius: r, at: x0 + 7, y, fitsIn: image)
                    let row = batch ? Self.znccs(candidate.levels[level], radius: r, in: image, x: x0, y: y) : SIMD8<Float>()
                    for x in x0...(guess.x + 2) {
                        let s: Float
                        if batch {
                            guard !row[x - x0].isNaN else { continue }
                            s = row[x - x0]
                        } else {
                            guard let v = Self.zncc(candidate.levels[level], radius: r, in: image, x: x, y: y) else { continue }
                            s = v
                        }
                        if s > levelBest { levelBest = s; at = SIMD2(x, y); version = index }
                    }
                }
            }
            guard levelBest > -Float.infinity else { return nil }
            best = levelBest
        }
        // Subpixel: a parabola through the peak and its neighbours on each axis; the ring
        // two pixels out gives the sharpness.
        let base = pyramid[0], t0 = versions[version].levels[0]
        func score(_ dx: Int, _ dy: Int) -> Float { Self.zncc(t0, radius: r, in: base, x: at.x + dx, y: at.y + dy) ?? best }
        let l = score(-1, 0), rr = score(1, 0), u = score(0, -1), d = score(0, 1)
        func vertex(_ a: Float, _ b: Float, _ c: Float) -> Float {
            let curvature = a - 2 * b + c
            guard curvature < -1e-6 else { return 0 }
            return min(max(0.5 * (a - c) / curvature, -0.5), 0.5)
        }
        var ring: Float = 0
        let ringOffsets = [(-2, 0), (2, 0), (0, -2), (0, 2), (-2, -2), (2, 2), (-2, 2), (2, -2)]
        for (dx, dy) in ringOffsets { ring += score(dx, dy) }
        ring /= Float(ringOffsets.count)
        let position = SIMD2(Float(at.x) + vertex(l, best, rr), Float(at.y) + vertex(u, best, d))
        return TemplateMatch(position: position, peak: best, second: second, sharpness: best - ring, version: version)
    }

    /// ZNCC of the template with the frame (level 0) at the pixel nearest `position`; nil
    /// when the template is flat or the window leaves the frame.
    public func score(_ template: QueryTemplate, in frame: GreyImage, at position: SIMD2<Float>) -> Float? {
        guard template.isTextured else { return nil }
        return Self.zncc(template.levels[0], radius: template.radius, in: frame,
                         x: Int(position.x.rounded()), y: Int(position.y.rounded()))
    }

    /// Σ template · window for the window of `image` centred at integer (x, y), which must
    /// lie inside it: ZNCC's numerator, the template being zero-mean and of unit norm.
    @inline(__always)
    static func dot(_ template: [Float], radius r: Int, in image: GreyImage, x: Int, y: Int) -> Float {
        let side = 2 * r + 1
        var dot: Float = 0
        image.pixels.withUnsafeBufferPointer { p in
            template.withUnsafeBufferPointer { t in
                var d8 = SIMD8<Float>()
                for dy in 0..<side {
                    let row = p.baseAddress! + (y - r + dy) * image.width + (x - r)
                    let trow = t.baseAddress! + dy * side
                    var dx = 0
                    while dx + 8 <= side {
                        d8 += SIMD8(loadingFrom: row + dx) * SIMD8(loadingFrom: trow + dx)
                        dx += 8
                    }
                    while dx < side { dot += row[dx] * trow[dx]; dx += 1 }
                }
                dot += d8.sum()
            }
        }
        return dot
    }

    /// `dot` for the eight windows centred at (x…x + 7, y), all of which must lie inside
    /// `image` (ImagingKernelSet's template loops).
    @inline(__always)
    static func dots(_ template: [Float], radius r: Int, in image: GreyImage, x: Int, y: Int) -> SIMD8<Float> {
        image.pixels.withUnsafeBufferPointer { p in
            template.withUnsafeBufferPointer { t in
                ImagingKernelSet.current.templateDots(p.baseAddress! + (y - r) * image.width + (x - r), stride: image.width,
                                                      template: t.baseAddress!, side: 2 * r + 1)
            }
        }
    }

    /// `zncc` for the eight windows centred at (x…x + 7, y), all of which must lie inside
    /// `image`; NaN for a flat window.
    @inline(__always)
    static func znccs(_ template: [Float], radius r: Int, in image: GreyImage, x: Int, y: Int) -> SIMD8<Float> {
        let side = 2 * r + 1
        let m = image.pixels.withUnsafeBufferPointer { p in
            template.withUnsafeBufferPointer { t in
                ImagingKernelSet.current.templateMoments(p.baseAddress! + (y - r) * image.width + (x - r), stride: image.width,
                                                         template: t.baseAddress!, side: side)
            }
        }
        let n = Float(side * side)
        var scores = SIMD8<Float>(repeating: .nan)
        for k in 0..<8 {
            if let s = normalised(m.dots[k], variance: m.squares[k] - m.sums[k] * m.sums[k] / n, area: n) { scores[k] = s }
        }
        return scores
    }

    /// ZNCC of the zero-mean unit-norm `template` with the window of `image` centred at
    /// integer (x, y); nil when the window leaves the image or is flat.
    @inline(__always)
    static func zncc(_ template: [Float], radius r: Int, in image: GreyImage, x: Int, y: Int) -> Float? {
        guard window(radius: r, at: x, y, fitsIn: image) else { return nil }
        let side = 2 * r + 1
        var sum: Float = 0, squares: Float = 0, dot: Float = 0
        image.pixels.withUnsafeBufferPointer { p in
            template.withUnsafeBufferPointer { t in
                var s8 = SIMD8<Float>(), q8 = SIMD8<Float>(), d8 = SIMD8<Float>()
                for dy in 0..<side {
                    let row = p.baseAddress! + (y - r + dy) * image.width + (x - r)
                    let trow = t.baseAddress! + dy * side
                    var dx = 0
                    while dx + 8 <= side {
                        let v = SIMD8(loadingFrom: row + dx), w = SIMD8(loadingFrom: trow + dx)
                        s8 += v; q8 += v * v; d8 += v * w
                        dx += 8
                    }
                    while dx < side {
                        let v = row[dx]
                        sum += v; squares += v * v; dot += v * trow[dx]
                        dx += 1
                    }
                }
                sum += s8.sum(); squares += q8.sum(); dot += d8.sum()
            }
        }
        let n = Float(side * side)
        return normalised(dot, variance: squares - sum * sum / n, area: n)
    }

    /// Whether the window of side 2·r + 1 centred at (x, y) lies inside `image`.
    @inline(__always)
    static func window(radius r: Int, at x: Int, _ y: Int, fitsIn image: GreyImage) -> Bool {
        x - r >= 0 && y - r >= 0 && x + r < image.width && y + r < image.height
    }

    /// ZNCC from its numerator and n · the window's variance; nil for a flat window.
    @inline(__always)
    static func normalised(_ dot: Float, variance: Float, area n: Float) -> Float? {
        guard variance > n * 1e-2 else { return nil }
        return dot / variance.squareRoot()
    }
}

/// The sums of the values and of their squares over every window of an exhaustive search
/// (summed-area tables of the search region, in Double so that no sum loses a bit): the
/// windows of neighbouring positions share all but one row or column, so ZNCC there needs
/// only its numerator per position.
struct WindowMoments {
    private let left: Int, top: Int, stride: Int
    private var sums: [Double], squares: [Double]

    /// The region within `reach` of `centre`, clipped to the image.
    init(_ image: GreyImage, around centre: SIMD2<Int>, reach: Int) {
        left = max(centre.x - reach, 0); top = max(centre.y - reach, 0)
        let right = min(centre.x + reach, image.width - 1), bottom = min(centre.y + reach, image.height - 1)
        let w = max(right - left + 1, 0), h = max(bottom - top + 1, 0)
        stride = w + 1
        sums = [Double](repeating: 0, count: (w + 1) * (h + 1)); squares = sums
        let (left, top, stride) = (left, top, stride)
        image.pixels.withUnsafeBufferPointer { p in
            sums.withUnsafeMutableBufferPointer { s in
                squares.withUnsafeMutableBufferPointer { q in
                    for y in 0..<h {
                        var rowSum = 0.0, rowSquares = 0.0
                        let source = (top + y) * image.width + left
                        for x in 0..<w {
                            let v = Double(p[source + x])
                            rowSum += v; rowSquares += v * v
                            let k = (y + 1) * stride + x + 1
                            s[k] = s[k - stride] + rowSum; q[k] = q[k - stride] + rowSquares
                        }
                    }
                }
            }
        }
    }

    /// n · the variance of the window of side 2·radius + 1 centred at (x, y), which must lie
    /// in the region: Σv² − (Σv)² / n.
    @inline(__always)
    func variance(x: Int, y: Int, radius r: Int) -> Float {
        let x0 = x - r - left, y0 = y - r - top, x1 = x + r + 1 - left, y1 = y + r + 1 - top
        @inline(__always) func box(_ t: [Double]) -> Double {
            t[y1 * stride + x1] - t[y0 * stride + x1] - t[y1 * stride + x0] + t[y0 * stride + x0]
        }
        let n = Double((2 * r + 1) * (2 * r + 1)), sum = box(sums)
        return Float(box(squares) - sum * sum / n)
    }
}
