import Imaging
import Synthetic
import Teachers
import XCTest

/// The external-teacher protocol against real processes: shell commands that fail in the
/// ways a teacher can, and OpenCV's Lucas–Kanade through ops/teachers/opencv_lk.py (run
/// with the Python of PSEUDOTRACK_TEST_PYTHON, which `make test` sets to a virtual
/// environment with numpy and opencv-python-headless).
final class ExternalTeacherTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func clip() -> (TeacherClip, [TeacherQuery]) {
        var synthetic = SyntheticClip(width: 160, height: 120, frameCount: 10, seed: 8)
        synthetic.velocityX = 2; synthetic.velocityY = 1
        let rgb = synthetic.frames()
        return (TeacherClip(id: "clip-7", grey: rgb.map { $0.grey() }, rgb: rgb),
                [TeacherQuery(t: 0, x: 80, y: 60), TeacherQuery(t: 4, x: 60.5, y: 50.25), TeacherQuery(t: 9, x: 100, y: 70)])
    }

    func teacher(_ command: [String], timeout: Double = 5) -> ExternalTeacher {
        var configuration = ExternalTeacherConfiguration(command: command)
        configuration.timeout = timeout
        configuration.startupTimeout = 5
        return ExternalTeacher(name: "test", configuration: configuration)
    }

    func testATeacherThatCannotStartReportsItsStderr() {
        let (c, q) = clip()
        XCTAssertThrowsError(try teacher(["sh", "-c", "echo 'no CoTracker3 weights in ~/.cache' >&2; exit 3"]).track(c, queries: q)) { error in
            XCTAssertTrue("\(error)".contains("did not start") && "\(error)".contains("no CoTracker3 weights"), "\(error)")
        }
    }

    func testAnotherProtocolVersionIsRefused() {
        let (c, q) = clip()
        let hello = #"{"protocol": "pseudotrack-teacher", "version": 2, "name": "future"}"#
        XCTAssertThrowsError(try teacher(["sh", "-c", "echo '\(hello)'; cat > /dev/null"]).track(c, queries: q)) { error in
            XCTAssertTrue("\(error)".contains("version 2"), "\(error)")
        }
    }

    func testAHungTeacherTimesOutIsRestartedOnceThenFailsTheClip() {
        let (c, q) = clip()
        let hello = #"{"protocol": "pseudotrack-teacher", "version": 1, "name": "sleepy"}"#
        let started = Date()
        XCTAssertThrowsError(try teacher(["sh", "-c", "echo '\(hello)'; echo 'thinking hard' >&2; sleep 30"], timeout: 1).track(c, queries: q)) { error in
            XCTAssertTrue("\(error)".contains("after one restart") && "\(error)".contains("timed out") && "\(error)".contains("thinking hard"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "two attempts of one second, not the teacher's 30")
    }

    /// A shell teacher that answers with `header` and `bytes` zero bytes of payload (they
    /// wait in the pipe), then reads and drops the request.
    func answering(_ header: String, bytes: Int) -> ExternalTeacher {
        let hello = #"{"protocol": "pseudotrack-teacher", "version": 1, "name": "shell"}"#
        return teacher(["sh", "-c", "echo '\(hello)'; echo '\(header)'; head -c \(bytes) /dev/zero; cat > /dev/null"])
    }

    /// Wire dtypes are ElementType's names: an extra int16 array is read past, a float64
    /// `tracks` is refused by name, and a dtype no side knows breaks the stream.
    func testWireDtypesAreElementTypeNames() {
        let (c, q) = clip()
        let wrong = #"{"id": "clip-7", "ok": true, "arrays": [{"name": "extra", "dtype": "int16", "shape": [2]}, {"name": "tracks", "dtype": "float64", "shape": [10, 3, 2]}]}"#
        XCTAssertThrowsError(try answering(wrong, bytes: 2 * 2 + 10 * 3 * 2 * 8).track(c, queries: q)) { error in
            XCTAssertEqual(error as? ExternalTeacherError, .refused("'tracks' is float64 [10, 3, 2]; expected float32 [10, 3, 2]"))
        }
        let unknown = #"{"id": "clip-7", "ok": true, "arrays": [{"name": "tracks", "dtype": "complex64", "shape": [10, 3, 2]}]}"#
        XCTAssertThrowsError(try answering(unknown, bytes: 0).track(c, queries: q)) { error in
            XCTAssertTrue("\(error)".contains("unknown dtype 'complex64' of array 'tracks'"), "\(error)")
        }
    }

    func testOpenCVLucasKanadeSpeaksTheProtocol() throws {
        guard let python = ProcessInfo.processInfo.environment["PSEUDOTRACK_TEST_PYTHON"] else {
            throw XCTSkip("PSEUDOTRACK_TEST_PYTHON is not set (make test sets it to a virtual environment with OpenCV)")
        }
        let (c, q) = clip()
        let lk = teacher([python, Self.repository.appendingPathComponent("ops/teachers/opencv_lk.py").path], timeout: 60)
        let labels = try lk.track(c, queries: q)
        XCTAssertTrue(lk.version.lowercased().contains("opencv"), lk.version)
        // Content moves (−2, −1) px a frame; every frame is labelled, forward and backward.
        for t in 0..<10 {
            for (n, query) in q.enumerated() {
                let p = labels.position(t: t, n: n)
                let dt = Float(t - query.t)
                XCTAssertEqual(p.x, query.x - 2 * dt, accuracy: 0.2, "point \(n) frame \(t)")
                XCTAssertEqual(p.y, query.y - dt, accuracy: 0.2, "point \(n) frame \(t)")
                XCTAssertTrue(labels.valid[t * 3 + n] && labels.visible[t * 3 + n])
            }
        }
        // A second clip goes to the same process.
        let again = try lk.track(c, queries: Array(q.prefix(1)))
        XCTAssertEqual(again.points, 1)
        lk.stop()
    }
}
