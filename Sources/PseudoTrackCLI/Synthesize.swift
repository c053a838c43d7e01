import ArgumentParser
import Foundation
import Synthetic
import VideoIO

struct Synthesize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a few synthetic sample videos (panning textures, one with a scene cut), or a calibrated RGB-D rig, into a directory.",
        discussion: """
            `make demo` uses the videos when the sample videos cannot be downloaded, and \
            labels the rig (3 cameras with depth, a sphere and a box moving over a ground \
            plane: DIR/synthetic_rig).
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case videos, rig, all }

    @Argument(help: "Output directory.") var directory: String
    @Option(help: "What to write: videos, rig or all.") var kind: Kind = .videos

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if kind != .videos {
            var scene = RigScene()
            scene.width = 192; scene.height = 144; scene.frameCount = 24
            try scene.write(to: "\(directory)/synthetic_rig")
            print("\(directory)/synthetic_rig")
            if kind == .rig { return }
        }
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
