// Decodes the frames of clips at their stored geometry. Keeps the last video's reader
// open, so consecutive clips of one video (the order workers claim them in) reuse it
// and reach their first frame by seeking, not by reopening and re-probing the file.

import Foundation
import Imaging
import Manifest
import VideoIO

final class ClipFrameSource {
    private var reader: VideoReader?
    private var readerVideoId: Int64?
    let threads: Int

    init(threads: Int) { self.threads = threads }

    /// Grey (and optionally RGB) frames of `clip` from `video`.
    func frames(of clip: ClipRecord, video: VideoRecord, rgb: Bool) throws -> (grey: [GreyImage], rgb: [RGBImage]?) {
        if readerVideoId != video.id || reader == nil {
            reader = nil
            reader = try VideoReader(path: video.path, info: try Self.info(of: video), threads: threads)
            readerVideoId = video.id
        }
        guard let geometry = try? JSONDecoder().decode(FrameGeometry.self, from: Data(clip.geometry.utf8)) else {
            throw ManifestError.invalid("clip \(clip.id ?? -1): unreadable geometry")
        }
        var grey: [GreyImage] = [], colour: [RGBImage] = []
        grey.reserveCapacity(clip.frameCount)
        try reader!.read(frames: clip.frames, geometry: geometry, formats: rgb ? [.grey, .rgb] : .grey) { frame in
            grey.append(frame.grey!)
            if let c = frame.rgb { colour.append(c) }
        }
        return (grey, rgb ? colour : nil)
    }

    /// The VideoInfo a probe gave at ingest, rebuilt from the manifest (no second probe).
    static func info(of video: VideoRecord) throws -> VideoInfo {
        VideoInfo(path: video.path, container: video.container, codec: video.codec,
                  codedWidth: video.codedWidth, codedHeight: video.codedHeight, pixelFormat: video.pixelFormat,
                  frameRate: video.frameRate, frameCount: video.frameCount, containerFrameCount: video.containerFrameCount,
                  duration: video.duration, rotation: video.rotation, timeBaseNumerator: video.timeBaseNum,
                  timeBaseDenominator: video.timeBaseDen, frameTimestamps: try video.timestamps(),
                  variableFrameRate: video.variableFrameRate)
    }
}
