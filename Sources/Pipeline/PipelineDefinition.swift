// A pipeline definition: the YAML file in Pipelines/ that says which stages run and how.
// Every key has a default here, and Pipelines/default.yaml documents them field by field.
// Unknown keys are errors, so a misspelt threshold never silently falls back to its default.

import Checksums
import Foundation
import VideoIO
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
        let known = Set(StageCatalog.names)
        for stage in definition.stages where !known.contains(stage) {
            throw PipelineError.invalid(path: path, message: "stages: unknown stage '\(stage)' (this engine has: \(StageCatalog.names.joined(separator: ", ")))")
        }
        if Set(definition.stages).count != definition.stages.count {
            throw PipelineError.invalid(path: path, message: "stages: a stage is listed twice")
        }
        if let index = definition.stages.firstIndex(of: "shards"), index != definition.stages.count - 1 {
            throw PipelineError.invalid(path: path, message: "stages: 'shards' must be the last stage (a clip is finished when its shard is sealed)")
        }
        var written = Set<String>()
        for name in definition.stages {
            let stage = try StageCatalog.make(name, pipeline: definition)
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

public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, message: String)
    public var description: String {
        switch self { case .invalid(let path, let message): return "\(path): \(message)" }
    }
}

/// How clips are cut from a video.
public struct ClipsSection: Sendable, Equatable {
    public enum Step: Sendable, Equatable { case fixed(Int), range(Int, Int) }
    public enum Resolution: Sendable, Equatable {
        case native
        case maxSide(Int)
        case crop(width: Int, height: Int)
        case fit(width: Int, height: Int)
    }
    /// Frames per clip (T).
    public var length = 48
    /// Source frames between clip starts; nil = each clip starts where the last one ended.
    public var stride: Int? = nil
    /// Source frames between consecutive clip frames: fixed, or drawn per clip.
    public var frameStep: Step = .fixed(1)
    /// At most this many clips per video; nil = no limit.
    public var maxPerVideo: Int? = nil
    /// A shorter last clip is kept when it has at least this many frames.
    public var minLength = 24
    public var resolution: Resolution = .maxSide(512)

    public init() {}

    init(_ s: YAMLSection) throws {
        try s.allow(["length", "stride", "frame_step", "max_per_video", "min_length", "resolution"])
        length = try s.int("length", atLeast: 2) ?? length
        if s.isText("stride", "auto") { stride = nil } else { stride = try s.int("stride", atLeast: 1) }
        if let range = try s.section("frame_step", scalarAllowed: true) {
            try range.allow(["min", "max"])
            guard let lo = try range.int("min", atLeast: 1), let hi = try range.int("max", atLeast: 1), lo <= hi else {
                throw s.error("frame_step", "a range needs min and max with 1 <= min <= max")
            }
            frameStep = lo == hi ? .fixed(lo) : .range(lo, hi)
        } else if let step = try s.int("frame_step", atLeast: 1) {
            frameStep = .fixed(step)
        }
        maxPerVideo = try s.int("max_per_video", atLeast: 0).flatMap { $0 == 0 ? nil : $0 }
        minLength = try s.int("min_length", atLeast: 2) ?? min(minLength, length)
        guard minLength <= length else { throw s.error("min_length", "must not exceed length (\(length))") }
        if let r = try s.section("resolution") {
            try r.allow(["mode", "max_side", "width", "height"])
            let mode = try r.string("mode") ?? "max_side"
            switch mode {
            case "native": resolution = .native
            case "max_side": resolution = .maxSide(try r.int("max_side", atLeast: 16) ?? 512)
            case "crop", "fit":
                guard let w = try r.int("width", atLeast: 16), let h = try r.int("height", atLeast: 16) else {
                    throw r.error("mode", "\(mode) needs width and height")
                }
                guard w % 2 == 0 && h % 2 == 0 else { throw r.error("width", "width and height must be even (the clips are stored as yuv420p video)") }
                resolution = mode == "crop" ? .crop(width: w, height: h) : .fit(width: w, height: h)
            default: throw r.error("mode", "must be native, max_side, crop or fit")
            }
        }
    }

    /// The stored geometry of a video with this displayed size.
    public func geometry(width: Int, height: Int) -> FrameGeometry {
        switch resolution {
        case .native: return .native(width: width, height: height)
        case .maxSide(let m): return .fitting(maxSide: m, width: width, height: height)
        case .crop(let w, let h): return .cropping(to: w, h, width: width, height: height)
        case .fit(let w, let h): return .fitting(in: w, h, width: width, height: height)
        }
    }
}

/// Decoder settings.
public struct DecodeSection: Sendable, Equatable {
    /// Decoder threads per worker; 0 = FFmpeg chooses.
    public var threads = 1
    public init() {}
    init(_ s: YAMLSection) throws {
        try s.allow(["threads"])
        threads = try s.int("threads", atLeast: 0) ?? threads
    }
}

/// How workers share the manifest.
public struct RunSection: Sendable, Equatable {
    /// A claim expires this long after its last renewal (renewed every third of it).
    public var leaseSeconds = 60.0
    /// Attempts before a task ends failed.
    public var maxAttempts = 3
    public init() {}
    init(_ s: YAMLSection) throws {
        try s.allow(["lease_seconds", "max_attempts"])
        leaseSeconds = try s.double("lease_seconds", atLeast: 1) ?? leaseSeconds
        maxAttempts = try s.int("max_attempts", atLeast: 1) ?? maxAttempts
    }
}

extension PipelineDefinition {
    /// Pipelines/default.yaml, as shipped with the engine (a resource of this module).
    public static func defaultPipeline() throws -> PipelineDefinition {
        guard let url = Bundle.module.url(forResource: "default", withExtension: "yaml") else {
            throw PipelineError.invalid(path: "Pipelines/default.yaml", message: "missing from the installation (Pipeline resources)")
        }
        return try load(path: url.path)
    }
}
