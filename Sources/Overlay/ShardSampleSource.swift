// Builds an OverlayClip from sample K of a shard directory (counting across its shards in
// index.json order): the frames of its `video_mp4` (a rig's views side by side, split
// back into views), its labels (`tracks`, `visibility`, `valid`; a rig's
// `tracks_views`, `visibility_views`), the colours from its `queries`, and the teacher
// and checker from `meta`. Shards hold only kept labels: nothing removed is drawn.

import Foundation
import Imaging
import Shards
import VideoIO

public enum ShardSampleSource {
    /// The number of samples in the directory.
    public static func count(directory: String) throws -> Int {
        try MDSIndex(directory: try MDSDirectory(path: directory)).entries.reduce(0) { $0 + $1.samples }
    }

    public static func load(directory: String, sample k: Int) throws -> OverlayClip {
        let dir = try MDSDirectory(path: directory)
        var offset = k
        var columns: [String: MDSValue]? = nil
        for entry in try MDSIndex(directory: dir).entries {
            if offset < entry.samples { columns = try MDSShardReader.read(entry, in: dir)[offset]; break }
            offset -= entry.samples
        }
        guard let columns else { throw OverlayError.input("\(directory): no sample \(k) (\(try count(directory: directory)) samples)") }
        func array(_ name: String) throws -> MDSArray {
            guard case .array(let a)? = columns[name] else { throw OverlayError.input("\(directory) sample \(k): no \(name) column") }
            return a
        }
        guard case .bytes(let mp4)? = columns["video_mp4"] else {
            throw OverlayError.input("\(directory) sample \(k): no video_mp4 column (shards written without media cannot be drawn)")
        }
        var meta: [String: Any] = [:]
        // Read leniently: a shard may be anybody's, and a drawing needs only the names in it.
        if case .json(let text)? = columns["meta"] { meta = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
        let path = NSTemporaryDirectory() + "pseudotrack-render-\(getpid())-\(k).mp4"
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(mp4)) else { throw OverlayError.input("\(path): cannot be written") }
        var wide: [RGBImage] = []
        try VideoReader(path: path, threads: 1).readAll(formats: .rgb) { wide.append($0.rgb!) }

        let tracks = try array("tracks"), queries = try array("queries").floats
        guard tracks.shape.count == 3 else { throw OverlayError.input("\(directory) sample \(k): tracks is not [T, N, 2]") }
        let t = tracks.shape[0], n = tracks.shape[1]
        guard wide.count == t else { throw OverlayError.input("\(directory) sample \(k): video has \(wide.count) frames, labels \(t)") }
        let rig = columns["tracks_views"] != nil
        let viewCount = try rig ? array("tracks_views").shape[0] : 1
        let width = (wide.first?.width ?? 0) / max(1, viewCount), height = wide.first?.height ?? 0
        let names = ((meta["rig"] as? [String: Any])?["views"] as? [[String: Any]])?.map { $0["name"] as? String ?? "?" } ?? []
        let colours = (0..<n).map { TrackColours.colour(x: queries[3 * $0 + 1], y: queries[3 * $0 + 2], width: width, height: height) }
        let valid = try array("valid").data
        let positions = try rig ? array("tracks_views").floats : tracks.floats
        let seen = try rig ? array("visibility_views").data : array("visibility").data
        let views: [OverlayView] = (0..<viewCount).map { v in
            let frames = viewCount == 1 ? wide : wide.map { crop($0, x: v * width, width: width) }
            var view = OverlayView(name: v < names.count ? names[v] : "view \(v)", frames: frames, points: n)
            for i in 0..<(t * n) {
                let a = v * t * n + i
                view.positions[2 * i] = positions[2 * a]; view.positions[2 * i + 1] = positions[2 * a + 1]
                if valid[i] != 0 { view.states[i] = seen[a] != 0 ? .visible : .occluded }
            }
            return view
        }
        let teacher = (meta["teacher"] as? [String: Any])?["name"] as? String ?? "?"
        let checker = (meta["quality"] as? [String: Any])?["checker"] as? String ?? "-"
        let sourceFrames = (meta["clip"] as? [String: Any])?["frame_indices"] as? [Int] ?? []
        return OverlayClip(views: views, points: n, colours: colours, teacher: teacher, checker: checker, sourceFrames: sourceFrames)
    }

    static func crop(_ image: RGBImage, x: Int, width: Int) -> RGBImage {
        var out = RGBImage(width: width, height: image.height)
        for y in 0..<image.height {
            let src = (y * image.width + x) * 3
            out.bytes.replaceSubrange((y * width * 3)..<((y + 1) * width * 3), with: image.bytes[src..<(src + width * 3)])
        }
        return out
    }
}
