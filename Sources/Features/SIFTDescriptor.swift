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

    /// Writes the descriptor of `keypoint` into `out[0..<128]`. `histogram` and `samples`
    /// are scratch, reused across keypoints.
    static func describe(_ keypoint: SIFTKeypoint, in space: SIFTScaleSpace, histogram: inout [Float],
                         samples: inout [Float], out: UnsafeMutablePointer<Float>) {
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
        // Pass 1: the samples inside the rotated grid, with their gradients and bins.
        let capacity = (2 * radius + 1) * (2 * radius + 1) + 8
        if samples.count < 6 * capacity { samples = [Float](repeating: 0, count: 6 * capacity) }
        var count = 0
        samples.withUnsafeMutableBufferPointer { buffer in
            let gx = buffer.baseAddress!, gy = gx + capacity, weight = gy + capacity
            let rbins = weight + capacity, cbins = rbins + capacity
            image.pixels.withUnsafeBufferPointer { img in
                for i in -radius...radius {
                    let y = py + i
                    if y <= 0 || y >= h - 1 { continue }
                    let row = img.baseAddress! + y * w
                    let wy = axisWeight[i + radius]
                    for j in -radius...radius {
                        let cRot = Float(j) * cosT - Float(i) * sinT
                        let rRot = Float(j) * sinT + Float(i) * cosT
                        let rbin = rRot + Float(d / 2) - 0.5
                        let cbin = cRot + Float(d / 2) - 0.5
                        let x = px + j
                        guard rbin > -1 && rbin < Float(d) && cbin > -1 && cbin < Float(d) && x > 0 && x < w - 1 else { continue }
                        gx[count] = row[x + 1] - row[x - 1]
                        gy[count] = row[x - w] - row[x + w]
                        weight[count] = wy * axisWeight[j + radius]
                        rbins[count] = rbin
                        cbins[count] = cbin
                        count += 1
                    }
                }
            }
            // Pass 2: orientation and weighted magnitude, eight samples at a time.
            let orientation = cbins + capacity
            for k in count..<((count + 7) & ~7) { gx[k] = 0; gy[k] = 0; weight[k] = 0 }
            var k = 0
            while k < count {
                let x = SIMD8(loadingFrom: gx + k), y = SIMD8(loadingFrom: gy + k), wk = SIMD8(loadingFrom: weight + k)
                fastAtan2Degrees(y, x).store(to: orientation + k)
                ((x * x + y * y).squareRoot() * wk).store(to: weight + k)
                k += 8
            }
            // Pass 3: trilinear accumulation. Bins are above −1 (rows, columns) and above
            // −n (orientation), so floor is a truncation after an offset.
            histogram.withUnsafeMutableBufferPointer { hist in
                for i in 0..<histogramCount { hist[i] = 0 }
                for k in 0..<count {
                    var rbin = rbins[k], cbin = cbins[k]
                    var obin = (orientation[k] - angle) * binsPerDegree
                    let magnitude = weight[k]
                    let r0 = Int(rbin + 1) - 1, c0 = Int(cbin + 1) - 1
                    var o0 = Int(obin + Float(n)) - n
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
