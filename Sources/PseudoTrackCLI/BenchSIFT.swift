import ArgumentParser
import Features
import Foundation
import Imaging
import VideoIO

struct BenchSIFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sift",
        abstract: "Milliseconds per frame for SIFT detection and description (one thread, decoding excluded, medians over frames).")

    @Argument(help: "A video file.") var video: String
    @Option(help: "Frames to measure, spread evenly over the video.") var frames = 8
    @Option(help: "Timed passes over the frames; the median per frame is taken over all.") var runs = 3
    @Flag(help: "Print JSON.") var json = false

    struct Result: Encodable {
        var video: String, width: Int, height: Int, frames: Int
        var ms_per_frame_detect: Double, ms_per_frame_describe: Double
        var keypoints_per_frame: Double
    }

    func run() throws {
        let reader = try VideoReader(path: video, threads: 1)
        let count = reader.info.frameCount
        let k = max(1, min(frames, count))
        let indices = Array(Set((0..<k).map { $0 * count / k })).sorted()
        var images: [GreyImage] = []
        try reader.read(frames: indices, formats: .grey) { images.append($0.grey!) }
        let sift = SIFT()
        _ = sift.detect(images[0])  // allocate the scale space once, as in a real run
        var detect: [Double] = [], describe: [Double] = [], found = 0
        for _ in 0..<max(1, runs) {
            found = 0
            for image in images {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let keypoints = sift.detect(image)
                let t1 = DispatchTime.now().uptimeNanoseconds
                _ = sift.describe(keypoints)
                let t2 = DispatchTime.now().uptimeNanoseconds
                detect.append(Double(t1 - t0) / 1e6)
                describe.append(Double(t2 - t1) / 1e6)
                found += keypoints.count
            }
        }
        let result = Result(video: video, width: images[0].width, height: images[0].height, frames: images.count,
                            ms_per_frame_detect: median(detect), ms_per_frame_describe: median(describe),
                            keypoints_per_frame: Double(found) / Double(images.count))
        if json {
            print(try JSONText.encode(result))
        } else {
            print(String(format: "%@ %dx%d, %d frames: detect %.1f ms/frame, describe %.1f ms/frame, %.0f keypoints/frame",
                         video, result.width, result.height, result.frames, result.ms_per_frame_detect,
                         result.ms_per_frame_describe, result.keypoints_per_frame))
        }
    }

}
