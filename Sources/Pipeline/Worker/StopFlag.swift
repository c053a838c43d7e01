// A stop request (SIGINT/SIGTERM) for the worker: set from a signal handler, read between stages.

import Foundation

/// A flag set from a signal handler and read by the worker between stages.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func set() { lock.lock(); value = true; lock.unlock() }
}
