import ArgumentParser
import Foundation
import VideoIO

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what FFmpeg reads from a video: container, codec, sizes, rate, exact frame count, rotation.")

    @Argument(help: "A video file.") var video: String
    @Flag(help: "Print JSON (with the per-frame timestamps).") var json = false

    func run() throws {
        let info = try VideoProbe.probe(video)
        if json {
            print(try JSONText.encode(info))
        } else {
            print("""
            \(info.path)
              container  \(info.container)
              codec      \(info.codec) (\(info.pixelFormat))
              size       \(info.width)x\(info.height)\(info.rotation != 0 ? " (coded \(info.codedWidth)x\(info.codedHeight), rotated \(info.rotation)°)" : "")
              frames     \(info.frameCount)\(info.containerFrameCount != info.frameCount ? " (container says \(info.containerFrameCount))" : "")
              rate       \(String(format: "%.3f", info.frameRate)) fps\(info.variableFrameRate ? " (variable)" : "")
              duration   \(String(format: "%.3f", info.duration)) s
            """)
        }
    }
}
