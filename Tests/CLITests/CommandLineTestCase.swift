import Foundation
import Synthetic
import VideoIO
import XCTest

/// Runs the real `pseudotrack` executable (built beside the test bundle) on data the
/// tests make themselves.
class CommandLineTestCase: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/videos", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pseudotrack")
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Starts `pseudotrack arguments…` without waiting.
    func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    /// Runs `pseudotrack arguments…` to completion.
    @discardableResult
    func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let (process, out, err) = try start(arguments)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `count` synthetic videos of `frames` frames, 256×192, different content each.
    func makeVideos(_ count: Int, frames: Int) throws {
        for i in 0..<count {
            var clip = SyntheticClip(width: 256, height: 192, frameCount: frames, seed: UInt64(100 + i))
            clip.velocityX = 1 + i % 3
            var settings = VideoEncoderSettings(codec: .h264, width: 256, height: 192)
            settings.quality = 28
            try clip.write(to: "\(directory!)/videos/v\(i).mp4", settings: settings)
        }
    }

    /// A pipeline with short clips at native size and short leases.
    func writePipeline() throws -> String {
        let path = "\(directory!)/pipeline.yaml"
        try """
        seed: 1
        stages: [decode-check]
        clips: {length: 24, min_length: 24, resolution: {mode: native}}
        run: {lease_seconds: 4, max_attempts: 3}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func statusJSON(_ manifest: String) throws -> [String: Any] {
        let result = try run(["status", "--manifest", manifest, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }
}
