// One running external-teacher process and the byte framing of ops/teachers/PROTOCOL.md
// (version 1): a JSON header line, then raw little-endian arrays back to back. Every
// read and write waits with poll(2) against a deadline, so a teacher that hangs cannot
// hang the worker; the teacher's stderr goes to a temporary log whose tail explains a
// failure. SIGPIPE is ignored so that a teacher dying mid-request is an error, not the
// end of the worker.

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

/// An array on the wire.
struct WireArray {
    var name: String
    var dtype: String
    var shape: [Int]
    var bytes: [UInt8]

    var itemSize: Int? { ["uint8": 1, "int8": 1, "uint16": 2, "int16": 2, "float16": 2, "uint32": 4, "int32": 4,
                          "float32": 4, "uint64": 8, "int64": 8, "float64": 8][dtype] }
    var header: [String: Any] { ["name": name, "dtype": dtype, "shape": shape] }
}

final class TeacherProcess {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let logURL: URL
    private var buffer: [UInt8] = []
    /// The hello line's fields.
    private(set) var hello: [String: Any] = [:]

    init(command: [String], startupTimeout: Double) throws {
        signal(SIGPIPE, SIG_IGN)
        guard let executable = command.first else { throw ExternalTeacherError.startup("the command is empty") }
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("pseudotrack-teacher-\(getpid())-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + command.dropFirst()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: logURL)
        do { try process.run() } catch {
            throw ExternalTeacherError.startup("\(command.joined(separator: " ")): \(error.localizedDescription)")
        }
        // Non-blocking ends: poll says when a pipe can take or give bytes, and a write
        // never blocks on a teacher that stopped reading.
        for fd in [input.fileHandleForWriting.fileDescriptor, output.fileHandleForReading.fileDescriptor] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
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

    /// Closes the teacher's stdin, waits a moment for it to exit, then kills it.
    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
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
        let fd = input.fileHandleForWriting.fileDescriptor
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
            if r == 0 && !process.isRunning { throw ExternalTeacherError.broken("the process exited with status \(process.terminationStatus)") }
        }
    }

    /// Reads more bytes into the buffer.
    private func fill(deadline: Date) throws {
        let fd = output.fileHandleForReading.fileDescriptor
        try wait(fd, for: Int16(POLLIN), deadline: deadline)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return }
            throw ExternalTeacherError.broken("reading from the teacher: \(String(cString: strerror(errno)))")
        }
        if n == 0 {
            process.waitUntilExit()
            throw ExternalTeacherError.broken("the process exited with status \(process.terminationStatus)")
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
            guard let name = entry["name"] as? String, let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
                throw ExternalTeacherError.broken("an array entry without name, dtype and shape: \(entry)")
            }
            var array = WireArray(name: name, dtype: dtype, shape: shape, bytes: [])
            guard let size = array.itemSize else { throw ExternalTeacherError.broken("unknown dtype '\(dtype)' of array '\(name)'") }
            let count = shape.reduce(size, *)
            while buffer.count < count { try fill(deadline: deadline) }
            array.bytes = Array(buffer[..<count])
            buffer.removeSubrange(..<count)
            arrays.append(array)
        }
        return (header, arrays)
    }
}
