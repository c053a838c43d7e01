// SIFT descriptors (Lowe 2004, §6.1; OpenCV's calcSIFTDescriptor): a 4×4 grid of 8-bin
// histograms of gradient orientation relative to the keypoint's, over a square window of
// cells 3σ wide rotated to the keypoint's orientation, each sample weighted by its
// magnitude and a Gaussian of half the window width, and spread over the two nearest
// cells in each direction and the two nearest orientation bins (trilinear). The 128
// values are normalised, clipped at 0.2 (illumination robustness, §6.1), normalised
// again and scaled by 512, rounded to integers 0…255 as OpenCV stores them. Samples are
// taken at integer offsets from the rounded keypoint position, as OpenCV does.

import Foundation
import Imaging

struct SIFTDescriptor {
    static let width = 4
    static let bins = 8
    static let length = width * width * bins
    static let cellFactor: Float = 3
    static let clip: Float = 0.2

    /// Writes the descriptor of `keypoint` into `out[0..<128]`. `histogram` is scratch.
    static func describe(_ keypoint: SIFTKeypoint, in space: SIFTScaleSpace, histogram: inout [Float],
                         out: UnsafeMutablePointer<Float>) {
        let d = width, n = bins
        let image = space.gaussians[keypoint.pyramidOctave][keypoint.layer]
        let w = image.width, h = image.height
        let px = Int(keypoint.octaveX.rounded(.toNearestOrEven)), py = Int(keypoint.octaveY.rounded(.toNearestOrEven))
        var angle = 360 - keypoint.orientation
        if abs(angle - 360) < Float.ulpOfOne { angle = 0 }
        let radians = angle * Float.pi / 180
        let histWidth = cellFactor * keypoint.octaveSigma
        var radius = Int((histWidth * 1.4142135623730951 * Float(d + 1) * 0.5).rounded(.toNearestOrEven))
        radius = min(radius, Int(Double(w * w + h * h).squareRoot()))
        let cosT = cosf(radians) / histWidth, sinT = sinf(radians) / histWidth
        let binsPerDegree = Float(n) / 360
        let expScale = -1 / (Float(d * d) * 0.5)
        let histogramCount = (d + 2) * (d + 2) * (n + 2)
        if histogram.count < histogramCount { histogram = [Float](repeating: 0, count: histogramCount) }
        // exp(−(c² + r²)/(d²/2)) with (c, r) the rotated offset in cells = a product of
        // per-axis factors, since rotation keeps i² + j².
        var axisWeight = [Float](repeating: 0, count: 2 * radius + 1)
        for i in -radius...radius {
            axisWeight[i + radius] = expf(Float(i * i) / (histWidth * histWidth) * expScale)
        }
        histogram.withUnsafeMutableBufferPointer { hist in
            for i in 0..<histogramCount { hist[i] = 0 }
            image.pixels.withUnsafeBufferPointer { img in
                for i in -radius...radius {
                    let y = py + i
                    if y <= 0 || y >= h - 1 { continue }
                    let row = img.baseAddress! + y * w
                    for j in -radius...radius {
                        let cRot = Float(j) * cosT - Float(i) * sinT
                        let rRot = Float(j) * sinT + Float(i) * cosT
                        var rbin = rRot + Float(d / 2) - 0.5
                        var cbin = cRot + Float(d / 2) - 0.5
                        let x = px + j
                        guard rbin > -1 && rbin < Float(d) && cbin > -1 && cbin < Float(d) && x > 0 && x < w - 1 else { continue }
                        let dx = row[x + 1] - row[x - 1]
                        let dy = row[x - w] - row[x + w]
                        let magnitude = (dx * dx + dy * dy).squareRoot() * axisWeight[i + radius] * axisWeight[j + radius]
                        var obin = (fastAtan2Degrees(dy, dx) - angle) * binsPerDegree
                        let r0 = Int(rbin.rounded(.down)), c0 = Int(cbin.rounded(.down))
                        var o0 = Int(obin.rounded(.down))
                        rbin -= Float(r0); cbin -= Float(c0); obin -= Float(o0)
                        if o0 < 0 { o0 += n }
                        if o0 >= n { o0 -= n }
                        let vR1 = magnitude * rbin, vR0 = magnitude - vR1
                        let vRC11 = vR1 * cbin, vRC10 = vR1 - vRC11
                        let vRC01 = vR0 * cbin, vRC00 = vR0 - vRC01
                        let vRCO111 = vRC11 * obin, vRCO110 = vRC11 - vRCO111
                        let vRCO101 = vRC10 * obin, vRCO100 = vRC10 - vRCO101
                        let vRCO011 = vRC01 * obin, vRCO010 = vRC01 - vRCO011
                        let vRCO001 = vRC00 * obin, vRCO000 = vRC00 - vRCO001
                        let idx = ((r0 + 1) * (d + 2) + c0 + 1) * (n + 2) + o0
                        hist[idx] += vRCO000
                        hist[idx + 1] += vRCO001
                        hist[idx + (n + 2)] += vRCO010
                        hist[idx + (n + 3)] += vRCO011
                        hist[idx + (d + 2) * (n + 2)] += vRCO100
                        hist[idx + (d + 2) * (n + 2) + 1] += vRCO101
                        hist[idx + (d + 3) * (n + 2)] += vRCO110
                        hist[idx + (d + 3) * (n + 2) + 1] += vRCO111
                    }
                }
            }
            // Orientation bins wrap around; cells copy out of the padded grid.
            for i in 0..<d {
                for j in 0..<d {
                    let idx = ((i + 1) * (d + 2) + (j + 1)) * (n + 2)
                    hist[idx] += hist[idx + n]
                    hist[idx + 1] += hist[idx + n + 1]
                    for k in 0..<n { out[(i * d + j) * n + k] = hist[idx + k] }
                }
            }
        }
        var norm: Float = 0
        for k in 0..<length { norm += out[k] * out[k] }
        let threshold = norm.squareRoot() * clip
        norm = 0
        for k in 0..<length {
            let v = min(out[k], threshold)
            out[k] = v
            norm += v * v
        }
        let scale = 512 / max(norm.squareRoot(), Float.ulpOfOne)
        for k in 0..<length { out[k] = min(255, max(0, (out[k] * scale).rounded(.toNearestOrEven))) }
    }
}
