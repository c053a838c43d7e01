// Bilinear sampling of a plane at a subpixel position (integer = pixel centre), with the
// edge repeated beyond the plane: the one sampler the teachers share for images and flow
// fields. Inlinable, so that the teachers' loops inline it across the module boundary.

public enum BilinearSample {
    /// The value of `image` at (x, y).
    @inlinable @inline(__always)
    public static func at(_ image: GreyImage, _ x: Float, _ y: Float) -> Float {
        image.pixels.withUnsafeBufferPointer { at($0.baseAddress!, width: image.width, height: image.height, x, y) }
    }

    /// The value of the row-major plane `values` (width × height) at (x, y).
    @inlinable @inline(__always)
    public static func at(_ values: UnsafePointer<Float>, width w: Int, height h: Int, _ x: Float, _ y: Float) -> Float {
        let cx = min(max(x, 0), Float(w - 1)), cy = min(max(y, 0), Float(h - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
        let a = cx - Float(x0), b = cy - Float(y0)
        return (1 - b) * ((1 - a) * values[y0 * w + x0] + a * values[y0 * w + x1])
            + b * ((1 - a) * values[y1 * w + x0] + a * values[y1 * w + x1])
    }
}
