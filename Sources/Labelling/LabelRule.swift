// The rules of the label filters, by the names their statistics use (LabelFilter's header
// and RigLabelFilter's describe each rule). A label a rule removes becomes "no label".

public enum LabelRule: String, CaseIterable, Sendable {
    case visibility, agreement, appearance, motion, cycle
    case occlusionRefuted = "occlusion-refuted"
    case unbounded
    case occlusionEdge = "occlusion-edge"
    case duplicate
    case shortTrack = "short-track"
    /// Rig clips: a query whose pixel has no smooth depth gets no 3D track.
    case unliftable
}
