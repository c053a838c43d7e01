// The `points` artifact (format `points.v1+safetensors`), written by the points stage and
// read by every later one: `queries` F32 [N, 3] (t, x, y in stored pixels), `source` U8 [N]
// (0 sift, 1 shi-tomasi, 2 grid), `sigma`, `orientation`, `response` F32 [N], `view` I32 [N]
// (the view each query is in: 0 for a video). Encoded and decoded here only.

import Features
import Teachers

public struct PointsArtifact {
    public static let name = "points"
    public static let format = "points.v1+safetensors"

    public var queries: [Query]
    /// The view of each query (all 0 for a video).
    public var views: [Int]

    public init(queries: [Query], views: [Int]? = nil) {
        self.queries = queries
        self.views = views ?? [Int](repeating: 0, count: queries.count)
    }

    /// The queries as the teachers take them.
    public var teacherQueries: [TeacherQuery] { queries.map { TeacherQuery(t: $0.t, x: $0.x, y: $0.y, sigma: $0.sigma) } }

    public func encoded() -> [UInt8] {
        var bundle = TensorBundle()
        let n = queries.count
        bundle.set("view", views.map { Int32($0) }, shape: [n])
        bundle.set("queries", queries.flatMap { [Float($0.t), $0.x, $0.y] }, shape: [n, 3])
        bundle.set("source", queries.map { $0.source.rawValue }, shape: [n])
        bundle.set("sigma", queries.map(\.sigma), shape: [n])
        bundle.set("orientation", queries.map(\.orientation), shape: [n])
        bundle.set("response", queries.map(\.response), shape: [n])
        bundle.metadata = ["source_codes": QuerySource.allCases.map { "\($0.rawValue)=\($0.name)" }.joined(separator: ",")]
        return bundle.encoded()
    }

    /// Reads the artifact; one written before views existed has every query in view 0.
    public init(decoding bytes: [UInt8]) throws {
        let bundle = try TensorBundle(decoding: bytes)
        let q = try bundle.floats("queries"), source = try bundle.bytes("source")
        let sigma = try bundle.floats("sigma"), orientation = try bundle.floats("orientation"), response = try bundle.floats("response")
        let n = source.count
        guard q.count == 3 * n, sigma.count == n, orientation.count == n, response.count == n else {
            throw StageError.artifact(name: Self.name, message: "queries, source, sigma, orientation and response disagree on N")
        }
        queries = (0..<n).map { i in
            Query(t: Int(q[3 * i]), x: q[3 * i + 1], y: q[3 * i + 2], sigma: sigma[i], orientation: orientation[i],
                  response: response[i], source: QuerySource(rawValue: source[i]) ?? .sift)
        }
        views = bundle.shape("view") == nil ? [Int](repeating: 0, count: n) : try bundle.int32s("view").map(Int.init)
        guard views.count == n else { throw StageError.artifact(name: Self.name, message: "\(views.count) views for \(n) queries") }
    }
}
