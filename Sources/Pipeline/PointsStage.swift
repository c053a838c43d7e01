// `points`: selects the clip's queries (Features.QuerySelector: SIFT on frames of the
// first quarter, spread, trackability, Shi–Tomasi fallback, or a jittered grid) and
// stores them as the `points` artifact: `queries` F32 [N, 3] (t, x, y in stored pixels),
// `source` U8 [N] (0 sift, 1 shi-tomasi, 2 grid), `sigma`, `orientation`, `response` F32 [N].
// A clip with fewer than `min_points` trackable points is skipped
// ('too-few-trackable-points').

import Features
import Foundation
import Manifest

public struct PointsConfiguration: Sendable, Equatable {
    public var selection = QuerySelectionConfiguration()
    /// Below this many queries the clip is skipped.
    public var minPoints = 32
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["mode", "count", "frames", "first_fraction", "min_distance", "border", "trackability_window",
                     "min_eigenvalue", "corner_window", "min_points"])
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
        let selector = QuerySelector(configuration: configuration.selection)
        let queries = selector.select(frames: input.grey, random: &random)
        let artifact = ArtifactPayload(name: "points", format: "points.v1+safetensors", bytes: Self.encode(queries))
        if queries.count < configuration.minPoints {
            return .skipped(reason: "too-few-trackable-points: \(queries.count) found, \(configuration.minPoints) needed", [artifact])
        }
        return .done([artifact])
    }

    public static func encode(_ queries: [Query]) -> [UInt8] {
        var bundle = TensorBundle()
        let n = queries.count
        bundle.set("queries", queries.flatMap { [Float($0.t), $0.x, $0.y] }, shape: [n, 3])
        bundle.set("source", queries.map { $0.source.rawValue }, shape: [n])
        bundle.set("sigma", queries.map(\.sigma), shape: [n])
        bundle.set("orientation", queries.map(\.orientation), shape: [n])
        bundle.set("response", queries.map(\.response), shape: [n])
        bundle.metadata = ["source_codes": QuerySource.allCases.map { "\($0.rawValue)=\($0.name)" }.joined(separator: ",")]
        return bundle.encoded()
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
