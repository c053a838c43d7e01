// Who holds a lease: host, process id and a random nonce. On the same host, a lease
// whose process no longer exists is known dead and can be taken over at once, without
// waiting for it to expire (a run restarted after a crash resumes immediately).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct LeaseOwner: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var pid: Int32
    public var nonce: String

    public init(host: String = ProcessInfo.processInfo.hostName,
                pid: Int32 = ProcessInfo.processInfo.processIdentifier,
                nonce: String = LeaseOwner.randomToken(bytes: 4)) {
        self.host = host; self.pid = pid; self.nonce = nonce
    }

    public init?(parsing text: String) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[1]) else { return nil }
        self.init(host: String(parts[0]), pid: pid, nonce: String(parts[2]))
    }

    public var description: String { "\(host)|\(pid)|\(nonce)" }

    /// True when the owner is a process of this host that has exited.
    public var isDeadLocalProcess: Bool {
        guard host == ProcessInfo.processInfo.hostName else { return false }
        if pid == ProcessInfo.processInfo.processIdentifier { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// A random hexadecimal token from the system's generator.
    public static func randomToken(bytes: Int = 16) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
