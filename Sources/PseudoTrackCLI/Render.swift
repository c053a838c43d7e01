// `pseudotrack render`: one clip's labels drawn over its frames, as an H.264 MP4 — from
// a manifest (`--manifest M --clip ID`) or from a shard sample (`--out DIR --sample K`).

import ArgumentParser
import Foundation
import Manifest
import Overlay

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw one clip's labels over its frames into an MP4 (H.264).",
        discussion: """
        Each track has the colour of its query's position, the same in every frame, and a \
        short trail; a seen label is a filled disc, an occlusion label a hollow ring. With \
        --show removed, the labels the quality stage removed are faint rings marked with the \
        letter of their rule (spelled out in the corner; this needs the clip's artifacts, which \
        sealing drops unless the run had --keep-artifacts). The corner also gives the frame, \
        the teacher and the checker. A rig clip shows its views tiled. Clip ids are those of \
        `pseudotrack report` and of the manifest; sample K counts across the shards of DIR \
        in index.json order, from 0.
        """)

    enum Shown: String, ExpressibleByArgument, CaseIterable { case removed }

    @Option(help: "The manifest holding the clip.") var manifest: String?
    @Option(help: "The clip id in the manifest.") var clip: Int64?
    @Option(help: "A shard directory (the --out of `pseudotrack run`).") var out: String?
    @Option(help: "The sample of the shard directory, from 0.") var sample: Int?
    @Option(help: "The MP4 file to write.") var to: String
    @Option(help: "Also draw these labels: removed (by the quality stage; manifest only).") var show: [Shown] = []
    @Option(help: "Shrink the views so their longer side is at most this many pixels.") var maxSide: Int?
    @Option(help: "Frames per second of the video.") var fps: Int = 12
    @Option(help: "Also write the first frame as a JPEG here.") var poster: String?

    func validate() throws {
        switch (manifest != nil, clip != nil, out != nil, sample != nil) {
        case (true, true, false, false), (false, false, true, true): break
        default: throw ValidationError("give either --manifest M --clip ID, or --out DIR --sample K")
        }
        if show.contains(.removed) && manifest == nil { throw ValidationError("--show removed needs --manifest: shards hold only the labels kept") }
        guard fps >= 1 && fps <= 120 else { throw ValidationError("--fps must be in 1...120") }
        if let maxSide, maxSide < 16 { throw ValidationError("--max-side must be at least 16") }
    }

    func run() throws {
        let overlay: OverlayClip
        if let manifest, let clip {
            let database = try ManifestDatabase(path: manifest, readOnly: true)
            // Removed labels are only in the manifest's artifacts; kept ones are in the shard sample too.
            overlay = show.contains(.removed) ? try ManifestClipSource.load(database, clip: clip) : try SealedClipSource.load(database, clip: clip)
        } else {
            overlay = try ShardSampleSource.load(directory: out!, sample: sample!)
        }
        var style = OverlayStyle()
        style.showRemoved = show.contains(.removed)
        style.maxSide = maxSide
        let renderer = OverlayRenderer(clip: overlay, style: style)
        try OverlayVideo.write(renderer, to: to, framesPerSecond: fps, poster: poster)
        print("\(to): \(overlay.frameCount) frames, \(renderer.width)x\(renderer.height), \(overlay.points) tracks "
              + "(\(overlay.count(.visible)) seen, \(overlay.count(.occluded)) occluded, \(overlay.count(.removed)) removed labels)"
              + ", teacher \(overlay.teacher), checker \(overlay.checker)")
    }
}
