import ArgumentParser
import Features
import Foundation
import VideoIO

struct Points: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "SIFT keypoints of one frame of a video (a still image works as a one-frame video).",
        discussion: "Coordinates are input pixels, integer = pixel centre; sigma is the blur scale (OpenCV's size is 2σ).")

    @Argument(help: "A video or image file.") var video: String
    @Option(help: "Frame index.") var frame = 0
    @Flag(help: "Print the keypoints as a JSON list.") var json = false
    @Flag(help: "Include the 128-value descriptors.") var descriptors = false

    struct Output: Encodable {
        var x: Float, y: Float, sigma: Float, orientation: Float, response: Float, octave: Int
        var descriptor: [Float]?
    }

    func run() throws {
        let reader = try VideoReader(path: video, threads: 1)
        var image: DecodedFrame?
        try reader.read(frames: [frame], formats: .grey) { image = $0 }
        let sift = SIFT()
        let keypoints = sift.detect(image!.grey!)
        let values = descriptors ? sift.describe(keypoints) : []
        let n = SIFT.descriptorLength
        let rows = keypoints.enumerated().map { i, k in
            Output(x: k.x, y: k.y, sigma: k.sigma, orientation: k.orientation, response: k.response, octave: k.octave,
                   descriptor: descriptors ? Array(values[(i * n)..<((i + 1) * n)]) : nil)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(rows))
            print()
        } else {
            print("\(keypoints.count) keypoints in frame \(frame) of \(video) (\(image!.grey!.width)x\(image!.grey!.height))")
            for k in keypoints.sorted(by: { $0.response > $1.response }).prefix(10) {
                print(String(format: "  x %8.2f  y %8.2f  sigma %6.2f  orientation %6.1f  response %.4f  octave %d",
                             k.x, k.y, k.sigma, k.orientation, k.response, k.octave))
            }
        }
    }
}
