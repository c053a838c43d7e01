// A pipeline definition: the YAML file in Pipelines/ that says which stages run and how.
// Every key has a default here, and Pipelines/default.yaml documents them field by field.
// Unknown keys are errors, so a misspelt threshold never silently falls back to its default.

import Checksums
import Foundation
import Yams

public struct PipelineDefinition: Sendable {
    public var version: Int = 1
    public var seed: Int64 = 0
    public var stages: [String] = ["decode-check", "points", "teacher", "full-tracker", "quality", "shards"]
    public var clips = ClipsSection()
    public var decode = DecodeSection()
    public var run = RunSection()
    public var decodeCheck = DecodeCheckConfiguration()
    public var points = PointsConfiguration()
    public var teachers = TeacherEnsemble()
    public var fullTracker = FullTrackerConfiguration()
    public var quality = QualityConfiguration()
    public var shards = ShardsConfiguration()
    /// The exact text the definition was read from, and its SHA-256.
    public var text: String = ""
    public var sha256: String = ""

    public init() {}

    /// Reads a pipeline from YAML. Errors name the file and the offending key.
    /// `maximumBytes`: a larger file is refused unread (InputLimits.maxPipelineBytes).
    public static func load(path: String, maximumBytes: Int = InputLimits().maxPipelineBytes) throws -> PipelineDefinition {
        let text: String
        do {
            guard let decoded = String(data: try RegularFile.read(path, maximumBytes: maximumBytes), encoding: .utf8) else {
                throw PipelineError.invalid(path: path, message: "not UTF-8 text")
            }
            text = decoded
        } catch let error as PipelineError { throw error } catch {
            throw PipelineError.invalid(path: path, message: "\(error)\(error is RegularFile.ReadError && "\(error)".contains("limit") ? " (raise it with --max-pipeline-bytes)" : "")")
        }
        return try parse(text, path: path, maximumBytes: maximumBytes)
    }

    public static func parse(_ text: String, path: String = "<pipeline>", maximumBytes: Int = InputLimits().maxPipelineBytes) throws -> PipelineDefinition {
        guard text.utf8.count <= maximumBytes else {
            throw PipelineError.invalid(path: path, message: "\(text.utf8.count) bytes, more than the limit of \(maximumBytes) for a pipeline (raise it with --max-pipeline-bytes)")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw PipelineError.invalid(path: path, message: "not valid YAML: \(error)")
        }
        var definition = PipelineDefinition()
        definition.text = text
        definition.sha256 = Digest.hex(Array(text.utf8))
        guard let root = node?.mapping else {
            if node == nil { return definition }
            throw PipelineError.invalid(path: path, message: "the top level must be a mapping")
        }
        let reader = YAMLSection(path: path, prefix: "", mapping: root)
        try reader.allow(["version", "seed", "stages", "clips", "decode", "run", "decode_check", "points", "teachers", "teacher", "full_tracker", "quality", "shards"])
        definition.version = try reader.int("version") ?? 1
        guard definition.version == 1 else { throw PipelineError.invalid(path: path, message: "version \(definition.version) is not supported (this engine reads version 1)") }
        definition.seed = Int64(try reader.int("seed") ?? 0)
        if let stages = try reader.strings("stages") { definition.stages = stages }
        if let s = try reader.section("clips") { definition.clips = try ClipsSection(s) }
        if let s = try reader.section("decode") { definition.decode = try DecodeSection(s) }
        if let s = try reader.section("run") { definition.run = try RunSection(s) }
        if let s = try reader.section("decode_check") { definition.decodeCheck = try DecodeCheckConfiguration(s) }
        if let s = try reader.section("points") { definition.points = try PointsConfiguration(s) }
        definition.teachers.members = try TeacherEnsemble.members(reader, key: "teachers")
        if let s = try reader.section("teacher") { try definition.teachers.read(s) }
        if let s = try reader.section("full_tracker") { definition.fullTracker = try FullTrackerConfiguration(s) }
        if let s = try reader.section("quality") { definition.quality = try QualityConfiguration(s) }
        if let s = try reader.section("shards") { definition.shards = try ShardsConfiguration(s) }
        let known = Set(StageInterface.names)
        for stage in definition.stages where !known.contains(stage) {
            throw PipelineError.invalid(path: path, message: "stages: unknown stage '\(stage)' (this engine has: \(StageInterface.names.joined(separator: ", ")))")
        }
        if Set(definition.stages).count != definition.stages.count {
            throw PipelineError.invalid(path: path, message: "stages: a stage is listed twice")
        }
        if let index = definition.stages.firstIndex(of: "shards"), index != definition.stages.count - 1 {
            throw PipelineError.invalid(path: path, message: "stages: 'shards' must be the last stage (a clip is finished when its shard is sealed)")
        }
        var written = Set<String>()
        for name in definition.stages {
            guard let stage = StageInterface.named(name, in: definition) else { continue }   // refused above
            for needed in stage.reads where !written.contains(needed) {
                throw PipelineError.invalid(path: path, message: "stages: '\(name)' reads '\(needed)', which no stage before it writes")
            }
            if stage.optionalReadsRequireOne && written.isDisjoint(with: stage.optionalReads) {
                throw PipelineError.invalid(path: path, message: "stages: '\(name)' reads one of \(stage.optionalReads.joined(separator: ", ")), which no stage before it writes")
            }
            written.formUnion(stage.writes)
        }
        return definition
    }
}

extension PipelineDefinition {
    /// Pipelines/default.yaml, as shipped with the engine (a resource of this module).
    public static func defaultPipeline() throws -> PipelineDefinition {
        guard let url = Bundle.module.url(forResource: "default", withExtension: "yaml") else {
            throw PipelineError.invalid(path: "Pipelines/default.yaml", message: "missing from the installation (PipelineDefinition resources)")
        }
        return try load(path: url.path)
    }
}
