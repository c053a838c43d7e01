// Separable Gaussian blur of a grey Float image, with OpenCV's choices so that scale
// spaces built on it agree with OpenCV's (the reference for SIFT):
//   kernel size  round(8σ + 1) rounded up to odd (OpenCV's size for float images: ±4σ),
//   taps         exp(−x²/2σ²), normalised to sum 1,
//   border       reflect-101 (…, 2, 1 | 0, 1, 2, …, n−1 | n−2, …), OpenCV's default.
// The inner loops (ImagingKernels.SeparableRows) accumulate eight pixels at a time in
// registers over all taps and use the kernel's symmetry; an AVX2 build of them is used
// where the CPU has it, with bit-identical results (ImagingKernelSet chooses). The caller owns the
// output and a scratch buffer and reuses them across frames: no allocation per call.

import CPlatform
import Foundation

public struct GaussianKernel: Equatable, Sendable {
    public let sigma: Double
    /// Taps from the centre outwards: taps[0] is the centre, taps[d] the weight at ±d.
    public let taps: [Float]
    public var radius: Int { taps.count - 1 }

    public init(sigma: Double) {
        precondition(sigma > 0, "GaussianKernel: sigma must be positive")
        let size = Int((sigma * 8 + 1).rounded()) | 1
        let radius = size / 2
        var weights = (0...radius).map { d in exp(-Double(d * d) / (2 * sigma * sigma)) }
        let sum = weights[0] + 2 * weights.dropFirst().reduce(0, +)
        weights = weights.map { $0 / sum }
        self.sigma = sigma
        self.taps = weights.map(Float.init)
    }
}

public enum GaussianBlur {
    /// Blurs `source` into `destination` (same size; resized if not). `scratch` is reused.
    public static func apply(_ source: GreyImage, into destination: inout GreyImage, kernel: GaussianKernel,
                             scratch: inout [Float], kernels: ImagingKernelSet = .current) {
        let w = source.width, h = source.height
        if destination.width != w || destination.height != h { destination = GreyImage(width: w, height: h) }
        let r = kernel.radius
        let paddedWidth = w + 2 * r
        let needed = w * h + paddedWidth
        if scratch.count < needed { scratch = [Float](repeating: 0, count: needed) }
        guard w > 0 && h > 0 else { return }
        kernel.taps.withUnsafeBufferPointer { tapBuffer in
            let taps = tapBuffer.baseAddress!
            source.pixels.withUnsafeBufferPointer { src in
                scratch.withUnsafeMutableBufferPointer { tmpAll in
                    destination.pixels.withUnsafeMutableBufferPointer { dst in
                        let tmp = tmpAll.baseAddress!
                        let pad = tmp + w * h
                        // Horizontal pass: each row padded by reflection, then filtered.
                        for y in 0..<h {
                            let row = src.baseAddress! + y * w
                            (pad + r).update(from: row, count: w)
                            var d = 1
                            while d <= r {
                                pad[r - d] = row[reflect(-d, w)]
                                pad[r + w - 1 + d] = row[reflect(w - 1 + d, w)]
                                d += 1
                            }
                            kernels.horizontal(pad, into: tmp + y * w, width: w, taps: taps, radius: r)
                        }
                        // Vertical pass: the 2r + 1 rows around each output row.
                        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 2 * r + 2) { rowsBuffer in
                            let rows = rowsBuffer.baseAddress!
                            for y in 0..<h {
                                for d in 0...r {
                                    rows[2 * d] = UnsafePointer(tmp + reflect(y - d, h) * w)
                                    rows[2 * d + 1] = UnsafePointer(tmp + reflect(y + d, h) * w)
                                }
                                kernels.vertical(rows, into: dst.baseAddress! + y * w, width: w, taps: taps, radius: r)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Blurs with a fresh output (for one-off use; loops should keep their buffers).
    public static func apply(_ source: GreyImage, sigma: Double) -> GreyImage {
        var out = GreyImage(width: source.width, height: source.height)
        var scratch: [Float] = []
        apply(source, into: &out, kernel: GaussianKernel(sigma: sigma), scratch: &scratch)
        return out
    }

    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var i = i
        while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
        return i
    }
}
