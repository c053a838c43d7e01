// A calibrated multi-camera rig as `rig.json` describes it (Manifests/README.md, "Rigs"):
// `fps`, `depth_unit_m`, and `cameras`, each with a `name`, a `video`, optional `depth`
// (a printf pattern of 16-bit PNGs indexed from frame 0, such as `cam0_depth/%05d.png`,
// in `depth_unit_m` units, or a `.npy`/`.npz` float32 [T, H, W] in metres; 0 = none),
// `K` (3×3, pixels, integer = pixel centre) and `extrinsics_w2c` (3×4 [R|t], X_cam =
// R·X_world + t; one, or one per frame). Relative paths are relative to the rig directory.
// One camera with depth is an RGB-D clip. Parsing checks the structure and each camera's
// calibration; ingest checks the files against it.
//
// A rig directory is often somebody else's: its paths stay inside it (no absolute path,
// no `..`, no symlink leading out, checked after resolving: RigPathConfinement) unless the
// caller opts out, the depth pattern is parsed (DepthFilePattern), never given to
// String(format:), and the camera count is bounded (`maximumCameras`, which a caller may raise).

import Foundation
import Geometry
import PipelineDefinition
import VideoIO

public struct RigDescription: Sendable {
    public struct Camera: Sendable {
        public var name: String
        public var video: String
        public var depth: RigDepth?
        /// 9 values, row-major.
        public var K: [Double]
        /// One 12-value row-major [R|t], or one per frame.
        public var extrinsics: [[Double]]
        public var perFrameExtrinsics: Bool
    }

    public var directory: String
    public var fps: Double?
    public var depthUnitMetres: Double
    public var cameras: [Camera]
    /// Paths are confined to the rig directory (the default).
    public var confined: Bool

    public static let fileName = "rig.json"
    /// Cameras per rig accepted by default: every view is decoded and kept for a whole clip.
    public static let defaultMaximumCameras = InputLimits.defaultMaxRigCameras
    /// rig.json is a small text; a larger one is not a rig description.
    public static let maximumFileBytes = 64 << 20

    public static func isRig(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/" + fileName)
    }

    /// Parses `directory/rig.json`; errors name the file and the field. `confined`: every
    /// path must stay inside `directory`; `maximumCameras`: more cameras are refused.
    public init(directory: String, confined: Bool = true, maximumCameras: Int = RigDescription.defaultMaximumCameras) throws {
        self.directory = directory
        self.confined = confined
        let path = directory + "/" + Self.fileName
        func invalid(_ message: String) -> PipelineError { .invalid(path: path, message: message) }
        let data: Data
        do { data = try RegularFile.read(path, maximumBytes: Self.maximumFileBytes) } catch { throw invalid("\(error)") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw invalid("not a JSON object") }
        if let value = root["fps"], !(value is NSNull) {
            guard let n = value as? NSNumber, type(of: value) != Bool.self, n.doubleValue.isFinite, n.doubleValue > 0, n.doubleValue <= 10_000 else {
                throw invalid("fps must be a positive number of at most 10000")
            }
            fps = n.doubleValue
        } else {
            fps = nil
        }
        if let value = root["depth_unit_m"], !(value is NSNull) {
            guard let n = value as? NSNumber, type(of: value) != Bool.self else { throw invalid("depth_unit_m must be a positive number") }
            depthUnitMetres = n.doubleValue
        } else {
            depthUnitMetres = 0.001
        }
        guard depthUnitMetres > 0, depthUnitMetres.isFinite, depthUnitMetres <= 1000 else { throw invalid("depth_unit_m must be a positive number of at most 1000") }
        guard let list = root["cameras"] as? [[String: Any]], !list.isEmpty else { throw invalid("cameras must be a non-empty list of objects") }
        guard list.count <= maximumCameras else {
            throw invalid("\(list.count) cameras, more than the limit of \(maximumCameras) (raise it with --max-rig-cameras)")
        }
        let confinement = confined ? RigPathConfinement(directory: directory) : nil
        var cameras: [Camera] = []
        for (index, c) in list.enumerated() {
            if let value = c["name"], !(value is NSNull), !(value is String) { throw invalid("camera \(index): name must be text") }
            let name = c["name"] as? String ?? "cam\(index)"
            let place = "camera \(index) (\(name))"
            guard let video = c["video"] as? String, !video.isEmpty else { throw invalid("\(place): video must be a path") }
            if let confinement, let problem = confinement.problem(video, what: "video") { throw invalid("\(place): \(problem)") }
            guard let k = Self.matrix(c["K"], rows: 3, columns: 3) else { throw invalid("\(place): K must be a 3x3 list of finite numbers of magnitude at most 1e6") }
            var extrinsics: [[Double]], perFrame = false
            if let single = Self.matrix(c["extrinsics_w2c"], rows: 3, columns: 4) {
                extrinsics = [single]
            } else if let many = c["extrinsics_w2c"] as? [Any], !many.isEmpty,
                      case let parsed = many.compactMap({ Self.matrix($0, rows: 3, columns: 4) }), parsed.count == many.count {
                extrinsics = parsed; perFrame = true
            } else {
                throw invalid("\(place): extrinsics_w2c must be a 3x4 [R|t] of finite numbers of magnitude at most 1e6, or a list of them, one per frame")
            }
            for (f, e) in extrinsics.enumerated() {
                do { _ = try PinholeCamera(K: k, extrinsics: e) } catch {
                    throw invalid("\(place)\(perFrame ? ", frame \(f)" : ""): \(error)")
                }
            }
            var depth: RigDepth? = nil
            if let d = c["depth"] as? String, !d.isEmpty {
                if let confinement, let problem = confinement.problem(d, what: "depth") { throw invalid("\(place): \(problem)") }
                let lower = d.lowercased()
                if lower.hasSuffix(".npy") || lower.hasSuffix(".npz") {
                    depth = RigDepth(kind: .numpy, path: d.hasPrefix("/") ? d : directory + "/" + d, unitMetres: 1)
                } else if d.contains("%") {
                    do { _ = try DepthFilePattern(d) } catch {
                        throw invalid("\(place): depth pattern '\(d)' \(error)")
                    }
                    // The directory's own name is text, not pattern: its `%` are escaped.
                    let pattern = d.hasPrefix("/") ? d : DepthFilePattern.escaped(directory) + "/" + d
                    depth = RigDepth(kind: .pngPattern, path: pattern, unitMetres: depthUnitMetres)
                } else {
                    throw invalid("\(place): depth must be a printf pattern of PNGs (such as cam0_depth/%05d.png) or a .npy/.npz file")
                }
            } else if c["depth"] != nil && !(c["depth"] is NSNull) && (c["depth"] as? String) == nil {
                throw invalid("\(place): depth must be a string")
            }
            cameras.append(Camera(name: name, video: video.hasPrefix("/") ? video : directory + "/" + video, depth: depth,
                                  K: k, extrinsics: extrinsics, perFrameExtrinsics: perFrame))
        }
        let names = cameras.map(\.name)
        guard Set(names).count == names.count else { throw invalid("camera names must be distinct: \(names)") }
        self.cameras = cameras
    }

