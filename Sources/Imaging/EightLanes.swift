// Unaligned loads and stores of eight consecutive Floats as one SIMD8 vector, the vector
// width of the per-pixel loops in Imaging, Features and Teachers (a pair of SSE registers
// on any x86-64). Inlinable, so that those loops inline them across module boundaries.

extension SIMD8 where Scalar == Float {
    /// The eight Floats from `p` on; `p` needs no alignment.
    @inlinable @inline(__always)
    public init(loadingFrom p: UnsafePointer<Float>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Writes the eight lanes from `p` on; `p` needs no alignment.
    @inlinable @inline(__always)
    public func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD8<Float>.self)
    }
}
