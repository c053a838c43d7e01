// `teacher`: tracks the clip's queries (the `points` artifact) with a teacher drawn from
// the ensemble (TeacherEnsemble) by the clip's seeded generator, so a rerun draws the
// same teacher and reproduces every label. Stores `tracks` (format
// `tracks.v1+safetensors`: `tracks` F32 [T, N, 2], `visible` U8 [T, N], `confidence`
// F32 [T, N], `valid` U8 [T, N], queries in the order of `points`), with the draw in the
// artifact's manifest metadata and in the bundle's own metadata (TeacherProvenance). A rig's queries are tracked in their own views (ViewwiseTracking). With `choose: all` every teacher runs and each one's labels are also
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
        let points = try PointsArtifact(decoding: try input.artifact(PointsArtifact.name))
        let queries = points.teacherQueries, queryViews = points.views
        var random = input.random
        let drawn = ensemble.draw(random.unit())
        var artifacts: [ArtifactPayload] = []
        for (index, teacher) in teachers.enumerated() where ensemble.choose == .all || index == drawn {
            let labels = try ViewwiseTracking.track(teacher, views: input.views, clipId: "clip-\(input.clip.id ?? 0)",
                                                    queries: queries, queryViews: queryViews)
            let provenance = Self.provenance(teacher, ensemble: ensemble)
            let bytes = TracksArtifact(labels: labels, provenance: provenance).encoded(), metadata = ProvenanceJSON.text(provenance)
            if index == drawn {
                artifacts.append(ArtifactPayload(name: "tracks", format: TracksArtifact<TeacherProvenance>.format, bytes: bytes, metadata: metadata,
                                                 counts: ArtifactCounters.of(provenance)))
            }
            if ensemble.choose == .all {
                artifacts.append(ArtifactPayload(name: "tracks.\(teacher.name)", format: TracksArtifact<TeacherProvenance>.format, bytes: bytes, metadata: metadata))
            }
        }
        return .done(artifacts)
    }

    static func provenance(_ teacher: Teacher, ensemble: TeacherEnsemble) -> TeacherProvenance {
        TeacherProvenance(teacher: teacher.name, version: teacher.version, params: teacher.parameters,
                          draw: .init(choose: ensemble.choose.rawValue, ensemble: ensemble.members.map(\.name), weights: ensemble.members.map(\.weight)))
    }

}
