// `full-tracker` (monocular clips): tracks the clip's queries again with an independent
// tracker, whose labels (`tracks.check`, the `tracks` format) are the evidence the
// `quality` stage weighs the drawn teacher's labels against. Independence is what makes
// the check worth having: two trackers of one family fail together. `tracker: auto`
// therefore picks a native teacher of another family than the one drawn: `flow` (dense
// DIS optical flow) checks the Lucas–Kanade teachers, `klt-offline` checks `template`,
// `flow` and external teachers. (Measured on the layers sequences, `template` as the
// checker cost a third of the recall for no gain in precision: it loses points under
// rotation and scale change.) A rig clip gets the 3D pass instead (RigFullTracker), which
// writes `tracks3d` (RigLabels).

import Foundation
import Geometry
import Manifest
import Teachers

public struct FullTrackerConfiguration: Sendable, Equatable {
    /// `auto`, or the name of a native teacher.
    public var tracker = "auto"
    /// The finest DIS scale when the checker is `flow` (the teacher's is 1; 2 is about
    /// three times faster and, on the layers sequences, costs recall_4 0.809 → 0.771).
    public var flowScale = 1
    /// Rig clips: lifting, agreement, kNN refinement and visibility.
    public var fusion = MultiViewTrackFusionConfiguration()
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["tracker", "flow_scale", "agree_m", "agree_relative", "min_agreeing", "gap_frames", "visibility_m", "visibility_relative", "cloud_stride", "knn_radius_m", "knn_k", "refine"])
        fusion.agreeMetres = try s.double("agree_m", atLeast: 0) ?? fusion.agreeMetres
        fusion.agreeRelative = try s.double("agree_relative", atLeast: 0) ?? fusion.agreeRelative
        fusion.visibilityMetres = Float(try s.double("visibility_m", atLeast: 0) ?? Double(fusion.visibilityMetres))
        fusion.visibilityRelative = Float(try s.double("visibility_relative", atLeast: 0) ?? Double(fusion.visibilityRelative))
        fusion.minAgreeing = try s.int("min_agreeing", atLeast: 1) ?? fusion.minAgreeing
        fusion.gapFrames = try s.int("gap_frames", atLeast: 0) ?? fusion.gapFrames
        fusion.cloudStride = try s.int("cloud_stride", atLeast: 1) ?? fusion.cloudStride
        if let r = try s.double("knn_radius_m", atLeast: 0) {
            guard r > 0 else { throw s.error("knn_radius_m", "must be positive") }
            fusion.radius = Float(r)
        }
        fusion.k = try s.int("knn_k", atLeast: 3) ?? fusion.k
        fusion.refine = try s.bool("refine") ?? fusion.refine
        flowScale = try s.int("flow_scale", atLeast: 0) ?? flowScale
        if let name = try s.string("tracker") {
            guard name == "auto" || NativeTeachers.names.contains(name) else {
                throw s.error("tracker", "must be auto or one of \(NativeTeachers.names.joined(separator: ", "))")
            }
            tracker = name
        }
    }

    /// The checker for a clip whose labels came from `teacher`.
    public func checker(for teacher: String) -> String {
        guard tracker == "auto" else { return tracker }
        switch teacher {
        case "klt-online", "klt-offline": return "flow"
        default: return "klt-offline"
        }
    }
}

public struct FullTrackerStage: Stage {
    public let name = "full-tracker"
    public let reads = ["points", "tracks"]
    public let writes = ["tracks.check", "tracks3d"]
    public let needsRGB = false
    public let needsDepth = true
    public let configuration: FullTrackerConfiguration

    public init(configuration: FullTrackerConfiguration) { self.configuration = configuration }

    public func run(_ input: StageInput) throws -> StageOutcome {
        let queries = try PointsStage.decode(input.artifacts["points"] ?? []).map { TeacherQuery(t: $0.t, x: $0.x, y: $0.y, sigma: $0.sigma) }
        let (_, teacherJSON) = try TeacherStage.decode(input.artifacts["tracks"] ?? [])
        let drawn = jsonObject(teacherJSON)["teacher"] as? String ?? ""
        let name = configuration.checker(for: drawn)
        guard let tracker = NativeTeachers.make(name, flowScale: configuration.flowScale) else { throw ManifestError.invalid("full-tracker: no native teacher '\(name)'") }
        if input.isRig { return try runRig(input, queries: queries, tracker: tracker, drawn: drawn) }
        let labels = try tracker.track(TeacherClip(id: "clip-\(input.clip.id ?? 0)", grey: input.grey, rgb: nil), queries: queries)
        let object: [String: Any] = ["teacher": tracker.name, "version": tracker.version, "params": tracker.parameters, "checks": drawn]
        let metadata = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        return .done([ArtifactPayload(name: "tracks.check", format: TeacherStage.format,
                                      bytes: TeacherStage.encode(labels, metadata: metadata), metadata: metadata)])
    }

    private func runRig(_ input: StageInput, queries: [TeacherQuery], tracker: Teacher, drawn: String) throws -> StageOutcome {
        let queryViews = try PointsStage.decodeViews(input.artifacts["points"] ?? [])
        let (teacherLabels, _) = try TeacherStage.decode(input.artifacts["tracks"] ?? [])
        let pass = RigFullTracker(fusion: MultiViewTrackFusion(configuration: configuration.fusion), tracker: tracker,
                                  teacher: NativeTeachers.make(drawn))
        let tracks = try pass.run(views: input.views, clipId: "clip-\(input.clip.id ?? 0)", queries: queries, queryViews: queryViews,
                                  teacherLabels: teacherLabels)
        let object: [String: Any] = ["teacher": tracker.name, "version": tracker.version, "params": tracker.parameters, "checks": drawn,
                                     "views": input.views.map(\.name), "with_depth": input.views.filter { $0.depth != nil }.map(\.name)]
        let metadata = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        let labels = RigLabels(tracks: tracks, queryView: queryViews, metadata: ["tracker": metadata])
        return .done([ArtifactPayload(name: "tracks3d", format: RigLabels.format, bytes: labels.encoded(), metadata: metadata)])
    }
}