    /// No calibration value is larger (pixels for K, metres for t): 1e300 is not a camera,
    /// and would overflow the fused point cloud's arithmetic.
    public static let maximumCalibrationMagnitude = 1e6

    /// Row-major values of a rows×columns nested list of finite numbers of at most
    /// `maximumCalibrationMagnitude`.
    static func matrix(_ value: Any?, rows: Int, columns: Int) -> [Double]? {
        guard let list = value as? [Any], list.count == rows else { return nil }
        var out: [Double] = []
        for row in list {
            guard let r = row as? [Any], r.count == columns else { return nil }
            for v in r {
                guard let n = v as? NSNumber, type(of: v) != Bool.self, n.doubleValue.isFinite,
                      abs(n.doubleValue) <= maximumCalibrationMagnitude else { return nil }
                out.append(n.doubleValue)
            }
        }
        return out
    }
}

/// Where a rig view's depth is, as recorded in the manifest (`videos.depth`).
public struct RigDepth: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case pngPattern = "png", numpy = "npy" }
    public var kind: Kind
    /// The printf pattern (frame index from 0) or the array file, absolute.
    public var path: String
    /// Metres per stored unit.
    public var unitMetres: Double

    enum CodingKeys: String, CodingKey { case kind, path, unitMetres = "unit_m" }

    /// The file of frame `index` of a PNG pattern. The pattern may come from a manifest
    /// written by anyone: it is parsed (DepthFilePattern), and a bad one is an error.
    public func file(frame index: Int) throws -> String {
        do { return try DepthFilePattern(path).file(frame: index) } catch {
            throw VideoError.invalidRequest(path: path, message: "depth pattern \(error)")
        }
    }
}

/// A rig view's calibration, as recorded in the manifest (`videos.calibration`).
public struct RigCalibration: Codable, Sendable, Equatable {
    /// 9 values, row-major, source pixels.
    public var K: [Double]
    /// One 12-value row-major [R|t], or one per source frame.
    public var extrinsics: [[Double]]
    /// The rig's `depth_unit_m`.
    public var depthUnitMetres: Double

    enum CodingKeys: String, CodingKey { case K, extrinsics = "extrinsics_w2c", depthUnitMetres = "depth_unit_m" }

    /// The camera at source frame `index`, for stored pixels (stored = source·scale + offset).
    public func camera(frame index: Int, scaleX: Double, scaleY: Double, offsetX: Double, offsetY: Double) throws -> PinholeCamera {
        let e = extrinsics.count == 1 ? extrinsics[0] : extrinsics[min(index, extrinsics.count - 1)]
        return try PinholeCamera(K: K, extrinsics: e).mappingPixels(scaleX: scaleX, scaleY: scaleY, offsetX: offsetX, offsetY: offsetY)
    }
}
