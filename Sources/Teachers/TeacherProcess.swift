// One running external-teacher process and the byte framing of ops/teachers/PROTOCOL.md
// (version 1): a JSON header line, then raw little-endian arrays back to back. Every
// read and write waits with poll(2) against a deadline, so a teacher that hangs cannot
// hang the worker; the teacher's stderr goes to a temporary log whose tail explains a
// failure. SIGPIPE is ignored so that a teacher dying mid-request is an error, not the
// end of the worker.

import ArrayFiles
import Foundation

public enum ExternalTeacherError: Error, CustomStringConvertible, Equatable {
    /// The teacher could not be started, or did not say hello.
    case startup(String)
    /// The process died, hung or broke the framing.
    case broken(String)
    /// The teacher answered this request with an error.
    case refused(String)

    public var description: String {
        switch self {
        case .startup(let m): return "external teacher did not start: \(m)"
        case .broken(let m): return "external teacher failed: \(m)"
        case .refused(let m): return "external teacher refused the clip: \(m)"
        }
    }
}

/// An array on the wire; its dtype is named by ElementType's raw value (`uint8`, `float32`).
struct WireArray {
    var name: String
    var dtype: ElementType
    var shape: [Int]
    var bytes: [UInt8]

    var header: [String: Any] { ["name": name, "dtype": dtype.rawValue, "shape": shape] }
}

final class TeacherProcess {
    /// The teacher's process id; it leads its own process group, so that stopping it
    /// also stops whatever it started (data-loader workers, shells).
    let pid: pid_t
    private var stdinFD: Int32
    private var stdoutFD: Int32
    private var exitStatus: Int32?
    private let logURL: URL
    private var buffer: [UInt8] = []
    /// The hello line's fields.
    private(set) var hello: [String: Any] = [:]

