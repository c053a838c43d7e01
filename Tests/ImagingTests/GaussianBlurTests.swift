import Imaging
import XCTest

final class GaussianBlurTests: XCTestCase {
    func testKernelMatchesOpenCVSizeAndSumsToOne() {
        let k = GaussianKernel(sigma: 1.6)
        XCTAssertEqual(k.taps.count * 2 - 1, 15, "round(8σ + 1) | 1 = 14 | 1")
        XCTAssertEqual(k.taps[0] + 2 * k.taps.dropFirst().reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(GaussianKernel(sigma: 1.2489996).taps.count * 2 - 1, 11)
    }

    func testConstantImageStaysConstantAndBordersReflect() {
        let flat = GreyImage(width: 37, height: 23, value: 100)
        let blurred = GaussianBlur.apply(flat, sigma: 2.5)
        XCTAssertEqual(blurred.pixels.map { abs($0 - 100) }.max()!, 0, accuracy: 1e-3)
        // A single bright pixel spreads as the kernel: the sum is kept and the peak is the
        // product of the centre taps.
        var dot = GreyImage(width: 41, height: 41)
        dot[20, 20] = 1000
        let k = GaussianKernel(sigma: 2)
        let spread = GaussianBlur.apply(dot, sigma: 2)
        XCTAssertEqual(spread.pixels.reduce(0, +), 1000, accuracy: 0.05)
        XCTAssertEqual(spread[20, 20], 1000 * k.taps[0] * k.taps[0], accuracy: 1e-3)
        XCTAssertEqual(spread[23, 20], 1000 * k.taps[0] * k.taps[3], accuracy: 1e-3)
        XCTAssertEqual(spread[23, 18], spread[18, 23], accuracy: 1e-4)
        // Reflect-101 at the border: a bright first column stays the brightest.
        var edge = GreyImage(width: 16, height: 4)
        for y in 0..<4 { edge[0, y] = 255 }
        let blurredEdge = GaussianBlur.apply(edge, sigma: 1)
        XCTAssertEqual(blurredEdge[1, 2], 255 * (k.taps.isEmpty ? 0 : GaussianKernel(sigma: 1).taps[1]), accuracy: 1e-2)
    }
}
