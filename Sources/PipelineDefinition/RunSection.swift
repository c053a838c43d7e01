// The `run` section: how workers share the manifest (leases and attempts).

/// How workers share the manifest.
public struct RunSection: Sendable, Equatable {
    /// A claim expires this long after its last renewal (renewed every third of it).
    public var leaseSeconds = 60.0
    /// Attempts before a task ends failed.
    public var maxAttempts = 3
    public init() {}
    init(_ s: YAMLSection) throws {
        try s.allow(["lease_seconds", "max_attempts"])
        leaseSeconds = try s.double("lease_seconds", atLeast: 1) ?? leaseSeconds
        maxAttempts = try s.int("max_attempts", atLeast: 1) ?? maxAttempts
    }
}
