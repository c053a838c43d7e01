// One clip as a training sample (Shards/README.md §5): the label columns `tracks`
// float32 [T, N, 2], `visibility` uint8 [T, N], `valid` uint8 [T, N], `confidence`
// float16 [T, N], `queries` float32 [N, 3], the media column (`video_mp4` bytes or
// `frames` uint8 [T, H, W, 3], or none) and `meta` JSON. Building a sample enforces the
// schema's invariants (finite values, no label where `valid` is 0, the track passing
// through its query); `check` verifies them on a sample read back.

import ArrayFiles
import Foundation
import PipelineDefinition
import Shards
import Teachers

public struct TrainingSample {
    /// The columns rig clips add (Shards/README.md §5.4).
    public static let rigEncodings = ["query_view": "ndarray:int32", "tracks3d": "ndarray:float32",
                                      "tracks_views": "ndarray:float32", "visibility_views": "ndarray:uint8"]
    /// The column rig clips add when the pipeline asks for depth (`shards.depth`).
    public static let depthEncodings = ["depth_views": "ndarray:uint16"]

    /// The columns and encodings of a video clip's (or a rig clip's) samples in `media` mode.
    public static func encodings(media: ShardMedia, rig: Bool = false) -> [String: String] {
        var columns = ["confidence": "ndarray:float16", "meta": "json", "queries": "ndarray:float32",
                       "tracks": "ndarray:float32", "valid": "ndarray:uint8", "visibility": "ndarray:uint8"]
        if rig { columns.merge(rigEncodings) { a, _ in a } }
        switch media {
        case .videoMP4: columns["video_mp4"] = "bytes"
        case .frames: columns["frames"] = "ndarray:uint8"
        case .none: break
        }
        return columns
    }

    /// The label columns of `labels` for `queries` (t, x, y), with the schema's invariants applied.
    public static func labelColumns(_ labels: TeacherTracks, queries: [TeacherQuery]) -> [String: MDSValue] {
        let t = labels.frames, n = labels.points
        precondition(queries.count == n)
        var tracks = labels.tracks
        var visibility = [UInt8](repeating: 0, count: t * n), valid = [UInt8](repeating: 0, count: t * n)
        var confidence = [Float](repeating: 0, count: t * n)
        for f in 0..<t {
            for p in 0..<n {
                let i = f * n + p
                let q = queries[p]
                if f == q.t {
                    tracks[2 * i] = q.x; tracks[2 * i + 1] = q.y
                    valid[i] = 1; visibility[i] = 1
                    confidence[i] = labels.confidence[i].isFinite ? min(1, max(0, labels.confidence[i])) : 1
                    continue
                }
                if !tracks[2 * i].isFinite || !tracks[2 * i + 1].isFinite { tracks[2 * i] = q.x; tracks[2 * i + 1] = q.y; continue }
                guard labels.valid[i] else { continue }
                valid[i] = 1
                visibility[i] = labels.visible[i] ? 1 : 0
                let c = labels.confidence[i]
                confidence[i] = c.isFinite ? min(1, max(0, c)) : 0
            }
        }
        return [
            "tracks": .array(MDSArray(float32: tracks, shape: [t, n, 2])),
            "visibility": .array(MDSArray(uint8: visibility, shape: [t, n])),
            "valid": .array(MDSArray(uint8: valid, shape: [t, n])),
            "confidence": .array(MDSArray(float16: confidence, shape: [t, n])),
            "queries": .array(MDSArray(float32: queries.flatMap { [Float($0.t), $0.x, $0.y] }, shape: [n, 3])),
        ]
    }

    /// What `check` found in a sample that conforms: T, N, its clip id, the stored size
    /// `meta` gives, and its MP4 if it has one.
    public struct Summary {
        public var frames: Int
        public var tracks: Int
        public var clipId: String
        public var stored: (width: Int, height: Int)?
        public var media: [UInt8]?
        /// 1 for a video's clip; a rig's views, side by side in the media.
        public var views: Int
    }

