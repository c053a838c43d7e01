// The smaller eigenvalue of the gradient structure tensor, mean over a square window:
//     λ_min of  (1/|W|) Σ_W [gx²  gx·gy; gx·gy  gy²]
// (Shi & Tomasi, "Good Features to Track", CVPR 1994, §4): the weakest direction's
// mean squared gradient, in (grey levels / pixel)². A patch tracker (Lucas–Kanade,
// template matching) is well-posed where it is large; on flat regions and along straight
// edges it is near zero. Gradients are Imaging.ScharrDerivatives, in grey levels per
// pixel (the operator pyramidal Lucas–Kanade uses), so thresholds transfer between them:
// OpenCV's calcOpticalFlowPyrLK minEigThreshold 1e-4 is λ_min ≈ 0.1 in these units.

import Imaging

public enum StructureTensor {
    @inline(__always)
    static func smallerEigenvalue(_ a: Float, _ b: Float, _ c: Float) -> Float {
        let half = (a - c) / 2
        return (a + c) / 2 - (half * half + b * b).squareRoot()
    }

    /// λ_min over the (2·radius + 1)² window centred on the pixel nearest (x, y); 0 when
    /// the window does not fit inside the image.
    public static func minEigenvalue(_ image: GreyImage, x: Float, y: Float, radius: Int) -> Float {
        let cx = Int(x.rounded()), cy = Int(y.rounded())
        let w = image.width, h = image.height
        guard cx - radius >= 1, cy - radius >= 1, cx + radius < w - 1, cy + radius < h - 1 else { return 0 }
        var a: Float = 0, b: Float = 0, c: Float = 0
        image.pixels.withUnsafeBufferPointer { px in
            for yy in (cy - radius)...(cy + radius) {
                let row = px.baseAddress! + yy * w
                for xx in (cx - radius)...(cx + radius) {
                    let (gx, gy) = ScharrDerivatives.at(row + xx, w)
                    a += gx * gx; b += gx * gy; c += gy * gy
                }
            }
        }
        let n = Float((2 * radius + 1) * (2 * radius + 1))
        return smallerEigenvalue(a / n, b / n, c / n)
    }

    /// λ_min at every pixel, over (2·radius + 1)² windows (box sums of the gradient
    /// products, separable); 0 where the window leaves the image.
    public static func minEigenvalueMap(_ image: GreyImage, radius: Int) -> GreyImage {
        let w = image.width, h = image.height
        var out = GreyImage(width: w, height: h)
        guard w > 2 * radius + 2, h > 2 * radius + 2 else { return out }
        var products = [[Float]](repeating: [Float](repeating: 0, count: w * h), count: 3)
        image.pixels.withUnsafeBufferPointer { px in
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    let (gx, gy) = ScharrDerivatives.at(px.baseAddress! + y * w + x, w)
                    let i = y * w + x
                    products[0][i] = gx * gx; products[1][i] = gx * gy; products[2][i] = gy * gy
                }
            }
        }
        // Box sums: rows, then columns, as running sums.
        let n = Float((2 * radius + 1) * (2 * radius + 1))
        var sums = products
        var rowSum = [Float](repeating: 0, count: w)
        for k in 0..<3 {
            var horizontal = [Float](repeating: 0, count: w * h)
            for y in 0..<h {
                var s: Float = 0
                for x in 0..<min(w, 2 * radius + 1) { s += products[k][y * w + x] }
                for x in radius..<(w - radius) {
                    horizontal[y * w + x] = s
                    if x + radius + 1 < w { s += products[k][y * w + x + radius + 1] - products[k][y * w + x - radius] }
                }
            }
            for x in 0..<w { rowSum[x] = 0 }
            for y in 0..<min(h, 2 * radius + 1) { for x in 0..<w { rowSum[x] += horizontal[y * w + x] } }
            for y in radius..<(h - radius) {
                for x in 0..<w { sums[k][y * w + x] = rowSum[x] }
                if y + radius + 1 < h {
                    for x in 0..<w { rowSum[x] += horizontal[(y + radius + 1) * w + x] - horizontal[(y - radius) * w + x] }
                }
            }
        }
        let margin = radius + 1
        for y in margin..<(h - margin) {
            for x in margin..<(w - margin) {
                let i = y * w + x
                out.pixels[i] = smallerEigenvalue(sums[0][i] / n, sums[1][i] / n, sums[2][i] / n)
            }
        }
        return out
    }
}
