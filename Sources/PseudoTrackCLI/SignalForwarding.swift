import Foundation
import Pipeline

/// SIGINT and SIGTERM ask for a graceful stop: the flag is set (the worker stops claiming
/// and releases what it has not begun) and the signal is passed on to worker processes.
final class SignalForwarding: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var children: [pid_t] = []
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "pseudotrack.signals")

    init(stop: StopFlag) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                stop.set()
                guard let self else { return }
                self.lock.lock(); let pids = self.children; self.lock.unlock()
                for pid in pids { kill(pid, SIGTERM) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// `pid` must be a child's: 0 or a negative number would make `kill` signal a whole
    /// process group, this one's included, so they are not recorded.
    func forward(to pid: pid_t) {
        guard pid > 0 else { return }
        lock.lock(); children.append(pid); lock.unlock()
    }

    func cancel() {
        for s in sources { s.cancel() }
    }
}
