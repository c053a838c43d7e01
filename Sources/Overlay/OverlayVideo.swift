// Writes an overlay as an H.264 MP4 (libx264 through VideoIO's encoder, yuv420p, index
// first so a browser starts playing at once) and, optionally, its first frame as a JPEG
// poster. Browsers play H.264 in MP4 everywhere; B-frames are left out so that a short
// looping clip seeks cheaply.

import Foundation
import Imaging
import VideoIO

public enum OverlayVideo {
    /// Renders every frame of `renderer`'s clip into `path`; returns the first frame.
    @discardableResult
    public static func write(_ renderer: OverlayRenderer, to path: String, framesPerSecond: Int = 12,
                             quality: Int = 23, poster: String? = nil) throws -> RGBImage? {
        var settings = VideoEncoderSettings(codec: .h264, width: renderer.width, height: renderer.height)
        settings.frameRateNumerator = Int32(framesPerSecond)
        settings.bFrames = 0
        settings.gopSize = 24
        settings.quality = quality
        settings.fastStart = true
        let temporary = path + ".partial.mp4"
        defer { unlink(temporary) }
        var first: RGBImage? = nil
        do {
            let encoder = try VideoEncoder(path: temporary, settings: settings)
            for t in 0..<renderer.clip.frameCount {
                let image = renderer.frame(t)
                if t == 0 { first = image }
                try encoder.append(image)
            }
            try encoder.finish()
        }
        guard rename(temporary, path) == 0 else { throw OverlayError.input("\(path): cannot be written (\(String(cString: strerror(errno))))") }
        if let poster, let first { try JPEGStill.write(first, to: poster) }
        return first
    }
}
