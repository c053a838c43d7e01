// `full-tracker` (monocular clips): tracks the clip's queries again with an independent
// tracker, whose labels (`tracks.check`, the `tracks` format) are the evidence the
// `quality` stage weighs the drawn teacher's labels against. Independence is what makes
// the check worth having: two trackers of one family fail together. `tracker: auto`
// therefore picks a native teacher of another family than the one drawn: `flow` (dense
// DIS optical flow) checks the Lucas–Kanade teachers and `template` (ZNCC matching),
// `klt-offline` checks `flow` and external teachers. (Measured on the layers sequences,
// `template` as the checker cost a third of the recall for no gain in precision: it loses
// points under rotation and scale change. `klt-offline` checking `template` lost the fast
// objects the template teacher keeps: on the tune set's template clip flow as its checker
// keeps 2,142 right labels on moving objects instead of 232, and over the set 1.07× the
// correct labels on moving objects, visible precision 0.9936 → 0.9948.) A rig clip gets the
// 3D pass instead (RigFullTracker), which writes `tracks3d` (RigLabels).
// When the pipeline filters labels, only the queries whose teacher labels can still pass
// the short-track rule are tracked again (ShortTrackRule.mayKeep: the rest are dropped
// whatever the checker says); the others have no label in `tracks.check`. What it saves
// is the checker's work on points the teacher loses within a few frames (a flow checker's
// searches for its own lost points are most of it), so it depends on the clips: on
// `make bench`'s dev sequences the stage's CPU per clip stayed 1.92 s, with the same
// correct labels (194,726 before, 194,707 after).

import Foundation
import Geometry
import Labelling
import Manifest
import PipelineDefinition
import Teachers

public struct FullTrackerStage: Stage {
    public var interface: StageInterface { .fullTracker }
    public let needsRGB = false
    public let needsDepth = true
    public let configuration: FullTrackerConfiguration
    /// The quality stage's short-track rule, when the pipeline has that stage.
    public let shortTrack: ShortTrackRule?

    public init(configuration: FullTrackerConfiguration, shortTrack: ShortTrackRule? = nil) {
        self.configuration = configuration
        self.shortTrack = shortTrack
    }

    public func run(_ input: StageInput) throws -> StageOutcome {
        let points = try PointsArtifact(decoding: try input.artifact(PointsArtifact.name))
        let queries = points.teacherQueries
        let teacher = try TracksArtifact<TeacherProvenance>(decoding: try input.artifact("tracks"))
        let drawn = teacher.provenance.teacher
        let name = configuration.checker(for: drawn)
        guard let tracker = NativeTeachers.make(name, flowScale: configuration.flowScale) else { throw StageError.configuration(key: "full_tracker.tracker", message: "no native teacher '\(name)'") }
        if input.isRig { return try runRig(input, queries: queries, queryViews: points.views, teacherLabels: teacher.labels, tracker: tracker, drawn: drawn) }
        if shortTrack != nil { try input.requireShape(teacher.labels, of: "tracks", queries: queries.count) }
        let labels = try check(TeacherClip(id: "clip-\(input.clip.id ?? 0)", grey: input.grey, rgb: nil), queries: queries,
                               teacher: teacher.labels, with: tracker)
        let provenance = CheckerProvenance(teacher: tracker.name, version: tracker.version, params: tracker.parameters, checks: drawn)
        return .done([ArtifactPayload(name: "tracks.check", format: TracksArtifact<CheckerProvenance>.format,
                                      bytes: TracksArtifact(labels: labels, provenance: provenance).encoded(), metadata: ProvenanceJSON.text(provenance))])
    }

    /// The checker's labels of the queries the short-track rule leaves a chance ([T, N]
    /// for all `queries`; no label for the others).
    private func check(_ clip: TeacherClip, queries: [TeacherQuery], teacher: TeacherTracks, with tracker: Teacher) throws -> TeacherTracks {
        guard let shortTrack else { return try tracker.track(clip, queries: queries) }
        let hopeful = shortTrack.mayKeep(teacher, queries: queries)
        let tracked = queries.indices.filter { hopeful[$0] }
        if tracked.count == queries.count { return try tracker.track(clip, queries: queries) }
        var labels = TeacherTracks(frames: clip.grey.count, points: queries.count)
        guard !tracked.isEmpty else { return labels }
        let some = try tracker.track(clip, queries: tracked.map { queries[$0] })
        for f in 0..<labels.frames {
            for (k, p) in tracked.enumerated() {
                let i = f * some.points + k
                labels.set(t: f, n: p, position: some.position(t: f, n: k), visible: some.visible[i], confidence: some.confidence[i],
                           valid: some.valid[i])
            }
        }
        return labels
    }

    private func runRig(_ input: StageInput, queries: [TeacherQuery], queryViews: [Int], teacherLabels: TeacherTracks,
                        tracker: Teacher, drawn: String) throws -> StageOutcome {
        let pass = RigFullTracker(fusion: MultiViewTrackFusion(configuration: configuration.fusion), tracker: tracker,
                                  teacher: NativeTeachers.make(drawn))
        let tracks = try pass.run(views: input.views, clipId: "clip-\(input.clip.id ?? 0)", queries: queries, queryViews: queryViews,
                                  teacherLabels: teacherLabels)
        let provenance = CheckerProvenance(teacher: tracker.name, version: tracker.version, params: tracker.parameters, checks: drawn,
                                           views: input.views.map(\.name), withDepth: input.views.filter { $0.depth != nil }.map(\.name))
        let labels = RigLabels(tracks: tracks, queryView: queryViews, tracker: provenance)
        return .done([ArtifactPayload(name: "tracks3d", format: RigLabels.format, bytes: labels.encoded(), metadata: ProvenanceJSON.text(provenance))])
    }
}
