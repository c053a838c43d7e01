// The teachers built into the engine, by the name a pipeline or `pseudotrack track` uses.

public enum NativeTeachers {
    public static let names = ["klt-online", "klt-offline", "template", "flow"]

    public static func make(_ name: String) -> Teacher? {
        switch name {
        case "klt-online": return KLTOnlineTeacher()
        case "klt-offline": return KLTOfflineTeacher()
        case "template": return TemplateTeacher()
        case "flow": return FlowTeacher()
        default: return nil
        }
    }
}
