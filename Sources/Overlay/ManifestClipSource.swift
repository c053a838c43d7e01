// Builds an OverlayClip from a manifest: the clip's frames decoded from its source videos
// at the stored geometry (every view of a rig), its queries (`points`), the teacher's
// labels (`tracks`), and what the quality stage kept (`labels`, with `removed_by`: the
// rule that removed each label; manifests labelled before that tensor existed show
// removed labels with an unknown rule). A rig clip's `labels` hold each view's
// reprojection of the 3D track (`tracks_views`, `visibility_views`); its removed labels
// are not recorded per label and are not drawn. A clip the quality stage has not reached
// shows the teacher's labels. Source files changed since ingest (size differs) are refused.
// Each artifact is decoded by its Pipeline codec (PointsArtifact, TracksArtifact,
// LabelsArtifact, RigLabels), provenance included.

import Foundation
import GRDB
import Imaging
import Manifest
import Pipeline
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
        /// The artifact `name` decoded by its Pipeline codec; nil if the clip has none yet.
        func artifact<T>(_ name: String, _ decode: (ArtifactRecord) throws -> T) throws -> T? {
            guard let record = try manifest.artifact(clip: id, name: name) else { return nil }
            do { return try decode(record) } catch { throw OverlayError.input("clip \(id): artifact \(name): \(error)") }
        }
        guard let points = try artifact(PointsArtifact.name, { try PointsArtifact(decoding: $0.payload()) }) else {
            throw OverlayError.input("clip \(id): no points artifact yet (the points stage has not run)")
        }
        guard let tracks = try artifact("tracks", { try TracksArtifact<TeacherProvenance>(decoding: $0.payload()) }) else {
            throw OverlayError.input("clip \(id): no tracks artifact yet (the teacher stage has not run)")
        }
        let labels = try artifact(LabelsArtifact.name) { record -> ClipLabels in
            record.format == RigLabels.format ? .rig(try RigLabels(decoding: record.payload())) : .video(try LabelsArtifact(decoding: record.payload()))
        }
        let n = points.queries.count, t = clip.frameCount
        let colours = points.queries.map { TrackColours.colour(x: $0.x, y: $0.y, width: clip.storedWidth, height: clip.storedHeight) }
        let frames = try decodeFrames(clip, videos: videos)
        var result = OverlayClip(views: [], points: n, colours: colours, teacher: tracks.provenance.teacher,
                                 checker: labels?.checker ?? "-", sourceFrames: clip.frames)

        if case .rig(let rig)? = labels {
            let kept = rig.kept ?? [], m = kept.count, views = rig.tracks
            guard views.views == videos.count, views.frames == t, views.points == m else {
                throw OverlayError.input("clip \(id): labels' tracks_views is not [\(videos.count), \(t), \(m), 2]")
            }
            result.views = videos.indices.map { v in
                var view = OverlayView(name: videos[v].viewName, frames: frames[v], points: n)
                for f in 0..<t {
                    for (k, p) in kept.enumerated() {
                        let a = (v * t + f) * m + k
                        view.positions[2 * (f * n + p)] = views.viewPositions[2 * a]; view.positions[2 * (f * n + p) + 1] = views.viewPositions[2 * a + 1]
                        if views.valid[f * m + k] { view.states[f * n + p] = views.viewVisible[a] ? .visible : .occluded }
                    }
                }
                return view
            }
            return result
        }

        var view = OverlayView(name: videos[0].viewName, frames: frames[0], points: n)
        let teacher = tracks.labels
        guard teacher.frames == t, teacher.points == n else { throw OverlayError.input("clip \(id): tracks is not [\(t), \(n), 2]") }
        view.positions = teacher.tracks
        if case .video(let labelled)? = labels {
            let kept = labelled.kept, m = kept.count, k = labelled.labels
            guard k.frames == t, k.points == m else { throw OverlayError.input("clip \(id): labels is not [\(t), \(m), 2]") }
            // Manifests labelled before `removed_by` existed have none: their removed labels' rule is unknown (0).
            let removedBy = labelled.removedBy.count == t * n ? labelled.removedBy : nil
            result.rules = labelled.removedByRules
            var isKept = [Int?](repeating: nil, count: n)
            for (j, p) in kept.enumerated() { isKept[p] = j }
            for f in 0..<t {
                for p in 0..<n {
                    let i = f * n + p
                    if let j = isKept[p], k.valid[f * m + j] {
                        view.positions[2 * i] = k.tracks[2 * (f * m + j)]; view.positions[2 * i + 1] = k.tracks[2 * (f * m + j) + 1]
                        view.states[i] = k.visible[f * m + j] ? .visible : .occluded
                    } else if teacher.valid[i] {
                        view.states[i] = .removed
                        view.removedBy[i] = removedBy?[i] ?? 0
                    }
                }
            }
        } else {
            for i in 0..<(t * n) where teacher.valid[i] { view.states[i] = teacher.visible[i] ? .visible : .occluded }
        }
        result.views = [view]
        return result
    }

    /// A clip's `labels`: a video clip's LabelsArtifact or a rig clip's RigLabels.
    enum ClipLabels {
        case video(LabelsArtifact)
        case rig(RigLabels)

        /// The tracker the quality stage weighed the teacher against.
        var checker: String? {
            switch self {
            case .video(let labels): return labels.quality.quality.checker
            case .rig(let labels): return labels.quality?.quality.checker
            }
        }
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
