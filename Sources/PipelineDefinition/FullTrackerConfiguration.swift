// The `full_tracker` section: the independent checking tracker and, for rig clips, the
// multi-view fusion settings (Geometry's MultiViewTrackFusionConfiguration documents them).

import Geometry
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
        case "klt-online", "klt-offline", "template": return "flow"
        default: return "klt-offline"
        }
    }
}
