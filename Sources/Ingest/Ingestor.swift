// Ingest: registers videos and rigs in the manifest. Each path is a file, a rig directory
// (one holding rig.json: RigIngestion), a directory (searched recursively for video
// extensions and rig directories) or @list.txt (one path per line). Every video is
// hashed (SHA-256 of its content, streamed), probed, and cut into clips; bad files are
// recorded as failed with their cause and the rest go on. Work is done two files at a
// time and written in batched transactions, so thousands of files ingest quickly.

import Checksums
import Foundation
import Manifest
import PipelineDefinition
import VideoIO

public struct IngestSummary: Codable, Sendable {
    /// Sources ingested (videos and rigs), and how many of them are rigs.
    public var ingested = 0
    public var rigs = 0
    public var clips = 0
    public var duplicates: [Duplicate] = []
    public var alreadyIngested = 0
    public var failed: [Failure] = []

    public struct Duplicate: Codable, Sendable { public var path: String; public var duplicateOf: String }
    public struct Failure: Codable, Sendable { public var path: String; public var kind: String; public var error: String }

    enum CodingKeys: String, CodingKey {
        case ingested, rigs, clips, duplicates, alreadyIngested = "already_ingested", failed
    }
}

public struct Ingestor {
    public static let videoExtensions: Set<String> = [
        "mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts", "m2ts", "flv", "wmv",
        "ogv", "3gp", "y4m", "mxf", "vob", "gif",
    ]

    public let manifest: ManifestDatabase
    public let pipeline: PipelineDefinition
    public var batchSize = 64
    /// Rig paths must stay inside their rig directory (RigPathConfinement).
    public var confineRigPaths = true
    public var limits = InputLimits()

    public init(manifest: ManifestDatabase, pipeline: PipelineDefinition) {
        self.manifest = manifest
        self.pipeline = pipeline
    }

    /// A list file of a million paths is 100 MB at most; a larger one is not a list.
    public static let maximumListBytes = 256 << 20

