// Builds an OverlayClip from a manifest: the clip's frames decoded from its source videos
// at the stored geometry (every view of a rig), its queries (`points`), the teacher's
// labels (`tracks`), and what the quality stage kept (`labels`, with `removed_by`: the
// rule that removed each label; manifests labelled before that tensor existed show
// removed labels with an unknown rule). A rig clip's `labels` hold each view's
// reprojection of the 3D track (`tracks_views`, `visibility_views`); its removed labels
// are not recorded per label and are not drawn. A clip the quality stage has not reached
// shows the teacher's labels. Source files changed since ingest (size differs) are refused.

import Foundation
import GRDB
import Imaging
import Manifest
import VideoIO

public enum ManifestClipSource {
    public static func load(_ manifest: ManifestDatabase, clip id: Int64) throws -> OverlayClip {
        let (clip, videos) = try manifest.read { db -> (ClipRecord?, [VideoRecord]) in
            guard let clip = try ClipRecord.fetchOne(db, key: id) else { return (nil, []) }
            let videos = try VideoRecord.fetchAll(db, sql: "SELECT * FROM videos WHERE source_id = ? ORDER BY view_index", arguments: [clip.sourceId])
            return (clip, videos)
        }
        guard let clip else { throw OverlayError.input("\(manifest.path): no clip \(id)") }
        guard !videos.isEmpty else { throw OverlayError.input("\(manifest.path): clip \(id) has no video") }
        func tensors(_ name: String) throws -> ArtifactTensors? {
            guard let record = try manifest.artifact(clip: id, name: name) else { return nil }
            return try ArtifactTensors(try record.payload(), name: "\(name) of clip \(id)")
        }
        guard let points = try tensors("points") else { throw OverlayError.input("clip \(id): no points artifact yet (the points stage has not run)") }
        guard let tracks = try tensors("tracks") else { throw OverlayError.input("clip \(id): no tracks artifact yet (the teacher stage has not run)") }
        let labels = try tensors("labels")
        let queries = try points.floats("queries")
        let n = queries.count / 3, t = clip.frameCount
        let colours = (0..<n).map { TrackColours.colour(x: queries[3 * $0 + 1], y: queries[3 * $0 + 2], width: clip.storedWidth, height: clip.storedHeight) }
        let frames = try decodeFrames(clip, videos: videos)
        let teacher = jsonObject(tracks.metadata["teacher"])["teacher"] as? String ?? "?"
        var checker = "-"
        if let quality = labels?.metadata["quality"] { checker = (jsonObject(quality)["quality"] as? [String: Any])?["checker"] as? String ?? "-" }
        var result = OverlayClip(views: [], points: n, colours: colours, teacher: teacher, checker: checker, sourceFrames: clip.frames)

        if let labels, labels.has("tracks3d") {
            let kept = try labels.int32s("kept").map(Int.init)
            let positions = try labels.floats("tracks_views"), seen = try labels.uint8s("visibility_views"), valid = try labels.uint8s("valid")
            let m = kept.count
            guard let shape = labels.shape("tracks_views"), shape == [videos.count, t, m, 2] else {
                throw OverlayError.input("clip \(id): labels' tracks_views is not [\(videos.count), \(t), \(m), 2]")
            }
            result.views = videos.indices.map { v in
                var view = OverlayView(name: videos[v].viewName, frames: frames[v], points: n)
                for f in 0..<t {
                    for (k, p) in kept.enumerated() {
                        let a = (v * t + f) * m + k
                        view.positions[2 * (f * n + p)] = positions[2 * a]; view.positions[2 * (f * n + p) + 1] = positions[2 * a + 1]
                        if valid[f * m + k] != 0 { view.states[f * n + p] = seen[a] != 0 ? .visible : .occluded }
                    }
                }
                return view
            }
            return result
        }

        var view = OverlayView(name: videos[0].viewName, frames: frames[0], points: n)
        let teacherPositions = try tracks.floats("tracks"), teacherValid = try tracks.uint8s("valid"), teacherSeen = try tracks.uint8s("visible")
        guard teacherPositions.count == t * n * 2 else { throw OverlayError.input("clip \(id): tracks is not [\(t), \(n), 2]") }
        view.positions = teacherPositions
        if let labels {
            let kept = try labels.int32s("kept").map(Int.init), m = kept.count
            let kPositions = try labels.floats("tracks"), kValid = try labels.uint8s("valid"), kSeen = try labels.uint8s("visible")
            guard kPositions.count == t * m * 2 else { throw OverlayError.input("clip \(id): labels is not [\(t), \(m), 2]") }
            let removedBy = labels.has("removed_by") ? try labels.uint8s("removed_by") : nil
            result.rules = labels.metadata["removed_by_rules"].map { $0.split(separator: ",").map(String.init) } ?? []
            var isKept = [Int?](repeating: nil, count: n)
            for (k, p) in kept.enumerated() { isKept[p] = k }
            for f in 0..<t {
                for p in 0..<n {
                    let i = f * n + p
                    if let k = isKept[p], kValid[f * m + k] != 0 {
                        view.positions[2 * i] = kPositions[2 * (f * m + k)]; view.positions[2 * i + 1] = kPositions[2 * (f * m + k) + 1]
                        view.states[i] = kSeen[f * m + k] != 0 ? .visible : .occluded
                    } else if teacherValid[i] != 0 {
                        view.states[i] = .removed
                        view.removedBy[i] = removedBy.map { $0.count == t * n ? $0[i] : 0 } ?? 0
                    }
                }
            }
        } else {
            for i in 0..<(t * n) where teacherValid[i] != 0 { view.states[i] = teacherSeen[i] != 0 ? .visible : .occluded }
        }
        result.views = [view]
        return result
    }

    /// Each view's frames of `clip`, RGB at the stored geometry.
    static func decodeFrames(_ clip: ClipRecord, videos: [VideoRecord]) throws -> [[RGBImage]] {
        guard let geometry = try? JSONDecoder().decode(FrameGeometry.self, from: Data(clip.geometry.utf8)) else {
            throw OverlayError.input("clip \(clip.id ?? 0): unreadable geometry in the manifest")
        }
        return try videos.map { video in
            if let bytes = video.fileBytes, let size = (try? FileManager.default.attributesOfItem(atPath: video.path))?[.size] as? NSNumber,
               size.int64Value != bytes {
                throw OverlayError.input("\(video.path): changed since ingest (\(size.int64Value) bytes, \(bytes) then)")
            }
            let reader = try VideoReader(path: video.path, threads: 1)
            var frames: [RGBImage] = []
            try reader.read(frames: clip.frames, geometry: geometry, formats: .rgb) { frames.append($0.rgb!) }
            return frames
        }
    }
}