    /// Checks a decoded sample against the schema; throws with the first violation.
    public static func check(_ sample: [String: MDSValue]) throws -> Summary {
        func array(_ name: String, _ dtype: ElementType) throws -> MDSArray {
            guard case .array(let a)? = sample[name], a.dtype == dtype else { throw MDSFormatError.value("\(name) is missing or not \(dtype.rawValue)") }
            return a
        }
        let tracks = try array("tracks", .float32), visibility = try array("visibility", .uint8)
        let valid = try array("valid", .uint8), confidence = try array("confidence", .float16), queries = try array("queries", .float32)
        guard tracks.shape.count == 3, tracks.shape[2] == 2 else { throw MDSFormatError.value("tracks has shape \(tracks.shape), not [T, N, 2]") }
        let t = tracks.shape[0], n = tracks.shape[1]
        for (name, a) in [("visibility", visibility), ("valid", valid), ("confidence", confidence)] where a.shape != [t, n] {
            throw MDSFormatError.value("\(name) has shape \(a.shape), not [\(t), \(n)]")
        }
        guard queries.shape == [n, 3] else { throw MDSFormatError.value("queries has shape \(queries.shape), not [\(n), 3]") }
        let xy = tracks.floats, c = confidence.floats, q = queries.floats
        guard xy.allSatisfy(\.isFinite), q.allSatisfy(\.isFinite) else { throw MDSFormatError.value("tracks or queries hold a non-finite value") }
        guard c.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw MDSFormatError.value("confidence outside [0, 1]") }
        guard visibility.data.allSatisfy({ $0 <= 1 }), valid.data.allSatisfy({ $0 <= 1 }) else {
            throw MDSFormatError.value("visibility or valid hold a value other than 0 and 1")
        }
        for i in 0..<(t * n) where valid.data[i] == 0 && (visibility.data[i] != 0 || c[i] != 0) {
            throw MDSFormatError.value("frame \(i / n), point \(i % n): visible or confident without a label")
        }
        for p in 0..<n {
            let qt = q[3 * p]
            guard qt == qt.rounded(), qt >= 0, Int(qt) < t else { throw MDSFormatError.value("query \(p): frame \(qt) outside [0, \(t))") }
            let i = Int(qt) * n + p
            guard xy[2 * i] == q[3 * p + 1], xy[2 * i + 1] == q[3 * p + 2], valid.data[i] == 1, visibility.data[i] == 1 else {
                throw MDSFormatError.value("query \(p): the track does not pass through it visibly")
            }
        }
        // The sample may be anybody's: its meta is read as a JSON object, not as SampleMeta.
        guard case .json(let text)? = sample["meta"], let meta = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let clipId = meta["clip_id"] as? String else {
            throw MDSFormatError.value("meta is missing or has no clip_id")
        }
        let storedObject = meta["stored"] as? [String: Any]
        let stored = (storedObject?["width"] as? Int).flatMap { w in (storedObject?["height"] as? Int).map { (width: w, height: $0) } }
        let views = try checkRig(sample, meta: meta, frames: t, points: n)
        var media: [UInt8]? = nil
        if case .bytes(let mp4)? = sample["video_mp4"] { media = mp4 }
        if case .array(let frames)? = sample["frames"] {
            guard frames.dtype == .uint8, frames.shape.count == 4, frames.shape[0] == t, frames.shape[3] == 3 else {
                throw MDSFormatError.value("frames has shape \(frames.shape), not [\(t), H, W, 3]")
            }
            if let stored, frames.shape[1] != stored.height || frames.shape[2] != stored.width * views {
                throw MDSFormatError.value("frames are \(frames.shape[2])x\(frames.shape[1]), meta.stored and \(views) view(s) make \(stored.width * views)x\(stored.height)")
            }
        }
        return Summary(frames: t, tracks: n, clipId: clipId, stored: stored, media: media, views: views)
    }

    /// Checks a rig sample's columns (all four or none) against its labels and meta.rig;
    /// returns the number of views (1 for a video's clip).
    static func checkRig(_ sample: [String: MDSValue], meta: [String: Any], frames t: Int, points n: Int) throws -> Int {
        let present = rigEncodings.keys.filter { sample[$0] != nil }
        if present.isEmpty { return 1 }
        guard present.count == rigEncodings.count else { throw MDSFormatError.value("a rig sample needs all of \(rigEncodings.keys.sorted()); it has \(present.sorted())") }
        guard case .array(let q3)? = sample["tracks3d"], q3.dtype == .float32, q3.shape == [t, n, 3],
              case .array(let qv)? = sample["query_view"], qv.dtype == .int32, qv.shape == [n],
              case .array(let tv)? = sample["tracks_views"], tv.dtype == .float32, tv.shape.count == 4, tv.shape[1...] == [t, n, 2],
              case .array(let vv)? = sample["visibility_views"], vv.dtype == .uint8, vv.shape == [tv.shape[0], t, n],
              case .array(let tracks)? = sample["tracks"], case .array(let visibility)? = sample["visibility"], case .array(let valid)? = sample["valid"]
        else { throw MDSFormatError.value("rig columns of the wrong type or shape for T = \(t), N = \(n)") }
        let v = tv.shape[0]
        guard let rig = meta["rig"] as? [String: Any], let views = rig["views"] as? [Any], views.count == v else {
            throw MDSFormatError.value("meta.rig.views does not list the \(v) views of tracks_views")
        }
        guard q3.floats.allSatisfy(\.isFinite), tv.floats.allSatisfy(\.isFinite) else { throw MDSFormatError.value("tracks3d or tracks_views hold a non-finite value") }
        let views2D = tv.floats, xy = tracks.floats
        let home = qv.data.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        for p in 0..<n {
            let w = Int(home[p])
            guard w >= 0 && w < v else { throw MDSFormatError.value("query_view[\(p)] = \(w), outside [0, \(v))") }
            for f in 0..<t {
                let i = f * n + p, o = (w * t + f) * n + p
                guard views2D[2 * o] == xy[2 * i], views2D[2 * o + 1] == xy[2 * i + 1], vv.data[o] == visibility.data[i] else {
                    throw MDSFormatError.value("point \(p), frame \(f): tracks/visibility differ from tracks_views/visibility_views of its query view")
                }
                if valid.data[i] == 0, (0..<v).contains(where: { vv.data[($0 * t + f) * n + p] != 0 }) {
                    throw MDSFormatError.value("point \(p), frame \(f): visible in a view without a label")
                }
            }
        }
        guard vv.data.allSatisfy({ $0 <= 1 }) else { throw MDSFormatError.value("visibility_views holds a value other than 0 and 1") }
        if let depth = sample["depth_views"] {
            guard case .array(let d) = depth, d.dtype == .uint16, d.shape.count == 4, d.shape[0] == v, d.shape[1] == t else {
                throw MDSFormatError.value("depth_views is not uint16 [V, T, H, W] for V = \(v), T = \(t)")
            }
        }
        return v
    }
}
