// Decodes the frames of clips at their stored geometry: every view of a rig, with each
// view's cameras and (when asked) depth. Keeps the current source's readers open, so
// consecutive clips of one video (the order workers claim them in) reuse them and reach
// their first frame by seeking, not by reopening and re-probing the file. Before each
// clip, each file is checked against its size and modification time at ingest
// (FileIdentity): a file changed since then fails the clip with that cause.

import Foundation
import Geometry
import Imaging
import Ingest
import Manifest
import VideoIO

final class ClipFrameSource {
    private var readers: [Int64: VideoReader] = [:]
    private let depthFrames = RigDepthFrames()
    let threads: Int

    init(threads: Int) { self.threads = threads }

    /// The views of `clip` (one per video of its source, in view order).
    func views(of clip: ClipRecord, videos: [VideoRecord], rgb: Bool, depth: Bool) throws -> [ClipView] {
        let ids = Set(videos.compactMap(\.id))
        for id in readers.keys where !ids.contains(id) { readers[id] = nil }
        guard let geometry = try? JSONDecoder().decode(FrameGeometry.self, from: Data(clip.geometry.utf8)) else {
            throw ManifestError.invalid("clip \(clip.id ?? -1): unreadable geometry")
        }
        return try videos.map { video in
            // The file must still be the one ingested (its hash is what the shards carry).
            try FileIdentity.check(video.path, recordedBytes: video.fileBytes, recordedMtimeNs: video.fileMtimeNs)
            let reader: VideoReader
            if let open = readers[video.id ?? -1] { reader = open } else {
                reader = try VideoReader(path: video.path, info: try Self.info(of: video), threads: threads)
                readers[video.id ?? -1] = reader
            }
            var grey: [GreyImage] = [], colour: [RGBImage] = []
            grey.reserveCapacity(clip.frameCount)
            try reader.read(frames: clip.frames, geometry: geometry, formats: rgb ? [.grey, .rgb] : .grey) { frame in
                grey.append(frame.grey!)
                if let c = frame.rgb { colour.append(c) }
            }
            var view = ClipView(name: video.viewName, grey: grey, rgb: rgb ? colour : nil, record: video)
            if let text = video.calibration {
                guard let calibration = try? JSONDecoder().decode(RigCalibration.self, from: Data(text.utf8)) else {
                    throw ManifestError.invalid("\(video.path): unreadable calibration in the manifest")
                }
                view.cameras = try clip.frames.map {
                    try calibration.camera(frame: $0, scaleX: clip.scaleX, scaleY: clip.scaleY, offsetX: clip.offsetX, offsetY: clip.offsetY)
                }
            }
            if depth, let text = video.depth {
                guard let source = try? JSONDecoder().decode(RigDepth.self, from: Data(text.utf8)) else {
                    throw ManifestError.invalid("\(video.path): unreadable depth source in the manifest")
                }
                view.depth = try depthFrames.depth(source, frames: clip.frames, clip: clip)
            }
            return view
        }
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
