// A rig clip as a training sample (Shards/README.md §5.4): the usual label columns for
// each point in its query view (`tracks`, `visibility` = that view's row of
// `tracks_views`, `visibility_views`; `valid`, `confidence` of the 3D label), plus
// `tracks3d`, `query_view`, `tracks_views`, `visibility_views`; the media holds the views
// side by side (view v at columns [v·W, (v+1)·W)); `meta.rig` holds the rig directory,
// fps, depth_unit_m, each view's name, K for the stored pixels and as given (`K_source`), its
// world-to-camera extrinsics at each of the clip's frames, and whether it has depth.

import Foundation
import Geometry
import Imaging
import Ingest
import Manifest
import Shards
import Teachers

extension ShardsStage {
    func rigSample(_ input: StageInput, labels rig: RigLabels, queries all: [TeacherQuery],
                   source: SourceRecord, video: VideoRecord) throws -> StageOutcome {
        let full = rig.tracks, t = full.frames, v = full.views
        guard v == input.views.count, t == input.grey.count else {
            throw StageError.inconsistent("clip \(input.clip.id ?? 0): 3D labels for \(v) views and \(t) frames, the clip has \(input.views.count) and \(input.grey.count)")
        }
        // Without the quality stage, points whose query could not be lifted are left out here.
        let points = rig.kept ?? (0..<full.points).filter { full.valid[all[$0].t * full.points + $0] }
        let local = rig.kept == nil ? points : Array(0..<points.count)
        let queries = points.map { all[$0] }
        let queryView = rig.kept == nil ? points.map { rig.queryView[$0] } : rig.queryView
        let n = points.count, m = full.points
        guard n > 0 else { throw StageError.inconsistent("clip \(input.clip.id ?? 0) has no point with a 3D label") }
        var tracks3d = [Float](repeating: 0, count: t * n * 3), views = [Float](repeating: 0, count: v * t * n * 2)
        var visibilityViews = [UInt8](repeating: 0, count: v * t * n)
        var labels = TeacherTracks(frames: t, points: n)
        for f in 0..<t {
            for (k, p) in local.enumerated() {
                let i = f * m + p, o = f * n + k
                for c in 0..<3 { let x = full.positions[3 * i + c]; tracks3d[3 * o + c] = x.isFinite ? x : 0 }
                for w in 0..<v {
                    let a = (w * t + f) * m + p, b = (w * t + f) * n + k
                    var xy = SIMD2(full.viewPositions[2 * a], full.viewPositions[2 * a + 1])
                    if !(xy.x.isFinite && xy.y.isFinite) { xy = .zero }
                    var seen = full.valid[i] && full.viewVisible[a]
                    if w == queryView[k] && f == queries[k].t { xy = SIMD2(queries[k].x, queries[k].y); seen = true }
                    views[2 * b] = xy.x; views[2 * b + 1] = xy.y
                    visibilityViews[b] = seen ? 1 : 0
                    if w == queryView[k] {
                        labels.set(t: f, n: k, position: xy, visible: seen, confidence: full.confidence[i], valid: full.valid[i] || f == queries[k].t)
                    }
                }
            }
        }
        var columns = TrainingSample.labelColumns(labels, queries: queries)
        columns["tracks3d"] = .array(MDSArray(float32: tracks3d, shape: [t, n, 3]))
        columns["query_view"] = .array(MDSArray(int32: queryView.map { Int32($0) }, shape: [n]))
        columns["tracks_views"] = .array(MDSArray(float32: views, shape: [v, t, n, 2]))
        columns["visibility_views"] = .array(MDSArray(uint8: visibilityViews, shape: [v, t, n]))
        if configuration.depth { columns["depth_views"] = .array(Self.depthViews(input.views, frames: t)) }
        try addMedia(input.views[0].rgb.map { _ in Self.sideBySide(input.views.map { $0.rgb ?? [] }) }, to: &columns, input: input, video: video)
        // The quality stage's `labels` carry the teacher's provenance; without that stage it is in `tracks`.
        let teacher = try rig.teacher ?? TracksArtifact<TeacherProvenance>(decoding: try input.artifact("tracks")).provenance
        var meta = self.meta(input, source: source, video: video, labels: labels, teacher: teacher, quality: rig.quality)
        meta.rig = try Self.rigMeta(input, source: source)
        columns["meta"] = .json(ProvenanceJSON.text(meta))
        return .sample(columns, tracks: n)
    }

    /// Each view's depth at the stored size (RigDepthFrames: the nearest source pixel), uint16
    /// millimetres [V, T, H, W]; 0 where there is none, in a view without depth, and beyond
    /// 65.534 m.
    static func depthViews(_ views: [ClipView], frames t: Int) -> MDSArray {
        let w = views[0].grey.first?.width ?? 0, h = views[0].grey.first?.height ?? 0
        var millimetres = [UInt16](repeating: 0, count: views.count * t * w * h)
        for (v, view) in views.enumerated() {
            guard let depth = view.depth else { continue }
            for (f, map) in depth.prefix(t).enumerated() where map.width == w && map.height == h {
                let base = (v * t + f) * w * h
                for i in 0..<(w * h) {
                    let mm = (map.metres[i] * 1000).rounded()
                    millimetres[base + i] = mm.isFinite && mm > 0 && mm < 65535 ? UInt16(mm) : 0
                }
            }
        }
        return MDSArray(uint16: millimetres, shape: [views.count, t, h, w])
    }

    /// The views' frames side by side: frame t is H × (V·W).
    static func sideBySide(_ views: [[RGBImage]]) -> [RGBImage] {
        guard let first = views.first?.first else { return [] }
        let w = first.width, h = first.height, count = views.count
        return (0..<views[0].count).map { t in
            var out = RGBImage(width: w * count, height: h)
            for (v, frames) in views.enumerated() {
                let image = frames[t]
                for y in 0..<h {
                    out.bytes.replaceSubrange((y * w * count + v * w) * 3..<(y * w * count + (v + 1) * w) * 3,
                                              with: image.bytes[(y * w * 3)..<((y + 1) * w * 3)])
                }
            }
            return out
        }
    }

    static func rigMeta(_ input: StageInput, source: SourceRecord) throws -> SampleMeta.Rig {
        func nested(_ m: Matrix3) -> [[Double]] { [[m.rows.0.x, m.rows.0.y, m.rows.0.z], [m.rows.1.x, m.rows.1.y, m.rows.1.z], [m.rows.2.x, m.rows.2.y, m.rows.2.z]] }
        var unit = 0.001
        let views: [SampleMeta.Rig.View] = try input.views.map { view in
            guard let cameras = view.cameras, let first = cameras.first else { throw StageError.inconsistent("view \(view.name) has no calibration") }
            var kSource = nested(first.K)
            if let text = view.record?.calibration, let calibration = try? JSONDecoder().decode(RigCalibration.self, from: Data(text.utf8)) {
                kSource = nested(Matrix3(rowMajor: calibration.K))
                unit = calibration.depthUnitMetres
            }
            return .init(name: view.name, K: nested(first.K), KSource: kSource,
                         extrinsicsW2C: cameras.map { c in (0..<3).map { r in Array(c.extrinsicsRowMajor[(4 * r)..<(4 * r + 4)]) } },
                         hasDepth: view.record?.depth != nil)
        }
        return SampleMeta.Rig(uri: source.uri, fps: input.video?.frameRate ?? 0, views: views, depthUnitM: unit)
    }
}
