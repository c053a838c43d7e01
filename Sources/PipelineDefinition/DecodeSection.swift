// The `decode` section: decoder settings.

/// Decoder settings.
public struct DecodeSection: Sendable, Equatable {
    /// Decoder threads per worker; 0 = FFmpeg chooses.
    public var threads = 1
    public init() {}
    init(_ s: YAMLSection) throws {
        try s.allow(["threads"])
        threads = try s.int("threads", atLeast: 0) ?? threads
    }
}
