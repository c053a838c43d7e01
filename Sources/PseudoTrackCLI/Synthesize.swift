import ArgumentParser
import Foundation
import Synthetic
import VideoIO

struct Synthesize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a few synthetic sample videos (panning textures, one with a scene cut) into a directory.",
        discussion: "`make demo` uses them when the sample videos cannot be downloaded.")

    @Argument(help: "Output directory.") var directory: String

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var pan = SyntheticClip(width: 480, height: 272, frameCount: 120, seed: 11)
        pan.velocityX = 2; pan.velocityY = 1
        var diagonal = SyntheticClip(width: 320, height: 240, frameCount: 96, seed: 23)
        diagonal.velocityX = -1; diagonal.velocityY = 2
        var cut = SyntheticClip(width: 320, height: 240, frameCount: 96, seed: 37)
        cut.events = [.sceneCut(atFrame: 60)]
        for (name, clip) in [("synthetic_pan", pan), ("synthetic_diagonal", diagonal), ("synthetic_cut", cut)] {
            let path = "\(directory)/\(name).mp4"
            var settings = VideoEncoderSettings(codec: .h264, width: clip.width, height: clip.height)
            settings.fastStart = true
            try clip.write(to: path, settings: settings)
            print(path)
        }
    }
}
