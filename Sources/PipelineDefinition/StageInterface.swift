// The stages this engine has, by name, with the artifacts each reads and writes, as data.
// A pipeline's `stages` list is checked against them when it is read (every artifact a
// stage reads is written by a stage before it), and the worker fetches exactly these
// artifacts for a stage (Pipeline's Stage carries its interface).

public struct StageInterface: Sendable, Equatable {
    /// The name used in the pipeline's `stages` list and in the manifest.
    public var name: String
    /// Names of the artifacts of earlier stages this stage reads.
    public var reads: [String]
    /// Names of artifacts of earlier stages read when the clip has them (a video's and a
    /// rig's clips get different ones). When `optionalReadsRequireOne`, an earlier stage
    /// must write at least one of them.
    public var optionalReads: [String] = []
    public var optionalReadsRequireOne = false
    /// Names of the artifacts this stage writes (a stage may write some for some clips only).
    public var writes: [String]

    public init(name: String, reads: [String], optionalReads: [String] = [], optionalReadsRequireOne: Bool = false, writes: [String]) {
        self.name = name; self.reads = reads; self.optionalReads = optionalReads
        self.optionalReadsRequireOne = optionalReadsRequireOne; self.writes = writes
    }

    /// The stages of this engine, in the order a pipeline lists them.
    public static let names = ["decode-check", "points", "teacher", "full-tracker", "quality", "shards"]

    public static let decodeCheck = StageInterface(name: "decode-check", reads: [], writes: ["decode-check"])
    public static let points = StageInterface(name: "points", reads: [], writes: ["points"])
    /// `tracks` (the drawn teacher's labels), and with `teacher.choose: all` every member's as `tracks.NAME`.
    public static func teacher(_ ensemble: TeacherEnsemble) -> StageInterface {
        StageInterface(name: "teacher", reads: ["points"],
                       writes: ensemble.choose == .all ? ["tracks"] + ensemble.members.map { "tracks.\($0.name)" } : ["tracks"])
    }
    public static let fullTracker = StageInterface(name: "full-tracker", reads: ["points", "tracks"], writes: ["tracks.check", "tracks3d"])
    public static let quality = StageInterface(name: "quality", reads: ["points", "tracks"], optionalReads: ["tracks.check", "tracks3d"],
                                               optionalReadsRequireOne: true, writes: ["labels"])
    /// `filtered`: the labels come from the `quality` stage (`labels`), else from the teacher (`tracks`, `tracks3d`).
    public static func shards(filtered: Bool) -> StageInterface {
        StageInterface(name: "shards", reads: filtered ? ["points", "labels"] : ["points", "tracks"],
                       optionalReads: filtered ? [] : ["tracks3d"], writes: [])
    }

    /// The interface of the stage `name` as `pipeline` configures it; nil for a stage this engine does not have.
    public static func named(_ name: String, in pipeline: PipelineDefinition) -> StageInterface? {
        switch name {
        case "decode-check": return .decodeCheck
        case "points": return .points
        case "teacher": return .teacher(pipeline.teachers)
        case "full-tracker": return .fullTracker
        case "quality": return .quality
        case "shards": return .shards(filtered: pipeline.stages.contains("quality"))
        default: return nil
        }
    }
}
