// Image derivatives with the 3×3 Scharr operator, normalised to grey levels per pixel:
//     ∂x = [−3 0 3; −10 0 10; −3 0 3] / 32,   ∂y its transpose,
// more rotation-invariant than Sobel and the operator OpenCV's pyramidal Lucas–Kanade
// uses. Borders replicate the edge pixels (the derivative there is one-sided).

public enum ScharrDerivatives {
    /// (∂x, ∂y) at the pixel p points to; the caller keeps p one pixel inside the image.
    @inline(__always)
    public static func at(_ p: UnsafePointer<Float>, _ w: Int) -> (Float, Float) {
        let gx = (3 * (p[-w + 1] - p[-w - 1]) + 10 * (p[1] - p[-1]) + 3 * (p[w + 1] - p[w - 1])) / 32
        let gy = (3 * (p[w - 1] - p[-w - 1]) + 10 * (p[w] - p[-w]) + 3 * (p[w + 1] - p[-w + 1])) / 32
        return (gx, gy)
    }

    /// ∂x and ∂y of the whole image.
    public static func of(_ image: GreyImage) -> (dx: GreyImage, dy: GreyImage) {
        let w = image.width, h = image.height
        var dx = GreyImage(width: w, height: h), dy = GreyImage(width: w, height: h)
        guard w >= 1, h >= 1 else { return (dx, dy) }
        image.pixels.withUnsafeBufferPointer { src in
            dx.pixels.withUnsafeMutableBufferPointer { ox in
                dy.pixels.withUnsafeMutableBufferPointer { oy in
                    for y in 0..<h {
                        let ym = max(y - 1, 0), yp = min(y + 1, h - 1)
                        let r0 = src.baseAddress! + ym * w, r1 = src.baseAddress! + y * w, r2 = src.baseAddress! + yp * w
                        for x in 0..<w {
                            let xm = max(x - 1, 0), xp = min(x + 1, w - 1)
                            ox[y * w + x] = (3 * (r0[xp] - r0[xm]) + 10 * (r1[xp] - r1[xm]) + 3 * (r2[xp] - r2[xm])) / 32
                            oy[y * w + x] = (3 * (r2[xm] - r0[xm]) + 10 * (r2[x] - r0[x]) + 3 * (r2[xp] - r0[xp])) / 32
                        }
                    }
                }
            }
        }
        return (dx, dy)
    }
}
