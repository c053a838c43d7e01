// The inner loops of pyramidal Lucas–Kanade (Teachers.PyramidalLucasKanade): sampling a
// window bilinearly, and the sums of one Gauss–Newton iteration fused with sampling the
// target window, so that nothing is written per iteration. A window of `rows` rows is
// stored `chunks` × 8 floats per row; columns past the window's width are carried along
// and neutralised by zero gradients (sums over (J − I)·∇I) or by a mask (the residual).
// Like SeparableRows this file is compiled twice, for SSE2 and, through a symbolic link,
// for AVX2, with the same IEEE operations in both (no fused multiply-add is formed), so
// both give bit-identical results.

public enum LucasKanadeWindows {
    /// Where a window's samples come from: its top-left sample, the stride between rows of
    /// the plane, and the bilinear weights (w00, w01, w10, w11) of the four neighbours of
    /// every sample.
    struct Placement {
        let origin: UnsafePointer<Float>
        let stride: Int
        let w00: Float, w01: Float, w10: Float, w11: Float

        @inline(__always)
        init(_ origin: UnsafePointer<Float>, _ stride: Int, _ w: SIMD4<Float>) {
            self.origin = origin; self.stride = stride
            w00 = w[0]; w01 = w[1]; w10 = w[2]; w11 = w[3]
        }

        @inline(__always)
        func row(_ y: Int, chunk c: Int) -> SIMD8<Float> {
            let r0 = origin + (y &* stride &+ c &* 8), r1 = r0 + stride
            return load8(r0) * w00 + load8(r0 + 1) * w01 + load8(r1) * w10 + load8(r1 + 1) * w11
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Samples rows × (chunks·8) values of the window at `origin` into `out` (row stride
    /// chunks·8). `weights` are the bilinear weights (w00, w01, w10, w11) of every sample.
    public static func sample(_ origin: UnsafePointer<Float>, stride: Int, weights: SIMD4<Float>, rows: Int, chunks: Int,
                              into out: UnsafeMutablePointer<Float>) {
        let p = Placement(origin, stride, weights)
        var o = out
        for y in 0..<rows {
            for c in 0..<chunks {
                UnsafeMutableRawPointer(o).storeBytes(of: p.row(y, chunk: c), as: SIMD8<Float>.self)
                o += 8
            }
        }
    }

    /// (Σ gx², Σ gx·gy, Σ gy²) over `count` values (a multiple of 8).
    public static func structureTensor(gx: UnsafePointer<Float>, gy: UnsafePointer<Float>, count: Int) -> SIMD3<Float> {
        var xx = SIMD8<Float>(), xy = SIMD8<Float>(), yy = SIMD8<Float>()
        var k = 0
        while k < count {
            let a = load8(gx + k), b = load8(gy + k)
            xx += a * a; xy += a * b; yy += b * b
            k &+= 8
        }
        return SIMD3(xx.sum(), xy.sum(), yy.sum())
    }

    /// (Σ (J − I)·gx, Σ (J − I)·gy) with J sampled at `target`, I, gx, gy windows.
    public static func mismatch(_ origin: UnsafePointer<Float>, stride: Int, weights: SIMD4<Float>, rows: Int, chunks: Int,
                                source: UnsafePointer<Float>, gx: UnsafePointer<Float>, gy: UnsafePointer<Float>) -> SIMD2<Float> {
        let target = Placement(origin, stride, weights)
        var b1 = SIMD8<Float>(), b2 = SIMD8<Float>()
        var k = 0
        for y in 0..<rows {
            for c in 0..<chunks {
                let d = target.row(y, chunk: c) - load8(source + k)
                b1 += d * load8(gx + k); b2 += d * load8(gy + k)
                k &+= 8
            }
        }
        return SIMD2(b1.sum(), b2.sum())
    }

    /// Σ |J − I| over the first `width` columns of every row.
    public static func absoluteDifference(_ origin: UnsafePointer<Float>, stride: Int, weights: SIMD4<Float>, rows: Int,
                                          chunks: Int, width: Int, source: UnsafePointer<Float>) -> Float {
        let target = Placement(origin, stride, weights)
        var mask = SIMD8<Float>(repeating: 1)
        for lane in 0..<8 where (chunks - 1) * 8 + lane >= width { mask[lane] = 0 }
        var sum = SIMD8<Float>()
        var k = 0
        for y in 0..<rows {
            for c in 0..<chunks {
                let d = target.row(y, chunk: c) - load8(source + k)
                let a = unsafeBitCast(unsafeBitCast(d, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
                sum += c == chunks - 1 ? a * mask : a
                k &+= 8
            }
        }
        return sum.sum()
    }
}
