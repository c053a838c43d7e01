// A teacher that is another program speaking ops/teachers/PROTOCOL.md (a neural tracker
// such as CoTracker3 in Python, or the OpenCV Lucas–Kanade adapter). The process is
// started on the first clip and kept for the worker's life; each clip is one request
// (RGB frames uint8 [T, H, W, 3], queries float32 [N, 3]) answered by tracks, visibility,
// confidence and optionally valid. A teacher that dies, hangs past `timeout` or breaks
// the framing is restarted once and the request retried; a second failure fails the
// clip with the tail of the teacher's stderr. A teacher's own error answer fails the
// clip at once (it would answer the same again).

import ArrayFiles
import Foundation
import Imaging

public struct ExternalTeacherConfiguration: Sendable, Equatable {
    /// Argument list; the first is looked up on PATH. Relative paths are relative to the
    /// engine's working directory.
    public var command: [String]
    /// Seconds from sending a request to its complete answer.
    public var timeout: Double = 300
    /// Seconds from start to the hello line (a model may load or download slowly).
    public var startupTimeout: Double = 600
    public init(command: [String]) { self.command = command }
}

public final class ExternalTeacher: Teacher, @unchecked Sendable {
    public let name: String
    public let configuration: ExternalTeacherConfiguration
    private let lock = NSLock()
    private var running: TeacherProcess?
    private var announcedVersion: String?

    public init(name: String, configuration: ExternalTeacherConfiguration) {
        self.name = name
        self.configuration = configuration
    }

    public var needsRGB: Bool { true }

    /// What the teacher said in its hello (`teacher_version`), once it has started.
    public var version: String {
        lock.lock(); defer { lock.unlock() }
        return announcedVersion ?? "unknown (not started)"
    }

    public var parameters: [String: String] { ["command": configuration.command.joined(separator: " ")] }

    /// Starts the process now rather than on the first clip.
    public func start() throws {
        lock.lock(); defer { lock.unlock() }
        _ = try process()
    }

    /// Stops the process (it is started again if needed).
    public func stop() {
        lock.lock(); defer { lock.unlock() }
        running?.stop()
        running = nil
    }

    private func process() throws -> TeacherProcess {
        if let running, running.isRunning { return running }
        running = nil
        let started = try TeacherProcess(command: configuration.command, startupTimeout: configuration.startupTimeout)
        announcedVersion = started.hello["teacher_version"] as? String ?? "unstated"
        running = started
        return started
    }

    public func track(_ clip: TeacherClip, queries: [TeacherQuery]) throws -> TeacherTracks {
        guard let rgb = clip.rgb, let first = rgb.first else {
            throw ExternalTeacherError.refused("\(name) needs the clip's RGB frames")
        }
        var frames = [UInt8]()
        frames.reserveCapacity(rgb.count * first.width * first.height * 3)
        for image in rgb { frames.append(contentsOf: image.bytes) }
        let rows = queries.flatMap { [Float($0.t), $0.x, $0.y] }
        let arrays = [
            WireArray(name: "frames", dtype: .uint8, shape: [rgb.count, first.height, first.width, 3], bytes: frames),
            WireArray(name: "queries", dtype: .float32, shape: [queries.count, 3], bytes: Self.littleEndian(rows)),
        ]
        lock.lock(); defer { lock.unlock() }
        var lastFailure = ""
        for attempt in 0..<2 {
            let teacher = try process()
            do {
                let (header, answer) = try teacher.exchange(["type": "track", "id": clip.id], arrays: arrays, timeout: configuration.timeout)
                guard header["id"] as? String == clip.id else {
                    throw ExternalTeacherError.broken("answered request '\(header["id"] ?? "?")' instead of '\(clip.id)'")
                }
                guard header["ok"] as? Bool == true else {
                    throw ExternalTeacherError.refused("\(clip.id): \(header["error"] as? String ?? "no reason given")")
                }
                return try Self.tracks(answer, frames: rgb.count, points: queries.count)
            } catch ExternalTeacherError.broken(let message) {
                lastFailure = message + teacher.stderrTail()
                teacher.stop()
                running = nil
                if attempt == 1 { break }
            }
        }
        throw ExternalTeacherError.broken("\(name) on \(clip.id), after one restart: \(lastFailure)")
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        for (i, v) in values.enumerated() { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.replaceSubrange(4 * i..<4 * i + 4, with: $0) } }
        return out
    }

    /// Checks the answer's arrays against the request and converts them.
    static func tracks(_ arrays: [WireArray], frames t: Int, points n: Int) throws -> TeacherTracks {
        func array(_ name: String, _ dtype: ElementType, _ shape: [Int], required: Bool = true) throws -> WireArray? {
            guard let a = arrays.first(where: { $0.name == name }) else {
                if required { throw ExternalTeacherError.refused("the answer has no '\(name)' array") }
                return nil
            }
            guard a.dtype == dtype, a.shape == shape else {
                throw ExternalTeacherError.refused("'\(name)' is \(a.dtype.rawValue) \(a.shape); expected \(dtype.rawValue) \(shape)")
            }
            return a
        }
        let tracks = try array("tracks", .float32, [t, n, 2])!, visibility = try array("visibility", .uint8, [t, n])!
        let confidence = try array("confidence", .float32, [t, n])!, valid = try array("valid", .uint8, [t, n], required: false)
        var out = TeacherTracks(frames: t, points: n)
        out.tracks = floats(tracks.bytes)
        guard out.tracks.allSatisfy({ $0.isFinite }) else { throw ExternalTeacherError.refused("'tracks' holds values that are not finite") }
        out.visible = visibility.bytes.map { $0 != 0 }
        out.confidence = floats(confidence.bytes).map { $0.isFinite ? min(max($0, 0), 1) : 0 }
        out.valid = valid?.bytes.map { $0 != 0 } ?? [Bool](repeating: true, count: t * n)
        return out
    }

    static func floats(_ bytes: [UInt8]) -> [Float] {
        (0..<(bytes.count / 4)).map { i in
            Float(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24)
        }
    }
}
