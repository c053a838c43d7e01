import Imaging
import Synthetic
import VideoIO
import XCTest

final class VideoReaderTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-videoio-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func makeVideo(_ name: String, codec: VideoEncoderSettings.Codec, width: Int, height: Int, frames: Int,
                           bFrames: Int = 2, gop: Int = 12, rotation: Double? = nil, timeScale: Int32? = nil,
                           timestamps: [Int64]? = nil, events: [SyntheticClip.Event] = []) throws -> String {
        var clip = SyntheticClip(width: width, height: height, frameCount: frames, seed: 5)
        clip.events = events
        var settings = VideoEncoderSettings(codec: codec, width: width, height: height)
        settings.bFrames = bFrames
        settings.gopSize = gop
        settings.rotation = rotation
        settings.timeScale = timeScale
        if codec == .mpeg4 { settings.quality = 3 }
        let path = "\(directory!)/\(name)"
        try clip.write(to: path, settings: settings, timestamps: timestamps)
        return path
    }

    private func decodeAll(_ path: String, formats: FrameFormats = [.grey, .rgb]) throws -> [DecodedFrame] {
        let reader = try VideoReader(path: path, threads: 2)
        var frames: [DecodedFrame] = []
        try reader.readAll(formats: formats) { frames.append($0) }
        return frames
    }

    /// Frame i reached by seeking is bit-identical to frame i decoded from the start.
    private func assertSeekEqualsLinear(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let linear = try decodeAll(path)
        let info = try VideoProbe.probe(path)
        XCTAssertEqual(linear.count, info.frameCount, "linear decode count", file: file, line: line)
        XCTAssertEqual(linear.map(\.index), Array(0..<info.frameCount), file: file, line: line)
        let requests: [[Int]] = [
            [info.frameCount - 1],
            Array(stride(from: 7, to: min(info.frameCount, 31), by: 1)),
            Array(stride(from: 13, to: info.frameCount, by: 3)),
            [1, 2, 25, 26, 49],
            [0, info.frameCount / 2, info.frameCount - 2],
        ].map { $0.filter { $0 < info.frameCount } }
        // One reader for all requests: seeks go backwards and forwards.
        let reader = try VideoReader(path: path, info: info, threads: 2)
        for request in requests {
            var got: [DecodedFrame] = []
            try reader.read(frames: request, formats: [.grey, .rgb]) { got.append($0) }
            XCTAssertEqual(got.map(\.index), request, file: file, line: line)
            for frame in got {
                XCTAssertEqual(frame.grey, linear[frame.index].grey, "grey frame \(frame.index) differs after seeking", file: file, line: line)
                XCTAssertEqual(frame.rgb, linear[frame.index].rgb, "rgb frame \(frame.index) differs after seeking", file: file, line: line)
            }
        }
    }

    func testSeekEqualsLinearH264WithBFrames() throws {
        let path = try makeVideo("h264.mp4", codec: .h264, width: 160, height: 96, frames: 60, bFrames: 3, gop: 10)
        let info = try VideoProbe.probe(path)
        XCTAssertEqual(info.codec, "h264")
        XCTAssertEqual(info.frameCount, 60)
        XCTAssertEqual(info.containerFrameCount, 60)
        try assertSeekEqualsLinear(path)
    }

    func testSeekEqualsLinearMPEG4InMatroska() throws {
        let path = try makeVideo("mpeg4.mkv", codec: .mpeg4, width: 176, height: 144, frames: 50, bFrames: 2, gop: 8)
        let info = try VideoProbe.probe(path)
        XCTAssertEqual(info.codec, "mpeg4")
        XCTAssertEqual(info.frameCount, 50, "frames counted from packets where Matroska announces none")
        XCTAssertEqual(info.containerFrameCount, 0)
        try assertSeekEqualsLinear(path)
    }

    func testOddSizeDecodesAtItsSize() throws {
        let path = try makeVideo("odd.avi", codec: .mpeg4, width: 173, height: 97, frames: 20, bFrames: 0)
        let info = try VideoProbe.probe(path)
        XCTAssertEqual(info.width, 173)
        XCTAssertEqual(info.height, 97)
        let frames = try decodeAll(path)
        XCTAssertEqual(frames.count, 20)
        XCTAssertEqual(frames[0].grey?.width, 173)
        XCTAssertEqual(frames[0].grey?.height, 97)
        XCTAssertEqual(frames[0].rgb?.bytes.count, 173 * 97 * 3)
        try assertSeekEqualsLinear(path)
    }

    func testVariableFrameRateIsDetectedAndSeekable() throws {
        // Gaps of 40 ms and 80 ms alternating in blocks: a variable-frame-rate stream.
        var timestamps: [Int64] = []
        var t: Int64 = 0
        for i in 0..<40 { timestamps.append(t); t += (i / 5) % 2 == 0 ? 40 : 80 }
        let path = try makeVideo("vfr.mkv", codec: .h264, width: 128, height: 96, frames: 40, timeScale: 1000, timestamps: timestamps)
        let info = try VideoProbe.probe(path)
        XCTAssertTrue(info.variableFrameRate)
        XCTAssertEqual(info.frameCount, 40)
        XCTAssertEqual(info.time(ofFrame: 10), Double(timestamps[10]) / 1000, accuracy: 0.002)
        try assertSeekEqualsLinear(path)
    }

    func testRotationIsAppliedToFrames() throws {
        // Coded 96×64 with a display matrix for a quarter turn. (FFmpeg 5.1's MP4 muxer and
        // demuxer do not round-trip the matrix's sign, so the test reads back which turn the
        // file asks for; that the probe's reading matches what `ffmpeg` itself displays was
        // checked by hand against its autorotate.)
        let path = try makeVideo("rotated.mp4", codec: .h264, width: 96, height: 64, frames: 6, rotation: -90)
        let plain = try makeVideo("plain.mp4", codec: .h264, width: 96, height: 64, frames: 6)
        let info = try VideoProbe.probe(path)
        XCTAssertTrue(info.rotation == 90 || info.rotation == 270, "rotation \(info.rotation)")
        XCTAssertEqual(info.width, 64)
        XCTAssertEqual(info.height, 96)
        let turned = try decodeAll(path, formats: .grey)[0].grey!
        let upright = try decodeAll(plain, formats: .grey)[0].grey!
        XCTAssertEqual(turned.width, 64)
        XCTAssertEqual(turned.height, 96)
        var maxError: Float = 0
        for y in 0..<turned.height { for x in 0..<turned.width {
            // Counter-clockwise: displayed (x, y) shows coded (W − 1 − y, x);
            // clockwise: displayed (x, y) shows coded (y, H − 1 − x).
            let expected = info.rotation == 90 ? upright[upright.width - 1 - y, x] : upright[y, upright.height - 1 - x]
            maxError = max(maxError, abs(turned[x, y] - expected))
        } }
        XCTAssertEqual(maxError, 0, "the rotated stream decodes to the upright stream turned")
    }

    func testResizedGeometry() throws {
        let path = try makeVideo("big.mp4", codec: .h264, width: 320, height: 180, frames: 4)
        let geometry = FrameGeometry.fitting(maxSide: 160, width: 320, height: 180)
        XCTAssertEqual(geometry.width, 160)
        XCTAssertEqual(geometry.height, 90)
        let reader = try VideoReader(path: path)
        var frame: DecodedFrame?
        try reader.read(frames: [2], geometry: geometry, formats: [.grey, .rgb]) { frame = $0 }
        XCTAssertEqual(frame?.grey?.width, 160)
        XCTAssertEqual(frame?.rgb?.height, 90)
        // Area-averaged downscale: the mean level is kept.
        var full: DecodedFrame?
        try reader.read(frames: [2], formats: .grey) { full = $0 }
        let meanSmall = frame!.grey!.pixels.reduce(0, +) / Float(160 * 90)
        let meanFull = full!.grey!.pixels.reduce(0, +) / Float(320 * 180)
        XCTAssertEqual(meanSmall, meanFull, accuracy: 1.0)
    }

    func testRequestsOutsideTheVideoAreRejected() throws {
        let path = try makeVideo("short.mp4", codec: .h264, width: 64, height: 64, frames: 5)
        let reader = try VideoReader(path: path)
        XCTAssertThrowsError(try reader.read(frames: [3, 5]) { _ in }) { error in
            guard case VideoError.invalidRequest = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try reader.read(frames: [3, 2]) { _ in })
    }
}