    init(command: [String], startupTimeout: Double) throws {
        signal(SIGPIPE, SIG_IGN)
        guard !command.isEmpty else { throw ExternalTeacherError.startup("the command is empty") }
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("pseudotrack-teacher-\(getpid())-\(UUID().uuidString).log")
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw ExternalTeacherError.startup("pipe: \(String(cString: strerror(errno)))") }
        let log = open(logURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        if log >= 0 { posix_spawn_file_actions_adddup2(&actions, log, 2) }
        for fd in [toChild[0], toChild[1], fromChild[0], fromChild[1], log] where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var child: pid_t = 0
        let spawned = posix_spawnp(&child, command[0], &actions, &attributes, argv, environ)
        close(toChild[0]); close(fromChild[1])
        if log >= 0 { close(log) }
        guard spawned == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw ExternalTeacherError.startup("\(command[0]): \(String(cString: strerror(spawned)))")
        }
        pid = child
        stdinFD = toChild[1]
        stdoutFD = fromChild[0]
        // Non-blocking ends: poll says when a pipe can take or give bytes, and a write
        // never blocks on a teacher that stopped reading.
        for fd in [stdinFD, stdoutFD] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        do {
            let (header, _) = try readMessage(deadline: Date().addingTimeInterval(startupTimeout))
            guard header["protocol"] as? String == "pseudotrack-teacher" else {
                throw ExternalTeacherError.startup("its first line is not a pseudotrack-teacher hello")
            }
            guard header["version"] as? Int == 1 else {
                throw ExternalTeacherError.startup("it speaks protocol version \(header["version"] ?? "?"); this engine speaks 1")
            }
            hello = header
        } catch let error as ExternalTeacherError {
            stop()
            if case .broken(let m) = error { throw ExternalTeacherError.startup("\(m)\(stderrTail())") }
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: logURL)
    }

    /// Whether the process is still running (reaps it once it has exited).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || r < 0 { exitStatus = status; return false }
        return true
    }

    private var statusText: String {
        guard let s = exitStatus else { return "running" }
        let signalled = s & 0x7f
        return signalled != 0 ? "killed by signal \(signalled)" : "exited with status \((s >> 8) & 0xff)"
    }

    /// Closes the teacher's stdin, waits a moment for it to exit, then kills its process group.
    func stop() {
        guard stdoutFD >= 0 else { return }
        close(stdinFD)
        stdinFD = -1
        let deadline = Date().addingTimeInterval(2)
        while isRunning && Date() < deadline { usleep(10_000) }
        kill(-pid, SIGKILL)
        if isRunning {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exitStatus = status
        }
        close(stdoutFD)
        stdoutFD = -1
    }

    /// The last lines of the teacher's stderr, prefixed for an error message ("" if none).
    func stderrTail(lines: Int = 15) -> String {
        guard let data = FileManager.default.contents(atPath: logURL.path), !data.isEmpty else { return "" }
        let text = String(decoding: data.suffix(8192), as: UTF8.self)
        let tail = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
        return "\n--- teacher stderr (last lines) ---\n\(tail)"
    }

    /// Sends one message and reads the answer, within `timeout` seconds.
    func exchange(_ header: [String: Any], arrays: [WireArray], timeout: Double) throws -> ([String: Any], [WireArray]) {
        let deadline = Date().addingTimeInterval(timeout)
        var message = header
        message["arrays"] = arrays.map(\.header)
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]))
        bytes.append(0x0A)
        try write(bytes, deadline: deadline)
        for array in arrays { try write(array.bytes, deadline: deadline) }
        return try readMessage(deadline: deadline)
    }

    private func write(_ bytes: [UInt8], deadline: Date) throws {
        let fd = stdinFD
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                try wait(fd, for: Int16(POLLOUT), deadline: deadline)
                let n = Foundation.write(fd, raw.baseAddress! + offset, min(raw.count - offset, 1 << 20))
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw ExternalTeacherError.broken("writing to the teacher: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    private func wait(_ fd: Int32, for events: Int16, deadline: Date) throws {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw ExternalTeacherError.broken("timed out") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, Int32(min(remaining * 1000, 1000)))
            if r > 0 { return }
            if r < 0 && errno != EINTR { throw ExternalTeacherError.broken("poll: \(String(cString: strerror(errno)))") }
            if r == 0 && !isRunning { throw ExternalTeacherError.broken("the process \(statusText)") }
        }
    }

    /// Reads more bytes into the buffer.
    private func fill(deadline: Date) throws {
        let fd = stdoutFD
        try wait(fd, for: Int16(POLLIN), deadline: deadline)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return }
            throw ExternalTeacherError.broken("reading from the teacher: \(String(cString: strerror(errno)))")
        }
        if n == 0 {
            let deadline = Date().addingTimeInterval(1)
            while isRunning && Date() < deadline { usleep(10_000) }
            throw ExternalTeacherError.broken("the process closed its output (\(statusText))")
        }
        buffer.append(contentsOf: chunk[0..<n])
    }

    private func readMessage(deadline: Date) throws -> ([String: Any], [WireArray]) {
        var newline = buffer.firstIndex(of: 0x0A)
        while newline == nil {
            guard buffer.count < 1 << 20 else { throw ExternalTeacherError.broken("a header line longer than 1 MiB") }
            try fill(deadline: deadline)
            newline = buffer.firstIndex(of: 0x0A)
        }
        let line = Array(buffer[..<newline!])
        buffer.removeSubrange(...newline!)
        guard let header = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            throw ExternalTeacherError.broken("a header that is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        var arrays: [WireArray] = []
        for entry in header["arrays"] as? [[String: Any]] ?? [] {
            guard let name = entry["name"] as? String, let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
                throw ExternalTeacherError.broken("an array entry without name, dtype and shape: \(entry)")
            }
            guard let dtype = ElementType(rawValue: dtypeName) else {
                throw ExternalTeacherError.broken("unknown dtype '\(dtypeName)' of array '\(name)'")
            }
            var array = WireArray(name: name, dtype: dtype, shape: shape, bytes: [])
            let count = shape.reduce(dtype.size, *)
            while buffer.count < count { try fill(deadline: deadline) }
            array.bytes = Array(buffer[..<count])
            buffer.removeSubrange(..<count)
            arrays.append(array)
        }
        return (header, arrays)
    }
}