    /// Expands files, directories and @lists into video file paths (absolute, sorted per
    /// directory). Paths that do not exist are returned as they are, to be recorded failed.
    public static func expand(_ arguments: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for argument in arguments {
            if argument.hasPrefix("@") {
                let listPath = String(argument.dropFirst())
                let text: String
                do { text = String(decoding: try RegularFile.read(listPath, maximumBytes: maximumListBytes), as: UTF8.self) } catch {
                    throw PipelineError.invalid(path: listPath, message: "cannot read the list file: \(error)")
                }
                let base = URL(fileURLWithPath: listPath).deletingLastPathComponent()
                let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty && !$0.hasPrefix("#") }
                out += try expand(lines.map { $0.hasPrefix("/") ? $0 : base.appendingPathComponent($0).path })
                continue
            }
            let absolute = URL(fileURLWithPath: argument).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue {
                if RigDescription.isRig(absolute) { out.append(absolute); continue }
                var found: [String] = []
                if let walker = fm.enumerator(atPath: absolute) {
                    for case let relative as String in walker {
                        let path = absolute + "/" + relative
                        if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory, RigDescription.isRig(path) {
                            found.append(path)
                            walker.skipDescendants()
                            continue
                        }
                        let ext = (relative as NSString).pathExtension.lowercased()
                        if videoExtensions.contains(ext) { found.append(path) }
                    }
                }
                out += found.sorted()
            } else {
                out.append(absolute)
            }
        }
        return out
    }

    /// Ingests `paths` (already expanded) and returns what happened to each.
    public func ingest(_ paths: [String], runId: Int64?, progress: ((Int, Int) -> Void)? = nil) throws -> IngestSummary {
        var summary = IngestSummary()
        var done = 0
        for batchStart in stride(from: 0, to: paths.count, by: batchSize) {
            let batch = Array(paths[batchStart..<min(paths.count, batchStart + batchSize)])
            var prepared = [IngestedSource?](repeating: nil, count: batch.count)
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: batch.count) { i in
                let item = prepare(batch[i], runId: runId)
                lock.lock(); prepared[i] = item; lock.unlock()
            }
            let items = prepared.map { $0! }
            let outcomes = try manifest.record(items, stages: pipeline.stages, maxAttempts: pipeline.run.maxAttempts)
            for (item, outcome) in zip(items, outcomes) {
                switch outcome {
                case .ingested(let clips):
                    summary.ingested += 1; summary.clips += clips
                    if item.source.kind == .rig { summary.rigs += 1 }
                case .duplicate(let of): summary.duplicates.append(.init(path: item.source.uri, duplicateOf: of))
                case .alreadyIngested: summary.alreadyIngested += 1
                case .failed(let error):
                    summary.failed.append(.init(path: item.source.uri, kind: item.source.errorKind ?? "failed", error: error))
                }
            }
            done += batch.count
            progress?(done, paths.count)
        }
        return summary
    }

    /// Hashes, probes and cuts one file. Never throws: a bad file becomes a failed source.
    func prepare(_ path: String, runId: Int64?) -> IngestedSource {
        if RigDescription.isRig(path) { return prepareRig(path, runId: runId) }
        let now = Date().timeIntervalSince1970
        func failed(_ kind: String, _ message: String, hash: String? = nil, bytes: Int64? = nil) -> IngestedSource {
            IngestedSource(source: SourceRecord(kind: .video, uri: path, sha256: hash, bytes: bytes, state: .failed,
                                                errorKind: kind, error: message, runId: runId, ingestedAt: now))
        }
        if let kind = RegularFile.irregularity(path) {
            return failed("unreadable", "\(path): \(kind), not a regular file; only regular files are read")
        }
        let hash: String, bytes: Int64
        let identity = FileIdentity(path: path)
        do { (hash, bytes) = try Digest.hexOfFile(path) } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            return failed("unreadable", "\(path): cannot read the file (\(exists ? "permission denied or not a regular file" : "no such file"))")
        }
        guard let identity, FileIdentity(path: path) == identity, identity.bytes == bytes else {
            return failed("changed-during-ingest", "\(path): the file changed while it was being hashed; ingest it again when it is complete")
        }
        let info: VideoInfo
        do { info = try VideoProbe.probe(path) } catch let error as VideoError {
            return failed(error.kind, error.description, hash: hash, bytes: bytes)
        } catch {
            return failed("probe-failed", "\(path): \(error)", hash: hash, bytes: bytes)
        }
        if let problem = sizeProblem(width: info.width, height: info.height, views: 1) {
            return failed("too-large", "\(path): \(problem)", hash: hash, bytes: bytes)
        }
        let planned = ClipPlanner.plan(frameCount: info.frameCount, contentHash: hash, seed: pipeline.seed, section: pipeline.clips)
        if planned.isEmpty {
            return failed("too-short", "\(path): \(info.frameCount) frames, fewer than a clip needs (clips.min_length \(pipeline.clips.minLength) at the frame step)",
                          hash: hash, bytes: bytes)
        }
        do {
            var video = try Self.videoRecord(info, viewIndex: 0, viewName: "main", path: path, sha256: hash)
            video.fileBytes = identity.bytes; video.fileMtimeNs = identity.mtimeNs
            let clips = clipRecords(planned, width: info.width, height: info.height)
            return IngestedSource(source: SourceRecord(kind: .video, uri: path, sha256: hash, bytes: bytes, state: .ingested,
                                                       runId: runId, ingestedAt: now),
                                  videos: [video], clips: clips)
        } catch {
            return failed("internal", "\(path): \(error)", hash: hash, bytes: bytes)
        }
    }

    /// Why frames of `width × height` in `views` views cost more than the limits allow, or nil.
    func sizeProblem(width: Int, height: Int, views: Int) -> String? {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > limits.maxPixelsPerFrame {
            return "frames of \(width)x\(height) exceed the limit of \(limits.maxPixelsPerFrame) pixels per frame (raise it with --max-pixels)"
        }
        let geometry = pipeline.clips.geometry(width: width, height: height)
        let bytes = InputLimits.clipBytes(width: geometry.width, height: geometry.height, frames: pipeline.clips.length, views: views)
        if bytes > limits.maxClipBytes {
            return "a clip of \(pipeline.clips.length) frames of \(geometry.width)x\(geometry.height) in \(views) view(s) needs \(bytes) bytes in memory, more than the limit of \(limits.maxClipBytes) (raise it with --max-clip-bytes, or store smaller frames: clips.resolution)"
        }
        return nil
    }

    /// The manifest row of a probed video, as view `viewIndex` of its source.
    static func videoRecord(_ info: VideoInfo, viewIndex: Int, viewName: String, path: String, sha256: String,
                            frameRate: Double? = nil) throws -> VideoRecord {
        try VideoRecord(sourceId: 0, viewIndex: viewIndex, viewName: viewName, path: path, sha256: sha256,
                        container: info.container, codec: info.codec, pixelFormat: info.pixelFormat,
                        codedWidth: info.codedWidth, codedHeight: info.codedHeight, width: info.width,
                        height: info.height, frameRate: frameRate ?? info.frameRate, frameCount: info.frameCount,
                        containerFrameCount: info.containerFrameCount, duration: info.duration,
                        rotation: info.rotation, variableFrameRate: info.variableFrameRate,
                        timeBaseNum: info.timeBaseNumerator, timeBaseDen: info.timeBaseDenominator,
                        timestamps: info.frameTimestamps)
    }

    /// The clip rows of `planned` clips of frames `width × height`, at the pipeline's stored geometry.
    func clipRecords(_ planned: [PlannedClip], width: Int, height: Int) -> [ClipRecord] {
        let geometry = pipeline.clips.geometry(width: width, height: height)
        let geometryJSON = String(decoding: try! JSONEncoder().encode(geometry), as: UTF8.self)
        return planned.map { p in
            ClipRecord(sourceId: 0, clipIndex: p.index, frameStep: p.frameStep, frames: p.frames,
                       geometryJSON: geometryJSON, storedWidth: geometry.width, storedHeight: geometry.height,
                       scaleX: geometry.scaleX, scaleY: geometry.scaleY, offsetX: geometry.offsetX,
                       offsetY: geometry.offsetY, seed: p.seed)
        }
    }
}
