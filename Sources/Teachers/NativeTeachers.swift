// The teachers built into the engine, by the name a pipeline or `pseudotrack track` uses.

public enum NativeTeachers {
    public static let names = ["klt-online", "klt-offline", "template", "flow"]

    /// The teacher called `name`; `flowScale`, when given, is the finest DIS scale of
    /// `flow` (its default is 1; 2 takes about a third of the time).
    public static func make(_ name: String, flowScale: Int? = nil) -> Teacher? {
        switch name {
        case "klt-online": return KLTOnlineTeacher()
        case "klt-offline": return KLTOfflineTeacher()
        case "template": return TemplateTeacher()
        case "flow":
            var dis = DISConfiguration()
            if let flowScale { dis.finestScale = flowScale }
            return FlowTeacher(dis: DISOpticalFlow(configuration: dis))
        default: return nil
        }
    }
}
