// The one place that chooses between the two builds of the SIMD inner loops: ImagingKernels
// (compiled for any x86-64, SSE2) and ImagingKernelsAVX2 (the same source compiled with
// `-target-cpu haswell`). Both perform the same sequence of IEEE operations (no fused
// multiply-add is formed), so both give bit-identical results and a clip's labels do not
// depend on the machine that made them: ImagingTests.KernelBuildTests runs both on the same
// data and compares the bits. `current` is the build this process uses (KernelBuild: AVX2
// where the CPU has AVX2 and FMA, unless PSEUDOTRACK_NO_AVX2=1). GaussianBlur and
// Teachers' pyramidal Lucas–Kanade and template search call the loops through here; no
// other module imports the kernel modules.

import ImagingKernels
import ImagingKernelsAVX2

public struct ImagingKernelSet: Sendable, Equatable {
    /// Whether this set calls the AVX2 build.
    public let avx2: Bool

    /// `avx2` only where the CPU has AVX2 and FMA (KernelBuild.cpuHasAVX2).
    public init(avx2: Bool) { self.avx2 = avx2 }

    /// The build this process uses.
    public static let current = ImagingKernelSet(avx2: KernelBuild.avx2)
    /// The SSE2 build, which runs on any x86-64.
    public static let sse2 = ImagingKernelSet(avx2: false)

    // MARK: SeparableRows (GaussianBlur)

    @inlinable @inline(__always)
    public func horizontal(_ pad: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, width: Int, taps: UnsafePointer<Float>, radius: Int) {
        if avx2 {
            ImagingKernelsAVX2.SeparableRows.horizontal(pad, into: out, width: width, taps: taps, radius: radius)
        } else {
            ImagingKernels.SeparableRows.horizontal(pad, into: out, width: width, taps: taps, radius: radius)
        }
    }

    @inlinable @inline(__always)
    public func vertical(_ rows: UnsafePointer<UnsafePointer<Float>>, into out: UnsafeMutablePointer<Float>, width: Int,
                         taps: UnsafePointer<Float>, radius: Int) {
        if avx2 {
            ImagingKernelsAVX2.SeparableRows.vertical(rows, into: out, width: width, taps: taps, radius: radius)
        } else {
            ImagingKernels.SeparableRows.vertical(rows, into: out, width: width, taps: taps, radius: radius)
        }
    }

    // MARK: LucasKanadeWindows (Teachers.PyramidalLucasKanade)

    @inlinable @inline(__always)
    public func sample(_ o: UnsafePointer<Float>, _ s: Int, _ w: SIMD4<Float>, rows: Int, chunks: Int, into out: UnsafeMutablePointer<Float>) {
        if avx2 {
            ImagingKernelsAVX2.LucasKanadeWindows.sample(o, stride: s, weights: w, rows: rows, chunks: chunks, into: out)
        } else {
            ImagingKernels.LucasKanadeWindows.sample(o, stride: s, weights: w, rows: rows, chunks: chunks, into: out)
        }
    }

    @inlinable @inline(__always)
    public func structureTensor(gx: UnsafePointer<Float>, gy: UnsafePointer<Float>, count: Int) -> SIMD3<Float> {
        avx2 ? ImagingKernelsAVX2.LucasKanadeWindows.structureTensor(gx: gx, gy: gy, count: count)
            : ImagingKernels.LucasKanadeWindows.structureTensor(gx: gx, gy: gy, count: count)
    }

    @inlinable @inline(__always)
    public func mismatch(_ o: UnsafePointer<Float>, _ s: Int, _ w: SIMD4<Float>, rows: Int, chunks: Int, source: UnsafePointer<Float>,
                         gx: UnsafePointer<Float>, gy: UnsafePointer<Float>) -> SIMD2<Float> {
        avx2 ? ImagingKernelsAVX2.LucasKanadeWindows.mismatch(o, stride: s, weights: w, rows: rows, chunks: chunks, source: source, gx: gx, gy: gy)
            : ImagingKernels.LucasKanadeWindows.mismatch(o, stride: s, weights: w, rows: rows, chunks: chunks, source: source, gx: gx, gy: gy)
    }

    @inlinable @inline(__always)
    public func absoluteDifference(_ o: UnsafePointer<Float>, _ s: Int, _ w: SIMD4<Float>, rows: Int, chunks: Int, width: Int,
                                   source: UnsafePointer<Float>) -> Float {
        avx2 ? ImagingKernelsAVX2.LucasKanadeWindows.absoluteDifference(o, stride: s, weights: w, rows: rows, chunks: chunks, width: width, source: source)
            : ImagingKernels.LucasKanadeWindows.absoluteDifference(o, stride: s, weights: w, rows: rows, chunks: chunks, width: width, source: source)
    }

    // MARK: TemplateWindows (Teachers.TemplateSearch)

    @inlinable @inline(__always)
    public func templateDots(_ origin: UnsafePointer<Float>, stride: Int, template: UnsafePointer<Float>, side: Int) -> SIMD8<Float> {
        avx2 ? ImagingKernelsAVX2.TemplateWindows.dots(origin, stride: stride, template: template, side: side)
            : ImagingKernels.TemplateWindows.dots(origin, stride: stride, template: template, side: side)
    }

    @inlinable @inline(__always)
    public func templateMoments(_ origin: UnsafePointer<Float>, stride: Int, template: UnsafePointer<Float>,
                                side: Int) -> (sums: SIMD8<Float>, squares: SIMD8<Float>, dots: SIMD8<Float>) {
        avx2 ? ImagingKernelsAVX2.TemplateWindows.moments(origin, stride: stride, template: template, side: side)
            : ImagingKernels.TemplateWindows.moments(origin, stride: stride, template: template, side: side)
    }
}
