import Imaging
import XCTest

/// The SSE2 and AVX2 builds of the inner loops (ImagingKernelSet) give the same bits.
final class KernelBuildTests: XCTestCase {
    /// Uniform values in [lo, hi) from a fixed linear congruential sequence.
    private func values(_ count: Int, seed: UInt64, _ lo: Float = 0, _ hi: Float = 255) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return lo + (hi - lo) * Float(state >> 40) / Float(1 << 24)
        }
    }

    private var builds: [ImagingKernelSet] {
        KernelBuild.cpuHasAVX2 ? [.sse2, ImagingKernelSet(avx2: true)] : [.sse2]
    }

    func testGaussianBlurIsBitIdenticalInBothBuilds() throws {
        var image = GreyImage(width: 77, height: 41)
        image.pixels = values(77 * 41, seed: 1)
        var results: [[UInt32]] = []
        for kernels in builds {
            for sigma in [0.8, 1.6, 3.1] {
                var out = GreyImage(width: 0, height: 0), scratch: [Float] = []
                GaussianBlur.apply(image, into: &out, kernel: GaussianKernel(sigma: sigma), scratch: &scratch, kernels: kernels)
                results.append(out.pixels.map(\.bitPattern))
            }
        }
        XCTAssertEqual(results.count % 3, 0)
        XCTAssertNotEqual(results[0], image.pixels.map(\.bitPattern), "the SSE2 path ran and blurred")
        guard results.count == 6 else { throw XCTSkip("this CPU has no AVX2: only the SSE2 build ran") }
        XCTAssertEqual(results[0], results[3]); XCTAssertEqual(results[1], results[4]); XCTAssertEqual(results[2], results[5])
    }

    func testLucasKanadeWindowsAreBitIdenticalInBothBuilds() throws {
        let stride = 40, rows = 9, chunks = 2, count = rows * chunks * 8
        let plane = values(stride * 30, seed: 2)
        let source = values(count, seed: 3), gx = values(count, seed: 4, -40, 40), gy = values(count, seed: 5, -40, 40)
        var outputs: [[UInt32]] = []
        for kernels in builds {
            var bits: [UInt32] = []
            for (k, fraction) in values(12, seed: 6, 0, 1).enumerated() {
                let fx = fraction, fy = 1 - fraction * 0.7
                let w = SIMD4<Float>((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
                plane.withUnsafeBufferPointer { p in
                    let o = p.baseAddress! + (k % 5) * stride + k
                    var window = [Float](repeating: 0, count: count)
                    window.withUnsafeMutableBufferPointer { kernels.sample(o, stride, w, rows: rows, chunks: chunks, into: $0.baseAddress!) }
                    bits += window.map(\.bitPattern)
                    source.withUnsafeBufferPointer { s in
                        gx.withUnsafeBufferPointer { x in
                            gy.withUnsafeBufferPointer { y in
                                let m = kernels.mismatch(o, stride, w, rows: rows, chunks: chunks, source: s.baseAddress!, gx: x.baseAddress!, gy: y.baseAddress!)
                                let tensor = kernels.structureTensor(gx: x.baseAddress!, gy: y.baseAddress!, count: count)
                                let d = kernels.absoluteDifference(o, stride, w, rows: rows, chunks: chunks, width: 9, source: s.baseAddress!)
                                bits += [m.x, m.y, tensor.x, tensor.y, tensor.z, d].map(\.bitPattern)
                            }
                        }
                    }
                }
            }
            outputs.append(bits)
        }
        XCTAssert(outputs[0].contains { $0 != 0 }, "the SSE2 path ran")
        guard outputs.count == 2 else { throw XCTSkip("this CPU has no AVX2: only the SSE2 build ran") }
        XCTAssertEqual(outputs[0], outputs[1])
    }

    func testTemplateWindowsAreBitIdenticalInBothBuildsAndMatchEachWindowAlone() throws {
        let stride = 48, side = 15
        let plane = values(stride * 20, seed: 7), template = values(side * side, seed: 8, -1, 1)
        var outputs: [[UInt32]] = []
        for kernels in builds {
            var bits: [UInt32] = []
            plane.withUnsafeBufferPointer { p in
                template.withUnsafeBufferPointer { t in
                    for k in 0..<4 {
                        let o = p.baseAddress! + k * stride + 3 * k
                        let d = kernels.templateDots(o, stride: stride, template: t.baseAddress!, side: side)
                        let m = kernels.templateMoments(o, stride: stride, template: t.baseAddress!, side: side)
                        for j in 0..<8 {
                            // Each lane is window j's sums, up to rounding.
                            var dot = 0.0, sum = 0.0, squares = 0.0
                            for dy in 0..<side {
                                for dx in 0..<side {
                                    let v = Double(o[dy * stride + dx + j])
                                    dot += v * Double(t[dy * side + dx]); sum += v; squares += v * v
                                }
                            }
                            XCTAssertEqual(Double(d[j]), dot, accuracy: 1e-3 * max(1, abs(dot)))
                            XCTAssertEqual(d[j], m.dots[j])
                            XCTAssertEqual(Double(m.sums[j]), sum, accuracy: 1e-4 * sum)
                            XCTAssertEqual(Double(m.squares[j]), squares, accuracy: 1e-4 * squares)
                        }
                        bits += (0..<8).flatMap { [d[$0], m.sums[$0], m.squares[$0]].map(\.bitPattern) }
                    }
                }
            }
            outputs.append(bits)
        }
        guard outputs.count == 2 else { throw XCTSkip("this CPU has no AVX2: only the SSE2 build ran") }
        XCTAssertEqual(outputs[0], outputs[1])
    }
}
