// Ingest of a rig directory: parses rig.json (RigDescription), hashes and probes every
// view's video, and checks that the views fit together before anything is recorded:
// the same frame count and size in every view, depth for every frame at the video's size,
// one set of extrinsics per frame where they vary. A rig that fails a check is one failed
// source whose error names the file and the cause (kind `rig-invalid`, or the video's own
// error); the rest of the corpus goes on. The rig's identity (its content hash) is the
// SHA-256 of rig.json and of its videos' hashes, in view order; depth files are checked
// for presence and size, not hashed (they can be tens of thousands of files per rig).
// The manifest records one `videos` row per view (with its calibration and depth source)
// and clips over the frames all views share.

import ArrayFiles
import Checksums
import Foundation
import Manifest
import PipelineDefinition
import VideoIO

extension Ingestor {
    func prepareRig(_ directory: String, runId: Int64?) -> IngestedSource {
        let now = Date().timeIntervalSince1970
        func failed(_ kind: String, _ message: String, hash: String? = nil) -> IngestedSource {
            IngestedSource(source: SourceRecord(kind: .rig, uri: directory, sha256: hash, bytes: nil, state: .failed,
                                                errorKind: kind, error: message, runId: runId, ingestedAt: now))
        }
        let rig: RigDescription
        do { rig = try RigDescription(directory: directory, confined: confineRigPaths, maximumCameras: limits.maxRigCameras) } catch {
            return failed("rig-invalid", "\(error)")
        }
        var infos: [VideoInfo] = [], hashes: [String] = [], totalBytes: Int64 = 0, identities: [FileIdentity] = []
        for camera in rig.cameras {
            if let kind = RegularFile.irregularity(camera.video) {
                return failed("unreadable", "\(camera.video): \(kind), not a regular file; only regular files are read [rig \(directory), view \(camera.name)]")
            }
            do {
                let before = FileIdentity(path: camera.video)
                let (hash, bytes) = try Digest.hexOfFile(camera.video)
                guard let before, FileIdentity(path: camera.video) == before, before.bytes == bytes else {
                    return failed("changed-during-ingest", "\(camera.video): the file changed while it was being hashed [rig \(directory), view \(camera.name)]")
                }
                hashes.append(hash); totalBytes += bytes; identities.append(before)
            } catch {
                let exists = FileManager.default.fileExists(atPath: camera.video)
                return failed("unreadable", "\(camera.video): cannot read the file (\(exists ? "permission denied or not a regular file" : "no such file")) [rig \(directory), view \(camera.name)]")
            }
            do { infos.append(try VideoProbe.probe(camera.video)) } catch let error as VideoError {
                return failed(error.kind, "\(error.description) [rig \(directory), view \(camera.name)]")
            } catch {
                return failed("probe-failed", "\(camera.video): \(error)")
            }
        }
        let counts = infos.map(\.frameCount)
        guard Set(counts).count == 1 else {
            return failed("rig-invalid", "\(directory): views have different frame counts: " +
                          zip(rig.cameras, counts).map { "\($0.name) \($1)" }.joined(separator: ", "))
        }
        let sizes = infos.map { "\($0.width)x\($0.height)" }
        guard Set(sizes).count == 1 else {
            return failed("rig-invalid", "\(directory): views have different sizes: " +
                          zip(rig.cameras, sizes).map { "\($0.name) \($1)" }.joined(separator: ", "))
        }
        let frameCount = counts[0], width = infos[0].width, height = infos[0].height
        if let problem = sizeProblem(width: width, height: height, views: rig.cameras.count) {
            return failed("too-large", "\(directory): \(problem)")
        }
        let confinement = rig.confined ? RigPathConfinement(directory: directory) : nil
        for camera in rig.cameras {
            if camera.perFrameExtrinsics && camera.extrinsics.count != frameCount {
                return failed("rig-invalid", "\(directory)/rig.json: view \(camera.name) has \(camera.extrinsics.count) extrinsics for \(frameCount) frames")
            }
            if let depth = camera.depth, let problem = Self.depthProblem(depth, frames: frameCount, width: width, height: height,
                                                                         confinement: confinement) {
                return failed("rig-invalid", "\(problem) [rig \(directory), view \(camera.name)]")
            }
        }
        guard let rigJSON = try? RegularFile.read(directory + "/" + RigDescription.fileName, maximumBytes: RigDescription.maximumFileBytes) else {
            return failed("unreadable", "\(directory)/rig.json: cannot read the file")
        }
        let hash = Digest.hex([UInt8](rigJSON) + Array(hashes.joined(separator: "\n").utf8))
        let planned = ClipPlanner.plan(frameCount: frameCount, contentHash: hash, seed: pipeline.seed, section: pipeline.clips)
        if planned.isEmpty {
            return failed("too-short", "\(directory): \(frameCount) frames per view, fewer than a clip needs (clips.min_length \(pipeline.clips.minLength) at the frame step)", hash: hash)
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var videos: [VideoRecord] = []
            for (index, (camera, info)) in zip(rig.cameras, infos).enumerated() {
                var video = try Self.videoRecord(info, viewIndex: index, viewName: camera.name, path: camera.video, sha256: hashes[index],
                                                 frameRate: rig.fps)
                video.calibration = String(decoding: try encoder.encode(RigCalibration(K: camera.K, extrinsics: camera.extrinsics,
                                                                                      depthUnitMetres: rig.depthUnitMetres)), as: UTF8.self)
                video.fileBytes = identities[index].bytes; video.fileMtimeNs = identities[index].mtimeNs
                video.depth = try camera.depth.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                videos.append(video)
            }
            let clips = clipRecords(planned, width: width, height: height)
            return IngestedSource(source: SourceRecord(kind: .rig, uri: directory, sha256: hash, bytes: totalBytes, state: .ingested,
                                                       runId: runId, ingestedAt: now),
                                  videos: videos, clips: clips)
        } catch {
            return failed("internal", "\(directory): \(error)", hash: hash)
        }
    }

