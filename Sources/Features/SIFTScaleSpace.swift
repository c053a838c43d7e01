// SIFT's Gaussian scale space and its differences of Gaussians (Lowe 2004, §3; OpenCV's
// buildGaussianPyramid and buildDoGPyramid). The base is the input enlarged 2× by bilinear
// interpolation (when doubling) and blurred from the assumed 0.5 (1.0 after doubling) to σ.
// Each octave holds layersPerOctave + 3 Gaussian layers, layer i blurred incrementally to
// σ·2^(i/s); the next octave starts from layer s of this one, decimated by 2. Octaves stop
// when an octave is too small to hold a keypoint inside its border (sides of 2·border or
// less); OpenCV builds one or two smaller ones still, which cannot hold any. The object keeps every buffer and reuses it for the next
// frame of the same size: building a scale space allocates nothing after the first frame.

import Foundation
import Imaging

final class SIFTScaleSpace {
    let configuration: SIFTConfiguration
    private(set) var gaussians: [[GreyImage]] = []
    private(set) var dogs: [[GreyImage]] = []
    private var base = GreyImage(width: 0, height: 0)
    private var scratch: [Float] = []
    private let layerKernels: [GaussianKernel]
    private let baseKernel: GaussianKernel

    init(configuration: SIFTConfiguration) {
        self.configuration = configuration
        let s = configuration.layersPerOctave
        let k = pow(2.0, 1.0 / Double(s))
        var kernels: [GaussianKernel] = []
        for i in 1..<(s + 3) {
            let previous = pow(k, Double(i - 1)) * configuration.sigma
            let total = previous * k
            kernels.append(GaussianKernel(sigma: (total * total - previous * previous).squareRoot()))
        }
        layerKernels = kernels
        let assumed = configuration.assumedBlur * (configuration.doubleImage ? 2 : 1)
        baseKernel = GaussianKernel(sigma: max(configuration.sigma * configuration.sigma - assumed * assumed, 0.01).squareRoot())
    }

    /// log2 of the base's scale relative to the input: −1 when doubling.
    var firstOctave: Int { configuration.doubleImage ? -1 : 0 }

    func build(_ image: GreyImage) {
        let s = configuration.layersPerOctave
        if configuration.doubleImage {
            Self.enlarge(image, into: &base)
        } else {
            base = image
        }
        var octaveCount = 0
        var (w, h) = (base.width, base.height)
        while w > 2 * configuration.border && h > 2 * configuration.border { octaveCount += 1; w /= 2; h /= 2 }
        if gaussians.count != octaveCount {
            gaussians = Array(repeating: Array(repeating: GreyImage(width: 0, height: 0), count: s + 3), count: octaveCount)
            dogs = Array(repeating: Array(repeating: GreyImage(width: 0, height: 0), count: s + 2), count: octaveCount)
        }
        for o in 0..<octaveCount {
            if o == 0 {
                GaussianBlur.apply(base, into: &gaussians[0][0], kernel: baseKernel, scratch: &scratch)
            } else {
                Self.decimate(gaussians[o - 1][s], into: &gaussians[o][0])
            }
            for i in 1..<(s + 3) {
                GaussianBlur.apply(gaussians[o][i - 1], into: &gaussians[o][i], kernel: layerKernels[i - 1], scratch: &scratch)
            }
            for i in 0..<(s + 2) {
                Self.subtract(gaussians[o][i + 1], gaussians[o][i], into: &dogs[o][i])
            }
        }
    }

    /// 2× bilinear enlargement with OpenCV's pixel-centre alignment (INTER_LINEAR):
    /// output pixel x samples input (x + 0.5) / 2 − 0.5, clamped at the borders.
    static func enlarge(_ image: GreyImage, into out: inout GreyImage) {
        let w = image.width, h = image.height, W = 2 * w, H = 2 * h
        if out.width != W || out.height != H { out = GreyImage(width: W, height: H) }
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                // Rows: even output rows lean on the row above, odd ones on the row below.
                for Y in 0..<H {
                    let y = Y / 2
                    let (y0, y1, fy): (Int, Int, Float) = Y % 2 == 0
                        ? (max(y - 1, 0), y, y == 0 ? 1 : 0.75)
                        : (y, min(y + 1, h - 1), 0.75)
                    let r0 = src.baseAddress! + y0 * w, r1 = src.baseAddress! + y1 * w
                    let (a0, a1): (UnsafePointer<Float>, UnsafePointer<Float>) = Y % 2 == 0 ? (r0, r1) : (r1, r0)
                    // a1 carries weight fy; a0 the rest.
                    let o = dst.baseAddress! + Y * W
                    let wNear = fy, wFar = 1 - fy
                    // Column 0 and the last column clamp.
                    o[0] = wNear * a1[0] + wFar * a0[0]
                    for x in 1..<w {
                        let left = wNear * a1[x - 1] + wFar * a0[x - 1]
                        let here = wNear * a1[x] + wFar * a0[x]
                        o[2 * x - 1] = 0.75 * left + 0.25 * here
                        o[2 * x] = 0.25 * left + 0.75 * here
                    }
                    o[W - 1] = wNear * a1[w - 1] + wFar * a0[w - 1]
                }
            }
        }
    }

    /// Every second pixel of every second row (OpenCV's INTER_NEAREST halving).
    static func decimate(_ image: GreyImage, into out: inout GreyImage) {
        let w = image.width / 2, h = image.height / 2
        if out.width != w || out.height != h { out = GreyImage(width: w, height: h) }
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = src.baseAddress! + 2 * y * image.width
                    let o = dst.baseAddress! + y * w
                    for x in 0..<w { o[x] = row[2 * x] }
                }
            }
        }
    }

    static func subtract(_ a: GreyImage, _ b: GreyImage, into out: inout GreyImage) {
        if out.width != a.width || out.height != a.height { out = GreyImage(width: a.width, height: a.height) }
        a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                out.pixels.withUnsafeMutableBufferPointer { po in
                    for i in 0..<po.count { po[i] = pa[i] - pb[i] }
                }
            }
        }
    }
}
