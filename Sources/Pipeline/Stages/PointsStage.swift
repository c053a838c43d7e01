// `points`: selects the clip's queries (Features.QuerySelector: SIFT on frames of the
// first quarter, spread, trackability, Shi–Tomasi fallback, or a jittered grid) and
// stores them as the `points` artifact: `queries` F32 [N, 3] (t, x, y in stored pixels),
// `source` U8 [N] (0 sift, 1 shi-tomasi, 2 grid), `sigma`, `orientation`, `response` F32 [N],
// `view` I32 [N] (the view each query is in: 0 for a video). A rig's queries are selected in
// every view (`views: all`, the default; `count` is split evenly between them) or in one
// named reference view. A clip with fewer than `min_points` trackable points is skipped
// ('too-few-trackable-points'). A video's queries go first to what moves apart from the
// scene (`moving_min_distance`); a rig's do not.

import Features
import Foundation
import Manifest
import PipelineDefinition
import Teachers

public struct PointsStage: Stage {
    public var interface: StageInterface { .points }
    public let needsRGB = false
    public let configuration: PointsConfiguration

    public init(configuration: PointsConfiguration) { self.configuration = configuration }

    public func run(_ input: StageInput) throws -> StageOutcome {
        var random = input.random
        var chosen = Array(input.views.indices)
        if let name = configuration.referenceView, input.views.count > 1 {
            guard let index = input.views.firstIndex(where: { $0.name == name }) else {
                throw StageError.configuration(key: "points.views", message: "the rig has no view '\(name)' (views: \(input.views.map(\.name).joined(separator: ", ")))")
            }
            chosen = [index]
        }
        var selection = configuration.selection
        selection.count = (selection.count + chosen.count - 1) / chosen.count
        // A rig's queries are spread over its views as before, not taken first on what
        // moves: its 3D labels need points that other views find again, and without depth
        // a moving object's points rarely are (a four-view test rig kept 5 tracks with the
        // preference, 128 without; RigPipelineTests).
        if input.views.count > 1 { selection.movingMinDistance = 0 }
        let selector = QuerySelector(configuration: selection)
        var queries: [Query] = [], views: [Int] = []
        for v in chosen {
            let grey = input.views[v].grey
            let found = selector.select(frames: grey, random: &random, motion: LucasKanadeFrameMotion(frames: grey))
            queries += found
            views += [Int](repeating: v, count: found.count)
        }
        let artifact = ArtifactPayload(name: PointsArtifact.name, format: PointsArtifact.format, bytes: PointsArtifact(queries: queries, views: views).encoded())
        if queries.count < configuration.minPoints {
            return .skipped(reason: "too-few-trackable-points: \(queries.count) found, \(configuration.minPoints) needed", [artifact])
        }
        return .done([artifact])
    }

}