    /// Why a view's depth does not fit its video, if it does not: missing frames, another
    /// size, a file that is not regular or (when `confinement` is given) lies outside the rig.
    static func depthProblem(_ depth: RigDepth, frames: Int, width: Int, height: Int,
                             confinement: RigPathConfinement? = nil) -> String? {
        switch depth.kind {
        case .pngPattern:
            let files: [String]
            do { files = try (0..<frames).map { try depth.file(frame: $0) } } catch { return "\(error)" }
            let missing = files.filter { !FileManager.default.fileExists(atPath: $0) }
            if !missing.isEmpty {
                return "\(missing[0]): depth frame missing (\(missing.count) of \(frames) frames have no depth file)"
            }
            for file in files {
                if let kind = RegularFile.irregularity(file) { return "\(file): \(kind), not a regular file; only regular files are read" }
                if let confinement, let problem = confinement.escape(file, what: "depth") { return problem }
            }
            do {
                let first = try Grey16PNG.read(files[0])
                if first.width != width || first.height != height {
                    return "\(files[0]): depth is \(first.width)x\(first.height), the video is \(width)x\(height)"
                }
            } catch { return "\(error)" }
        case .numpy:
            if let kind = RegularFile.irregularity(depth.path) { return "\(depth.path): \(kind), not a regular file; only regular files are read" }
            if let confinement, let problem = confinement.escape(depth.path, what: "depth") { return problem }
            do {
                let array = try RigDepthFrames.numpyDepth(depth.path)
                guard array.shape.count == 3, array.shape[0] == frames, array.shape[1] == height, array.shape[2] == width else {
                    return "\(depth.path): depth has shape \(array.shape), the video needs [\(frames), \(height), \(width)]"
                }
            } catch { return "\(depth.path): \(error)" }
        }
        return nil
    }
}
