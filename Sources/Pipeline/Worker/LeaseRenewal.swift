// The worker's background renewal of its leases (see ManifestLease for the protocol).

import Foundation
import Manifest

/// Renews the worker's leases (the clip in hand, and those waiting in the open shard)
/// every third of their duration on a background thread, until stopped. A lease that
/// cannot be renewed is lost: its clip was taken over by another worker.
final class LeaseRenewal: @unchecked Sendable {
    private let lock = NSLock()
    private var leases: [String: ManifestLease] = [:]
    private var lostTokens = Set<String>()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    private let interval: TimeInterval

    init(duration: TimeInterval) {
        interval = max(0.2, duration / 3)
        let thread = Thread { [self] in self.loop() }
        thread.start()
    }

    func add(_ lease: ManifestLease) { lock.lock(); leases[lease.token] = lease; lock.unlock() }
    func remove(_ lease: ManifestLease) { lock.lock(); leases[lease.token] = nil; lostTokens.remove(lease.token); lock.unlock() }
    func isLost(_ lease: ManifestLease) -> Bool { lock.lock(); defer { lock.unlock() }; return lostTokens.contains(lease.token) }

    private func loop() {
        while done.wait(timeout: .now() + interval) == .timedOut {
            lock.lock()
            if stopped { lock.unlock(); return }
            let current = leases.values.filter { !lostTokens.contains($0.token) }
            lock.unlock()
            for lease in current {
                do { try lease.renew() } catch {
                    lock.lock(); lostTokens.insert(lease.token); lock.unlock()
                }
            }
        }
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        done.signal()
    }
}
