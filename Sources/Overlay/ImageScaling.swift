// Shrinks an RGB frame by area averaging (each output pixel the mean of the source pixels
// its footprint covers), for the report's small gallery videos. Labels are drawn after
// shrinking, at the shrunk positions, so discs stay sharp at any size.

import Imaging

public enum ImageScaling {
    /// `image` shrunk to `width` × `height` (each at most the source's).
    public static func shrunk(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        guard width != image.width || height != image.height else { return image }
        var out = RGBImage(width: width, height: height)
        let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
        image.bytes.withUnsafeBufferPointer { src in
            out.bytes.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, min(image.height, Int(Double(y + 1) * sy)))
                    for x in 0..<width {
                        let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, min(image.width, Int(Double(x + 1) * sx)))
                        var r = 0, g = 0, b = 0
                        for yy in y0..<y1 {
                            var i = (yy * image.width + x0) * 3
                            for _ in x0..<x1 { r += Int(src[i]); g += Int(src[i + 1]); b += Int(src[i + 2]); i += 3 }
                        }
                        let n = (y1 - y0) * (x1 - x0), o = (y * width + x) * 3
                        dst[o] = UInt8((r + n / 2) / n); dst[o + 1] = UInt8((g + n / 2) / n); dst[o + 2] = UInt8((b + n / 2) / n)
                    }
                }
            }
        }
        return out
    }
}
