// SIFT keypoint detection on a built scale space: extrema of the difference of Gaussians
// over their 26 neighbours in space and scale (Lowe 2004, §3.1), refined to sub-pixel and
// sub-scale by fitting a 3-D quadratic (§4; up to maxRefinementSteps moves to a
// neighbouring sample), rejected for low contrast (|D(x̂)| · s < contrastThreshold) and
// on edges (tr(H)²/det(H) ≥ (r + 1)²/r, §4.1), then given one keypoint per orientation
// peak within orientationPeakRatio of the highest in a 36-bin histogram of gradient
// directions weighted by magnitude and a Gaussian of 1.5σ over a radius of 3·1.5σ, each
// peak refined by a parabola through it and its neighbours (§5). Every numerical choice
// follows OpenCV's sift.simd.hpp (findScaleSpaceExtrema, adjustLocalExtrema,
// calcOrientationHist), so that the two agree keypoint for keypoint.

import Foundation
import Imaging

struct SIFTDetector {
    let configuration: SIFTConfiguration

    func detect(in space: SIFTScaleSpace) -> [SIFTKeypoint] {
        let s = configuration.layersPerOctave
        let threshold = Float((0.5 * configuration.contrastThreshold / Double(s) * 255).rounded(.down))
        var keypoints: [SIFTKeypoint] = []
        var histogram = [Float](repeating: 0, count: configuration.orientationBins)
        for o in 0..<space.dogs.count {
            for layer in 1...s {
                let current = space.dogs[o][layer], below = space.dogs[o][layer - 1], above = space.dogs[o][layer + 1]
                let w = current.width, h = current.height
                let border = configuration.border
                guard w > 2 * border, h > 2 * border else { continue }
                current.pixels.withUnsafeBufferPointer { cur in
                    below.pixels.withUnsafeBufferPointer { prv in
                        above.pixels.withUnsafeBufferPointer { nxt in
                            for r in border..<(h - border) {
                                let c0 = cur.baseAddress! + r * w, p0 = prv.baseAddress! + r * w, n0 = nxt.baseAddress! + r * w
                                var c = border
                                // Eight pixels at a time: only those above the threshold that are
                                // the maximum or minimum of their own 3×3 go on to the full test.
                                while c + 8 <= w - border {
                                    var mask = Self.candidates(c0 + c, w, threshold)
                                    while mask != 0 {
                                        let lane = mask.trailingZeroBitCount
                                        mask &= mask - 1
                                        let x = c + lane
                                        if Self.isExtremum(c0[x], x, w, c0, p0, n0),
                                           var keypoint = refine(space, octave: o, layer: layer, r: r, c: x) {
                                            orient(&keypoint, space: space, histogram: &histogram, into: &keypoints)
                                        }
                                    }
                                    c += 8
                                }
                                while c < w - border {
                                    let v = c0[c]
                                    if abs(v) > threshold, Self.isExtremum(v, c, w, c0, p0, n0),
                                       var keypoint = refine(space, octave: o, layer: layer, r: r, c: c) {
                                        orient(&keypoint, space: space, histogram: &histogram, into: &keypoints)
                                    }
                                    c += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        keypoints = Self.removingDuplicates(keypoints)
        if let cap = configuration.maxKeypoints, keypoints.count > cap {
            keypoints.sort { $0.response > $1.response }
            keypoints.removeSubrange(cap...)
        }
        return keypoints
    }

    /// A bit per lane of the eight pixels at p: |v| > threshold and v is ≥ (if positive) or
    /// ≤ (if negative) its eight neighbours in its own layer. A necessary condition of
    /// isExtremum, tested with vector compares.
    @inline(__always)
    static func candidates(_ p: UnsafePointer<Float>, _ w: Int, _ threshold: Float) -> UInt8 {
        @inline(__always) func at(_ offset: Int) -> SIMD8<Float> {
            SIMD8(loadingFrom: p + offset)
        }
        let v = at(0)
        let n1 = at(-1), n2 = at(1), n3 = at(-w - 1), n4 = at(-w), n5 = at(-w + 1), n6 = at(w - 1), n7 = at(w), n8 = at(w + 1)
        @inline(__always) func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }
        @inline(__always) func smaller(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }
        let maximum = larger(larger(larger(n1, n2), larger(n3, n4)), larger(larger(n5, n6), larger(n7, n8)))
        let minimum = smaller(smaller(smaller(n1, n2), smaller(n3, n4)), smaller(smaller(n5, n6), smaller(n7, n8)))
        let t = SIMD8<Float>(repeating: threshold)
        let positive = (v .> t) .& (v .>= maximum)
        let negative = (v .< -t) .& (v .<= minimum)
        let selected = positive .| negative
        var bits: UInt8 = 0
        for lane in 0..<8 where selected[lane] { bits |= 1 << UInt8(lane) }
        return bits
    }

    /// v is ≥ (or ≤, when negative) all 26 neighbours, as OpenCV tests it.
    @inline(__always)
    static func isExtremum(_ v: Float, _ c: Int, _ w: Int, _ cur: UnsafePointer<Float>,
                           _ prv: UnsafePointer<Float>, _ nxt: UnsafePointer<Float>) -> Bool {
        let p = cur + c
        if v > 0 {
            if v < p[-1] || v < p[1] || v < p[-w - 1] || v < p[-w] || v < p[-w + 1] || v < p[w - 1] || v < p[w] || v < p[w + 1] { return false }
            return dominates(v, prv + c, w, greater: true) && dominates(v, nxt + c, w, greater: true)
        } else {
            if v > p[-1] || v > p[1] || v > p[-w - 1] || v > p[-w] || v > p[-w + 1] || v > p[w - 1] || v > p[w] || v > p[w + 1] { return false }
            return dominates(v, prv + c, w, greater: false) && dominates(v, nxt + c, w, greater: false)
        }
    }

    /// v ≥ (greater) or ≤ all nine samples of the 3×3 block centred at p.
    @inline(__always)
    private static func dominates(_ v: Float, _ p: UnsafePointer<Float>, _ w: Int, greater: Bool) -> Bool {
        if greater {
            return !(v < p[-w - 1] || v < p[-w] || v < p[-w + 1] || v < p[-1] || v < p[0] || v < p[1]
                     || v < p[w - 1] || v < p[w] || v < p[w + 1])
        }
        return !(v > p[-w - 1] || v > p[-w] || v > p[-w + 1] || v > p[-1] || v > p[0] || v > p[1]
                 || v > p[w - 1] || v > p[w] || v > p[w + 1])
    }

    /// Quadratic refinement (OpenCV's adjustLocalExtrema). Returns the keypoint with its
    /// octave-space position, or nil when it moves out, does not converge, has too little
    /// contrast or lies on an edge.
    func refine(_ space: SIFTScaleSpace, octave o: Int, layer startLayer: Int, r startR: Int, c startC: Int) -> SIFTKeypoint? {
        let s = configuration.layersPerOctave
        let imageScale: Float = 1 / 255
        let derivScale = imageScale * 0.5, secondScale = imageScale, crossScale = imageScale * 0.25
        var layer = startLayer, r = startR, c = startC
        var xi: Float = 0, xr: Float = 0, xc: Float = 0
        let w = space.dogs[o][0].width, h = space.dogs[o][0].height
        let border = configuration.border
        var step = 0
        var dD = SIMD3<Float>.zero
        while step < configuration.maxRefinementSteps {
            let img = space.dogs[o][layer].pixels, prv = space.dogs[o][layer - 1].pixels, nxt = space.dogs[o][layer + 1].pixels
            let i0 = r * w + c
            dD = SIMD3((img[i0 + 1] - img[i0 - 1]) * derivScale, (img[i0 + w] - img[i0 - w]) * derivScale,
                       (nxt[i0] - prv[i0]) * derivScale)
            let v2 = img[i0] * 2
            let dxx = (img[i0 + 1] + img[i0 - 1] - v2) * secondScale
            let dyy = (img[i0 + w] + img[i0 - w] - v2) * secondScale
            let dss = (nxt[i0] + prv[i0] - v2) * secondScale
            let dxy = (img[i0 + w + 1] - img[i0 + w - 1] - img[i0 - w + 1] + img[i0 - w - 1]) * crossScale
            let dxs = (nxt[i0 + 1] - nxt[i0 - 1] - prv[i0 + 1] + prv[i0 - 1]) * crossScale
            let dys = (nxt[i0 + w] - nxt[i0 - w] - prv[i0 + w] + prv[i0 - w]) * crossScale
            guard let x = Self.solve3(dxx, dxy, dxs, dxy, dyy, dys, dxs, dys, dss, dD) else { return nil }
            xc = -x.x; xr = -x.y; xi = -x.z
            if abs(xi) < 0.5 && abs(xr) < 0.5 && abs(xc) < 0.5 { break }
            let limit = Float(Int32.max / 3)
            if abs(xi) > limit || abs(xr) > limit || abs(xc) > limit { return nil }
            c += Int(xc.rounded(.toNearestOrEven)); r += Int(xr.rounded(.toNearestOrEven)); layer += Int(xi.rounded(.toNearestOrEven))
            if layer < 1 || layer > s || c < border || c >= w - border || r < border || r >= h - border { return nil }
            step += 1
        }
        if step >= configuration.maxRefinementSteps { return nil }

        let img = space.dogs[o][layer].pixels, prv = space.dogs[o][layer - 1].pixels, nxt = space.dogs[o][layer + 1].pixels
        let i0 = r * w + c
        dD = SIMD3((img[i0 + 1] - img[i0 - 1]) * derivScale, (img[i0 + w] - img[i0 - w]) * derivScale,
                   (nxt[i0] - prv[i0]) * derivScale)
        let t = (dD * SIMD3(xc, xr, xi)).sum()
        let contrast = img[i0] * imageScale + t * 0.5
        if abs(contrast) * Float(s) < Float(configuration.contrastThreshold) { return nil }
        let v2 = img[i0] * 2
        let dxx = (img[i0 + 1] + img[i0 - 1] - v2) * secondScale
        let dyy = (img[i0 + w] + img[i0 - w] - v2) * secondScale
        let dxy = (img[i0 + w + 1] - img[i0 + w - 1] - img[i0 - w + 1] + img[i0 - w - 1]) * crossScale
        let trace = dxx + dyy, det = dxx * dyy - dxy * dxy
        let e = Float(configuration.edgeThreshold)
        if det <= 0 || trace * trace * e >= (e + 1) * (e + 1) * det { return nil }

        let octaveSigma = Float(configuration.sigma) * powf(2, (Float(layer) + xi) / Float(s))
        let toInput = powf(2, Float(o + space.firstOctave))
        let shift: Float = space.firstOctave < 0 ? -0.25 : 0  // pixel-centre map of the 2× enlargement
        var keypoint = SIFTKeypoint(x: (Float(c) + xc) * toInput + shift, y: (Float(r) + xr) * toInput + shift,
                                    sigma: octaveSigma * toInput, orientation: 0, response: abs(contrast),
                                    octave: o + space.firstOctave)
        keypoint.pyramidOctave = o
        keypoint.layer = layer
        keypoint.octaveX = Float(c) + xc
        keypoint.octaveY = Float(r) + xr
        keypoint.octaveSigma = octaveSigma
        // The integer sample the refinement ended on (orientation is measured there).
        keypoint.sampleX = c
        keypoint.sampleY = r
        return keypoint
    }

    /// Adds one copy of `keypoint` per orientation peak (OpenCV's calcOrientationHist).
    func orient(_ keypoint: inout SIFTKeypoint, space: SIFTScaleSpace, histogram: inout [Float], into out: inout [SIFTKeypoint]) {
        let n = configuration.orientationBins
        let image = space.gaussians[keypoint.pyramidOctave][keypoint.layer]
        let scale = keypoint.octaveSigma
        let radius = Int((3 * 1.5 * scale).rounded(.toNearestOrEven))
        let sigma = 1.5 * scale
        let expScale = -1 / (2 * sigma * sigma)
        var raw = [Float](repeating: 0, count: n + 4)  // two guard bins each side for smoothing
        let w = image.width, h = image.height
        let px = keypoint.sampleX, py = keypoint.sampleY
        var rowWeight = [Float](repeating: 0, count: 2 * radius + 1)
        for i in -radius...radius { rowWeight[i + radius] = expf(Float(i * i) * expScale) }
        let binsPerDegree = Float(n) / 360
        image.pixels.withUnsafeBufferPointer { img in
            for i in -radius...radius {
                let y = py + i
                if y <= 0 || y >= h - 1 { continue }
                let wy = rowWeight[i + radius]
                let row = img.baseAddress! + y * w
                for j in -radius...radius {
                    let x = px + j
                    if x <= 0 || x >= w - 1 { continue }
                    let dx = row[x + 1] - row[x - 1]
                    let dy = row[x - w] - row[x + w]
                    let weight = wy * rowWeight[j + radius]
                    let magnitude = (dx * dx + dy * dy).squareRoot()
                    var bin = Int((binsPerDegree * fastAtan2Degrees(dy, dx)).rounded(.toNearestOrEven))
                    if bin >= n { bin -= n }
                    if bin < 0 { bin += n }
                    raw[bin + 2] += weight * magnitude
                }
            }
        }
        raw[0] = raw[n]; raw[1] = raw[n + 1]; raw[n + 2] = raw[2]; raw[n + 3] = raw[3]
        var maximum: Float = 0
        for i in 0..<n {
            let v = (raw[i] + raw[i + 4]) * (1 / 16) + (raw[i + 1] + raw[i + 3]) * (4 / 16) + raw[i + 2] * (6 / 16)
            histogram[i] = v
            maximum = max(maximum, v)
        }
        let threshold = maximum * configuration.orientationPeakRatio
        for j in 0..<n {
            let l = j > 0 ? j - 1 : n - 1, r = j < n - 1 ? j + 1 : 0
            let v = histogram[j]
            if v > histogram[l] && v > histogram[r] && v >= threshold {
                var bin = Float(j) + 0.5 * (histogram[l] - histogram[r]) / (histogram[l] - 2 * v + histogram[r])
                bin = bin < 0 ? Float(n) + bin : (bin >= Float(n) ? bin - Float(n) : bin)
                var angle = 360 - (360 / Float(n)) * bin
                if abs(angle - 360) < Float.ulpOfOne { angle = 0 }
                keypoint.orientation = angle
                out.append(keypoint)
            }
        }
    }

    /// Solves the 3×3 system A·x = b by Gaussian elimination with partial pivoting; nil
    /// when A is singular.
    static func solve3(_ a00: Float, _ a01: Float, _ a02: Float, _ a10: Float, _ a11: Float, _ a12: Float,
                       _ a20: Float, _ a21: Float, _ a22: Float, _ b: SIMD3<Float>) -> SIMD3<Float>? {
        var m: [[Float]] = [[a00, a01, a02, b.x], [a10, a11, a12, b.y], [a20, a21, a22, b.z]]
        for col in 0..<3 {
            var pivot = col
            for row in (col + 1)..<3 where abs(m[row][col]) > abs(m[pivot][col]) { pivot = row }
            if abs(m[pivot][col]) < Float.leastNormalMagnitude { return nil }
            if pivot != col { m.swapAt(pivot, col) }
            for row in (col + 1)..<3 {
                let f = m[row][col] / m[col][col]
                for k in col..<4 { m[row][k] -= f * m[col][k] }
            }
        }
        var x = [Float](repeating: 0, count: 3)
        for row in stride(from: 2, through: 0, by: -1) {
            var v = m[row][3]
            for k in (row + 1)..<3 { v -= m[row][k] * x[k] }
            x[row] = v / m[row][row]
        }
        return SIMD3(x[0], x[1], x[2])
    }

    /// OpenCV's KeyPointsFilter::removeDuplicatedSorted: identical position, size and angle.
    static func removingDuplicates(_ keypoints: [SIFTKeypoint]) -> [SIFTKeypoint] {
        let sorted = keypoints.sorted {
            ($0.x, $0.y, $0.sigma, $0.orientation) < ($1.x, $1.y, $1.sigma, $1.orientation)
        }
        var out: [SIFTKeypoint] = []
        out.reserveCapacity(sorted.count)
        for k in sorted {
            if let last = out.last, last.x == k.x, last.y == k.y, last.sigma == k.sigma, last.orientation == k.orientation { continue }
            out.append(k)
        }
        return out
    }
}
