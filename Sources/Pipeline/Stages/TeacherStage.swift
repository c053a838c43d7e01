// `teacher`: tracks the clip's queries (the `points` artifact) with a teacher drawn from
// the ensemble (TeacherEnsemble) by the clip's seeded generator, so a rerun draws the
// same teacher and reproduces every label. Stores `tracks` (format
// `tracks.v1+safetensors`: `tracks` F32 [T, N, 2], `visible` U8 [T, N], `confidence`
// F32 [T, N], `valid` U8 [T, N], queries in the order of `points`), with the draw in the
// artifact's manifest metadata and in the bundle's own metadata (teacher, version,
// params as JSON). A rig's queries are tracked in their own views (ViewwiseTracking). With `choose: all` every teacher runs and each one's labels are also
// stored as `tracks.<name>`, for analysis and for the quality stage's cross-checks.

import Foundation
import Labelling
import Manifest
import PipelineDefinition
import Teachers

public struct TeacherStage: Stage {
    public var interface: StageInterface { .teacher(ensemble) }
    public let ensemble: TeacherEnsemble
    let teachers: [Teacher]

    public init(ensemble: TeacherEnsemble) {
        self.ensemble = ensemble
        teachers = ensemble.makeTeachers()
    }

    /// RGB is decoded when any member may need it (the draw happens after decoding).
    public var needsRGB: Bool { teachers.contains { $0.needsRGB } }

    public func run(_ input: StageInput) throws -> StageOutcome {
        guard let points = input.artifacts["points"] else { throw StageError.artifact(name: "points", message: "missing") }
        let queries = try PointsStage.decode(points).map { TeacherQuery(t: $0.t, x: $0.x, y: $0.y, sigma: $0.sigma) }
        let queryViews = try PointsStage.decodeViews(points)
        var random = input.random
        let drawn = ensemble.draw(random.unit())
        var artifacts: [ArtifactPayload] = []
        for (index, teacher) in teachers.enumerated() where ensemble.choose == .all || index == drawn {
            let labels = try ViewwiseTracking.track(teacher, views: input.views, clipId: "clip-\(input.clip.id ?? 0)",
                                                    queries: queries, queryViews: queryViews)
            let metadata = Self.metadata(teacher, ensemble: ensemble)
            let bytes = Self.encode(labels, metadata: metadata)
            if index == drawn { artifacts.append(ArtifactPayload(name: "tracks", format: Self.format, bytes: bytes, metadata: metadata)) }
            if ensemble.choose == .all {
                artifacts.append(ArtifactPayload(name: "tracks.\(teacher.name)", format: Self.format, bytes: bytes, metadata: metadata))
            }
        }
        return .done(artifacts)
    }

    public static let format = "tracks.v1+safetensors"

    /// {"teacher", "version", "params", "draw": {"choose", "ensemble", "weights"}} as JSON.
    static func metadata(_ teacher: Teacher, ensemble: TeacherEnsemble) -> String {
        let object: [String: Any] = [
            "teacher": teacher.name, "version": teacher.version, "params": teacher.parameters,
            "draw": ["choose": ensemble.choose.rawValue, "ensemble": ensemble.members.map(\.name), "weights": ensemble.members.map(\.weight)],
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    public static func encode(_ labels: TeacherTracks, metadata: String) -> [UInt8] {
        var bundle = TensorBundle()
        let t = labels.frames, n = labels.points
        bundle.set("tracks", labels.tracks, shape: [t, n, 2])
        bundle.set("visible", labels.visible.map { $0 ? UInt8(1) : 0 }, shape: [t, n])
        bundle.set("confidence", labels.confidence, shape: [t, n])
        bundle.set("valid", labels.valid.map { $0 ? UInt8(1) : 0 }, shape: [t, n])
        bundle.metadata = ["teacher": metadata]
        return bundle.encoded()
    }

    /// The labels and the teacher metadata JSON of a `tracks` artifact.
    public static func decode(_ bytes: [UInt8]) throws -> (TeacherTracks, String) {
        let bundle = try TensorBundle(decoding: bytes)
        guard let shape = bundle.shape("tracks"), shape.count == 3 else {
            throw StageError.artifact(name: "tracks", message: "no [T, N, 2] tracks tensor")
        }
        var labels = TeacherTracks(frames: shape[0], points: shape[1])
        labels.tracks = try bundle.floats("tracks")
        labels.visible = try bundle.bytes("visible").map { $0 != 0 }
        labels.confidence = try bundle.floats("confidence")
        labels.valid = try bundle.bytes("valid").map { $0 != 0 }
        return (labels, bundle.metadata["teacher"] ?? "{}")
    }
}
