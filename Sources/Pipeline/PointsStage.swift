// `points`: selects the clip's queries (Features.QuerySelector: SIFT on frames of the
// first quarter, spread, trackability, Shi–Tomasi fallback, or a jittered grid) and
// stores them as the `points` artifact: `queries` F32 [N, 3] (t, x, y in stored pixels),
// `source` U8 [N] (0 sift, 1 shi-tomasi, 2 grid), `sigma`, `orientation`, `response` F32 [N],
// `view` I32 [N] (the view each query is in: 0 for a video). A rig's queries are selected in
// every view (`views: all`, the default; `count` is split evenly between them) or in one
// named reference view. A clip with fewer than `min_points` trackable points is skipped
// ('too-few-trackable-points').

import Features
import Foundation
import Manifest
import Teachers

public struct PointsConfiguration: Sendable, Equatable {
    public var selection = QuerySelectionConfiguration()
    /// Below this many queries the clip is skipped.
    public var minPoints = 32
    /// A rig's views to select queries in: nil for all, or one view's name.
    public var referenceView: String?
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["mode", "count", "frames", "first_fraction", "min_distance", "border", "trackability_window",
                     "min_eigenvalue", "corner_window", "min_points", "views"])
        if let views = try s.string("views"), views != "all" { referenceView = views }
        if let mode = try s.string("mode") {
            guard let m = QuerySelectionConfiguration.Mode(rawValue: mode) else { throw s.error("mode", "must be sift or grid") }
            selection.mode = m
        }
        selection.count = try s.int("count", atLeast: 1) ?? selection.count
        selection.frames = try s.int("frames", atLeast: 1) ?? selection.frames
        if let f = try s.double("first_fraction", atLeast: 0) {
            guard f > 0 && f <= 1 else { throw s.error("first_fraction", "must be in (0, 1]") }
            selection.firstFraction = f
        }
        selection.minDistance = Float(try s.double("min_distance", atLeast: 0) ?? Double(selection.minDistance))
        selection.border = try s.int("border", atLeast: 0) ?? selection.border
        if let window = try s.int("trackability_window", atLeast: 3) {
            guard window % 2 == 1 else { throw s.error("trackability_window", "must be odd") }
            selection.trackabilityRadius = window / 2
        }
        if let window = try s.int("corner_window", atLeast: 3) {
            guard window % 2 == 1 else { throw s.error("corner_window", "must be odd") }
            selection.cornerRadius = window / 2
        }
        selection.minEigenvalue = Float(try s.double("min_eigenvalue", atLeast: 0) ?? Double(selection.minEigenvalue))
        minPoints = try s.int("min_points", atLeast: 1) ?? minPoints
    }
}

public struct PointsStage: Stage {
    public let name = "points"
    public let reads: [String] = []
    public let writes = ["points"]
    public let needsRGB = false
    public let configuration: PointsConfiguration

    public init(configuration: PointsConfiguration) { self.configuration = configuration }

    public func run(_ input: StageInput) throws -> StageOutcome {
        var random = input.random
        var chosen = Array(input.views.indices)
        if let name = configuration.referenceView, input.views.count > 1 {
            guard let index = input.views.firstIndex(where: { $0.name == name }) else {
                throw PipelineError.invalid(path: "<pipeline>", message: "points.views: the rig has no view '\(name)' (views: \(input.views.map(\.name).joined(separator: ", ")))")
            }
            chosen = [index]
        }
        var selection = configuration.selection
        selection.count = (selection.count + chosen.count - 1) / chosen.count
        let selector = QuerySelector(configuration: selection)
        var queries: [Query] = [], views: [Int] = []
        for v in chosen {
            let grey = input.views[v].grey
            let found = selector.select(frames: grey, random: &random, motion: LucasKanadeFrameMotion(frames: grey))
            queries += found
            views += [Int](repeating: v, count: found.count)
        }
        let artifact = ArtifactPayload(name: "points", format: "points.v1+safetensors", bytes: Self.encode(queries, views: views))
        if queries.count < configuration.minPoints {
            return .skipped(reason: "too-few-trackable-points: \(queries.count) found, \(configuration.minPoints) needed", [artifact])
        }
        return .done([artifact])
    }

    public static func encode(_ queries: [Query], views: [Int]? = nil) -> [UInt8] {
        var bundle = TensorBundle()
        let n = queries.count
        bundle.set("view", (views ?? [Int](repeating: 0, count: n)).map { Int32($0) }, shape: [n])
        bundle.set("queries", queries.flatMap { [Float($0.t), $0.x, $0.y] }, shape: [n, 3])
        bundle.set("source", queries.map { $0.source.rawValue }, shape: [n])
        bundle.set("sigma", queries.map(\.sigma), shape: [n])
        bundle.set("orientation", queries.map(\.orientation), shape: [n])
        bundle.set("response", queries.map(\.response), shape: [n])
        bundle.metadata = ["source_codes": QuerySource.allCases.map { "\($0.rawValue)=\($0.name)" }.joined(separator: ",")]
        return bundle.encoded()
    }

    /// The view of each query (all 0 for a video, and in artifacts written before views existed).
    public static func decodeViews(_ bytes: [UInt8]) throws -> [Int] {
        let bundle = try TensorBundle(decoding: bytes)
        if bundle.shape("view") == nil { return [Int](repeating: 0, count: try bundle.bytes("source").count) }
        return try bundle.int32s("view").map(Int.init)
    }

    public static func decode(_ bytes: [UInt8]) throws -> [Query] {
        let bundle = try TensorBundle(decoding: bytes)
        let q = try bundle.floats("queries"), source = try bundle.bytes("source")
        let sigma = try bundle.floats("sigma"), orientation = try bundle.floats("orientation"), response = try bundle.floats("response")
        return (0..<source.count).map { i in
            Query(t: Int(q[3 * i]), x: q[3 * i + 1], y: q[3 * i + 2], sigma: sigma[i], orientation: orientation[i],
                  response: response[i], source: QuerySource(rawValue: source[i]) ?? .sift)
        }
    }
}
