// The inner loops of template matching by zero-mean normalised cross-correlation
// (Teachers.TemplateSearch): a template against the windows of eight neighbouring
// positions of one image row at once, each template weight multiplying eight pixels in
// one vector operation (the windows of x…x + 7 read the same rows shifted by one sample).
// This file is compiled twice: as ImagingKernels for any x86-64 (SSE2), and, through a
// symbolic link, as ImagingKernelsAVX2 with `-target-cpu haswell` (one 8-lane register
// instead of two 4-lane ones). The arithmetic is the same sequence of IEEE operations in
// both (no fused multiply-add is formed), so both give bit-identical results.

public enum TemplateWindows {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Σ template[k] · window_j[k] for j = 0…7, where window j is the `side` × `side`
    /// block whose top-left sample is `origin` + j, image rows `stride` apart; the
    /// template is `side` × `side`, row-major. All eight windows must be readable.
    public static func dots(_ origin: UnsafePointer<Float>, stride: Int, template: UnsafePointer<Float>, side: Int) -> SIMD8<Float> {
        var dots = SIMD8<Float>()
        var dy = 0
        while dy < side {
            let row = origin + dy &* stride, weights = template + dy &* side
            var dx = 0
            while dx < side {
                dots += load8(row + dx) * weights[dx]
                dx &+= 1
            }
            dy &+= 1
        }
        return dots
    }

    /// For the same eight windows: the sum of their samples, the sum of their squares and
    /// their dot products with the template (ZNCC's three sums).
    public static func moments(_ origin: UnsafePointer<Float>, stride: Int, template: UnsafePointer<Float>,
                               side: Int) -> (sums: SIMD8<Float>, squares: SIMD8<Float>, dots: SIMD8<Float>) {
        var sums = SIMD8<Float>(), squares = SIMD8<Float>(), dots = SIMD8<Float>()
        var dy = 0
        while dy < side {
            let row = origin + dy &* stride, weights = template + dy &* side
            var dx = 0
            while dx < side {
                let v = load8(row + dx)
                sums += v; squares += v * v; dots += v * weights[dx]
                dx &+= 1
            }
            dy &+= 1
        }
        return (sums, squares, dots)
    }
}
