// The parent `run`'s worker processes: starts N, waits for each to exit, and replaces a
// worker that crashed (killed by a signal) a bounded number of times in all
// (`--max-worker-restarts`). Before a replacement starts, the crash is recorded in the
// manifest against the clip the worker held (ManifestDatabase.recordWorkerDeath), so a clip
// that kills its workers ends `failed` with that cause after `run.max_attempts` attempts,
// and the others go on. A worker that exits with an error (status other than 0 and 75:
// the output unwritable, the manifest unusable) is not replaced: the same error would
// come back. Each worker asks the kernel for SIGTERM when its parent dies
// (PR_SET_PDEATHSIG), so a SIGKILLed `run` leaves no worker behind.

import Foundation
import Manifest
import Pipeline

final class WorkerSupervisor {
    struct Outcome {
        /// Workers killed by a signal, and workers that exited with an error.
        var crashes: [String] = []
        var errors: [String] = []
        var restarts = 0
        var restartsExhausted = false
    }

    private let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    private let arguments: [String]
    private let manifest: ManifestDatabase
    private let signals: SignalForwarding
    private let stop: StopFlag
    private let maxRestarts: Int
    private let lock = NSLock()
    private var exited: [Process] = []
    private let exits = DispatchSemaphore(value: 0)

    init(arguments: [String], manifest: ManifestDatabase, signals: SignalForwarding, stop: StopFlag, maxRestarts: Int) {
        self.arguments = arguments; self.manifest = manifest; self.signals = signals; self.stop = stop; self.maxRestarts = maxRestarts
    }

    private func spawn() throws -> Process {
        let child = Process()
        child.executableURL = executable
        child.arguments = arguments
        child.terminationHandler = { [weak self] process in
            guard let self else { return }
            self.lock.lock(); self.exited.append(process); self.lock.unlock()
            self.exits.signal()
        }
        try child.run()
        signals.forward(to: child.processIdentifier)
        return child
    }

    /// Runs `count` workers until every one has exited and none is to be replaced.
    func run(count: Int) throws -> Outcome {
        var outcome = Outcome()
        var live = 0
        for _ in 0..<count { _ = try spawn(); live += 1 }
        while live > 0 {
            exits.wait()
            lock.lock(); let process = exited.removeFirst(); lock.unlock()
            live -= 1
            let pid = process.processIdentifier, code = process.terminationStatus
            if process.terminationReason == .uncaughtSignal {
                let cause = "was killed by signal \(code) (\(Self.signalName(code)))"
                outcome.crashes.append("worker \(pid) \(cause)")
                var clips: [Int64] = []
                do { clips = try manifest.recordWorkerDeath(pid: pid, cause: cause) } catch {
                    FileHandle.standardError.write(Data("warning: cannot record the death of worker \(pid) in the manifest: \(error)\n".utf8))
                }
                FileHandle.standardError.write(Data("warning: worker \(pid) \(cause)\(clips.isEmpty ? "" : " holding clip \(clips.map(String.init).joined(separator: ", "))")\n".utf8))
                if stop.isSet { continue }
                if outcome.restarts < maxRestarts {
                    outcome.restarts += 1
                    _ = try spawn(); live += 1
                } else {
                    outcome.restartsExhausted = true
                }
            } else if code != 0 && code != Run.interruptedExitCode {
                outcome.errors.append("worker \(pid) exited with status \(code)")
            }
        }
        return outcome
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        case SIGILL: return "SIGILL"
        case SIGABRT: return "SIGABRT"
        case SIGKILL: return "SIGKILL, perhaps the out-of-memory killer"
        case SIGFPE: return "SIGFPE"
        case SIGTERM: return "SIGTERM"
        case SIGTRAP: return "SIGTRAP, a Swift runtime check"
        case SIGXFSZ: return "SIGXFSZ, the file size limit"
        default: return "signal \(signal)"
        }
    }
}
