// Which build of the ImagingKernels inner loops this process uses: the AVX2 one where the
// CPU has AVX2 and FMA, the SSE2 one otherwise. Both give bit-identical results (see
// ImagingKernels), so the choice changes speed, never labels. PSEUDOTRACK_NO_AVX2=1
// forces the SSE2 build, to compare them.

import CPlatform
import Foundation

public enum KernelBuild {
    /// Whether the CPU has AVX2 and FMA.
    public static let cpuHasAVX2: Bool = pt_cpu_has_avx2_fma() != 0
    /// Whether this process uses the AVX2 build (ImagingKernelSet.current).
    public static let avx2: Bool = cpuHasAVX2 && ProcessInfo.processInfo.environment["PSEUDOTRACK_NO_AVX2"] != "1"
}
