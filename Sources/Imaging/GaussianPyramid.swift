// An image pyramid as OpenCV's pyrDown builds it (and pyramidal Lucas–Kanade expects):
// each level is the previous one blurred with the 5-tap binomial [1 4 6 4 1]/16 in both
// directions (reflect-101 borders) and sampled at even pixels, of size ⌈w/2⌉ × ⌈h/2⌉.
// Pixel (x, y) of level l lies at (2^l·x, 2^l·y) of level 0 (pixel-centre positions are
// scaled about the origin, as OpenCV's Lucas–Kanade scales its points).

public enum GaussianPyramid {
    /// Levels 0…`levels` of `image` (level 0 is the image itself), stopping early when a
    /// level would be smaller than `minimumSide` pixels.
    public static func build(_ image: GreyImage, levels: Int, minimumSide: Int = 8) -> [GreyImage] {
        var out = [image]
        while out.count <= levels {
            let last = out[out.count - 1]
            let w = (last.width + 1) / 2, h = (last.height + 1) / 2
            if w < minimumSide || h < minimumSide { break }
            out.append(halve(last))
        }
        return out
    }

    /// One pyrDown step.
    public static func halve(_ image: GreyImage) -> GreyImage {
        let w = image.width, h = image.height
        let ow = (w + 1) / 2, oh = (h + 1) / 2
        // Horizontal pass at even columns only, then vertical at even rows; reflection
        // only where a tap leaves the image.
        var rows = [Float](repeating: 0, count: ow * h)
        var out = GreyImage(width: ow, height: oh)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { rowsBuffer in
                let tmp = rowsBuffer.baseAddress!
                for y in 0..<h {
                    let r = src.baseAddress! + y * w, o = tmp + y * ow
                    for ox in 0..<ow {
                        let x = 2 * ox
                        if x >= 2 && x + 2 < w {
                            o[ox] = (r[x - 2] + 4 * r[x - 1] + 6 * r[x] + 4 * r[x + 1] + r[x + 2]) / 16
                        } else {
                            o[ox] = (r[reflect(x - 2, w)] + 4 * r[reflect(x - 1, w)] + 6 * r[x]
                                     + 4 * r[reflect(x + 1, w)] + r[reflect(x + 2, w)]) / 16
                        }
                    }
                }
                out.pixels.withUnsafeMutableBufferPointer { dst in
                    for oy in 0..<oh {
                        let y = 2 * oy
                        let a = tmp + reflect(y - 2, h) * ow, b = tmp + reflect(y - 1, h) * ow, c = tmp + y * ow
                        let d = tmp + reflect(y + 1, h) * ow, e = tmp + reflect(y + 2, h) * ow
                        let o = dst.baseAddress! + oy * ow
                        for ox in 0..<ow {
                            o[ox] = (a[ox] + 4 * b[ox] + 6 * c[ox] + 4 * d[ox] + e[ox]) / 16
                        }
                    }
                }
            }
        }
        return out
    }

    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int { GaussianBlur.reflect(i, n) }
}
