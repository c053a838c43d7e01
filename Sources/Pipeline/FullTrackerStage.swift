// `full-tracker` (monocular clips): tracks the clip's queries again with an independent
// tracker, whose labels (`tracks.check`, the `tracks` format) are the evidence the
// `quality` stage weighs the drawn teacher's labels against. Independence is what makes
// the check worth having: two trackers of one family fail together. `tracker: auto`
// therefore picks a native teacher of another family than the one drawn: `flow` (dense
// DIS optical flow) checks the Lucas–Kanade teachers, `klt-offline` checks `template`,
// `flow` and external teachers. (Measured on the layers sequences, `template` as the
// checker cost a third of the recall for no gain in precision: it loses points under
// rotation and scale change.)

import Foundation
import Manifest
import Teachers

public struct FullTrackerConfiguration: Sendable, Equatable {
    /// `auto`, or the name of a native teacher.
    public var tracker = "auto"
    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["tracker"])
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
    public let writes = ["tracks.check"]
    public let needsRGB = false
    public let configuration: FullTrackerConfiguration

    public init(configuration: FullTrackerConfiguration) { self.configuration = configuration }

    public func run(_ input: StageInput) throws -> StageOutcome {
        let queries = try PointsStage.decode(input.artifacts["points"] ?? []).map { TeacherQuery(t: $0.t, x: $0.x, y: $0.y, sigma: $0.sigma) }
        let (_, teacherJSON) = try TeacherStage.decode(input.artifacts["tracks"] ?? [])
        let drawn = jsonObject(teacherJSON)["teacher"] as? String ?? ""
        let name = configuration.checker(for: drawn)
        guard let tracker = NativeTeachers.make(name) else { throw ManifestError.invalid("full-tracker: no native teacher '\(name)'") }
        let labels = try tracker.track(TeacherClip(id: "clip-\(input.clip.id ?? 0)", grey: input.grey, rgb: nil), queries: queries)
        let object: [String: Any] = ["teacher": tracker.name, "version": tracker.version, "params": tracker.parameters, "checks": drawn]
        let metadata = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        return .done([ArtifactPayload(name: "tracks.check", format: TeacherStage.format,
                                      bytes: TeacherStage.encode(labels, metadata: metadata), metadata: metadata)])
    }
}
