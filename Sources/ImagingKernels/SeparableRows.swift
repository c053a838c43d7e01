// The inner loops of separable symmetric filtering (Imaging.GaussianBlur): one output row
// of a horizontal or a vertical pass, eight pixels at a time in registers over all taps.
// This file is compiled twice: as ImagingKernels for any x86-64 (SSE2), and, through a
// symbolic link, as ImagingKernelsAVX2 with `-target-cpu haswell` (AVX2), which
// GaussianBlur calls when the CPU has it (1.3–1.9× faster passes, measured). The
// arithmetic is the same sequence of IEEE operations in both (no fused multiply-add is
// formed), so both give bit-identical results and a clip's labels do not depend on the
// machine that made them. Arithmetic on indices is wrapping (&+) so that no overflow
// check sits in the inner loop.

public enum SeparableRows {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// out[x] = taps[0]·c[x] + Σ_{d=1…r} taps[d]·(c[x − d] + c[x + d]) for x in 0..<width,
    /// where c = pad + r is a row padded by r values on each side.
    public static func horizontal(_ pad: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                  width w: Int, taps: UnsafePointer<Float>, radius r: Int) {
        let centre = pad + r
        let k0 = taps[0]
        var x = 0
        while x &+ 8 <= w {
            let c = centre + x
            var acc = load8(c) * k0
            var d = 1
            while d <= r {
                acc += (load8(c - d) + load8(c + d)) * taps[d]
                d &+= 1
            }
            UnsafeMutableRawPointer(out + x).storeBytes(of: acc, as: SIMD8<Float>.self)
            x &+= 8
        }
        while x < w {
            var acc = centre[x] * k0
            var d = 1
            while d <= r {
                acc += (centre[x &- d] + centre[x &+ d]) * taps[d]
                d &+= 1
            }
            out[x] = acc
            x &+= 1
        }
    }

    /// out[x] = taps[0]·rows[0][x] + Σ_{d=1…r} taps[d]·(rows[2d][x] + rows[2d + 1][x]),
    /// rows[2d] and rows[2d + 1] being the rows d above and d below (reflected at borders).
    public static func vertical(_ rows: UnsafePointer<UnsafePointer<Float>>, into out: UnsafeMutablePointer<Float>,
                                width w: Int, taps: UnsafePointer<Float>, radius r: Int) {
        let k0 = taps[0]
        var x = 0
        while x &+ 8 <= w {
            var acc = load8(rows[0] + x) * k0
            var d = 1
            while d <= r {
                acc += (load8(rows[2 &* d] + x) + load8(rows[2 &* d &+ 1] + x)) * taps[d]
                d &+= 1
            }
            UnsafeMutableRawPointer(out + x).storeBytes(of: acc, as: SIMD8<Float>.self)
            x &+= 8
        }
        while x < w {
            var acc = rows[0][x] * k0
            var d = 1
            while d <= r {
                acc += (rows[2 &* d][x] + rows[2 &* d &+ 1][x]) * taps[d]
                d &+= 1
            }
            out[x] = acc
            x &+= 1
        }
    }
}
