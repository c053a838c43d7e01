import ArgumentParser
import ArrayFiles
import Foundation
import Imaging
import Synthetic
import Teachers
import VideoIO

struct BenchTeachers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teachers",
        abstract: "Milliseconds per frame per 100 points for each native teacher (one thread, decoding excluded, median of runs).",
        discussion: """
        The frames are a generated 512×384 sequence with exact ground truth (a textured plane \
        under a homography, an occluder), or the first frames of --video scaled to a longer \
        side of 512. --dump writes the frames (uint8 [T, H, W]) and queries (float32 [N, 3]) as \
        .npy so that ops/bench/teachers_reference.py can time OpenCV on exactly the same input.
        """)

    @Option(help: "A video to take the frames from instead of the generated sequence.") var video: String?
    @Option(help: "Frames (T).") var frames = 48
    @Option(help: "Points, on a jittered grid of the first frame.") var points = 300
    @Option(help: "Timed runs per teacher.") var runs = 3
    @Option(help: "Teachers to time.") var teachers = NativeTeachers.names.joined(separator: ",")
    @Option(help: "Write frames.npy and queries.npy to this directory.") var dump: String?
    @Flag(help: "Print JSON.") var json = false

    struct Result: Encodable {
        var teacher: String, ms_per_frame_per_100_points: Double, seconds_median: Double, frames: Int, points: Int
    }

    func run() throws {
        var images = try loadFrames()
        // Quantise to 8 bits, so that an 8-bit reference sees exactly the same frames.
        for i in images.indices { images[i].pixels = images[i].pixels.map { $0.rounded() } }
        let w = images[0].width, h = images[0].height
        let step = max(4, Int((Double(w * h) / Double(points)).squareRoot()))
        var queries: [TeacherQuery] = []
        var state: UInt64 = 12345
        for y in stride(from: step / 2, to: h, by: step) {
            for x in stride(from: step / 2, to: w, by: step) where queries.count < points {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let jx = Float(state >> 40 & 0xFF) / 255 - 0.5, jy = Float(state >> 48 & 0xFF) / 255 - 0.5
                queries.append(TeacherQuery(t: 0, x: Float(x) + jx * Float(step) / 2, y: Float(y) + jy * Float(step) / 2, sigma: 2))
            }
        }
        if let dump {
            try FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
            let bytes = images.flatMap { $0.pixels.map { UInt8(min(max($0, 0), 255)) } }
            let framesArray = NumPyArray(dtype: .uint8, shape: [images.count, h, w], data: bytes)
            let queryArray = NumPyArray(queries.flatMap { [Float($0.t), $0.x, $0.y] }, shape: [queries.count, 3])
            try Data(framesArray.npy()).write(to: URL(fileURLWithPath: dump + "/frames.npy"))
            try Data(queryArray.npy()).write(to: URL(fileURLWithPath: dump + "/queries.npy"))
        }
        var results: [Result] = []
        for name in teachers.split(separator: ",").map(String.init) {
            guard let teacher = NativeTeachers.make(name) else { throw ValidationError("unknown teacher '\(name)'") }
            var seconds: [Double] = []
            for _ in 0..<max(1, runs) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = try teacher.track(TeacherClip(grey: images), queries: queries)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            let s = median(seconds)
            results.append(Result(teacher: name, ms_per_frame_per_100_points: s * 1000 / Double(images.count) / (Double(queries.count) / 100),
                                  seconds_median: s, frames: images.count, points: queries.count))
        }
        if json {
            print(try JSONText.encode(results))
        } else {
            for r in results {
                print(String(format: "%-12@ %7.2f ms/frame/100 points  (%.2f s for %d frames × %d points, median of %d)",
                             r.teacher as NSString, r.ms_per_frame_per_100_points, r.seconds_median, r.frames, r.points, runs))
            }
        }
    }

    private func loadFrames() throws -> [GreyImage] {
        guard let video else {
            var sequence = OccludedPlaneSequence()
            sequence.width = 512; sequence.height = 384; sequence.frameCount = frames
            sequence.occluderSize = SIMD2(120, 160); sequence.occluderStart = SIMD2(-130, 100); sequence.occluderVelocity = SIMD2(14, 0)
            return sequence.frames()
        }
        let reader = try VideoReader(path: video, threads: 0)
        let geometry = FrameGeometry.fitting(maxSide: 512, width: reader.info.width, height: reader.info.height)
        var images: [GreyImage] = []
        try reader.read(frames: Array(0..<min(frames, reader.info.frameCount)), geometry: geometry, formats: .grey) { images.append($0.grey!) }
        guard !images.isEmpty else { throw ValidationError("\(video): no frames") }
        return images
    }
}
