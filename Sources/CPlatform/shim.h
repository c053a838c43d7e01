// What Swift's Glibc overlay does not expose: statfs(2) (the file system type of a path),
// the CPU's vector extensions (cpuid, xgetbv), and prctl(2)'s parent-death signal
// (variadic, so not callable from Swift).
#ifndef PSEUDOTRACK_CPLATFORM_SHIM_H
#define PSEUDOTRACK_CPLATFORM_SHIM_H
#include <sys/vfs.h>
#if defined(__linux__)
#include <sys/prctl.h>
#include <signal.h>
#endif
#if defined(__x86_64__)
#include <cpuid.h>
#endif

/// The f_type magic number of the file system holding `path`, or -1 on error.
static inline long long pt_filesystem_magic(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return (long long)info.f_type;
}

/// Asks the kernel to send `sig` to this process when its parent dies (Linux; 0 on
/// success, -1 elsewhere or on error): a worker whose `run` was SIGKILLed stops too.
static inline int pt_set_parent_death_signal(int sig) {
#if defined(__linux__)
    return prctl(PR_SET_PDEATHSIG, sig);
#else
    (void)sig; return -1;
#endif
}

/// 1 when the CPU has AVX2 and FMA and the OS saves the AVX registers, else 0.
static inline int pt_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;
#else
    return 0;
#endif
}
#endif
