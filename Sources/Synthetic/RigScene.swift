// A calibrated multi-camera RGB-D scene with exact 3D ground truth, by ray casting: a
// textured ground plane (z = 0) and a textured sphere and box that move rigidly (the box
// also turns), seen by `views` static cameras on a circle around the scene. Each view's
// frames come with exact depth (camera z, metres); the surface point under any pixel is
// known in the object's own coordinates, so its world position in every frame, and its
// visibility in every view (a depth test against the rendered depth), are exact too.
// `write` lays the scene out as a rig directory (rig.json, H.264 videos, 16-bit
// millimetre depth PNGs) that `pseudotrack ingest` reads.

import Foundation
import Geometry
import Imaging
import VideoIO

public struct RigScene: Sendable {
    public var width = 160
    public var height = 120
    public var frameCount = 16
    public var views = 3
    public var seed: UInt64 = 1
    /// World units per texture pixel on the ground.
    public var groundTexel = 0.006
    public var fps = 24
    /// The arc (radians) the cameras are spread over: a full circle, or a narrower one for
    /// a rig whose views overlap closely (stereo pairs, domes).
    public var spread = 2 * Double.pi

    public init() {}

    enum Object: Int { case ground = 0, sphere = 1, box = 2 }
    let sphereRadius = 0.35
    let boxHalf = SIMD3<Double>(0.28, 0.22, 0.2)

    /// The object's pose at frame t: world = R·local + centre.
    func pose(_ object: Object, _ t: Int) -> (R: Matrix3, centre: SIMD3<Double>) {
        let s = Double(t)
        switch object {
        case .ground: return (.identity, .zero)
        case .sphere: return (Self.rotationZ(0.03 * s), SIMD3(-0.5 + 0.045 * s, 0.35, sphereRadius))
        case .box: return (Self.rotationZ(0.05 * s), SIMD3(0.55 - 0.03 * s, -0.35 + 0.02 * s, boxHalf.z))
        }
    }

    static func rotationZ(_ a: Double) -> Matrix3 {
        Matrix3(rows: SIMD3(cos(a), -sin(a), 0), SIMD3(sin(a), cos(a), 0), SIMD3(0, 0, 1))
    }

    /// The cameras, on a circle of radius 3 at height 2 (over `spread`), looking at (0, 0, 0.2).
    public func cameras() -> [PinholeCamera] {
        (0..<views).map { v in
            let step = spread >= 2 * Double.pi - 1e-9 ? spread / Double(views) : spread / Double(max(1, views - 1))
            let angle = step * Double(v) + 0.3
            let eye = SIMD3(3 * cos(angle), 3 * sin(angle), 2.0)
            let forward = normalize(SIMD3(0, 0, 0.2) - eye)
            let right = normalize(Matrix3.cross(forward, SIMD3(0, 0, 1)))
            let down = Matrix3.cross(forward, right)
            let R = Matrix3(rows: right, down, forward)
            let t = -(R * eye)
            let f = 1.1 * Double(width)
            let K = [f, 0, Double(width - 1) / 2, 0, f, Double(height - 1) / 2, 0, 0, 1]
            let r = R.rowMajor
            return try! PinholeCamera(K: K, extrinsics: [r[0], r[1], r[2], t.x, r[3], r[4], r[5], t.y, r[6], r[7], r[8], t.z])
        }
    }

    func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / (v * v).sum().squareRoot() }

    /// The nearest surface along a ray at frame t: distance, object, local point.
    func cast(origin: SIMD3<Double>, direction d: SIMD3<Double>, t: Int) -> (distance: Double, object: Object, local: SIMD3<Double>)? {
        var best: (Double, Object, SIMD3<Double>)? = nil
        if d.z < -1e-9 {
            let s = -origin.z / d.z
            if s > 0 { best = (s, .ground, origin + d * s) }
        }
        for object in [Object.sphere, .box] {
            let (R, c) = pose(object, t)
            let o = R.transposed * (origin - c), dl = R.transposed * d
            var hit: Double? = nil
            if object == .sphere {
                let b = (o * dl).sum(), cc = (o * o).sum() - sphereRadius * sphereRadius, a = (dl * dl).sum()
                let disc = b * b - a * cc
                if disc >= 0 { let s = (-b - disc.squareRoot()) / a; if s > 0 { hit = s } }
            } else {
                var near = -Double.infinity, far = Double.infinity
                for k in 0..<3 {
                    if abs(dl[k]) < 1e-12 { if abs(o[k]) > boxHalf[k] { near = .infinity }; continue }
                    let s1 = (-boxHalf[k] - o[k]) / dl[k], s2 = (boxHalf[k] - o[k]) / dl[k]
                    near = max(near, min(s1, s2)); far = min(far, max(s1, s2))
                }
                if near <= far && near > 0 { hit = near }
            }
            if let s = hit, s < (best?.0 ?? .infinity) { best = (s, object, o + dl * s) }
        }
        return best
    }

    /// Texture coordinates (texels) of a local surface point.
    func texel(_ object: Object, _ p: SIMD3<Double>) -> SIMD2<Double> {
        switch object {
        case .ground: return SIMD2(p.x, p.y) / groundTexel
        case .sphere:
            let theta = atan2(p.y, p.x), phi = acos(max(-1, min(1, p.z / sphereRadius)))
            return SIMD2(theta * sphereRadius, phi * sphereRadius) / (groundTexel * 0.6)
        case .box:
            let q = p / boxHalf, a = SIMD3(abs(q.x), abs(q.y), abs(q.z))
            let uv: SIMD2<Double> = a.x >= a.y && a.x >= a.z ? SIMD2(p.y, p.z + 3) : (a.y >= a.z ? SIMD2(p.x + 1.5, p.z) : SIMD2(p.x, p.y))
            return uv / (groundTexel * 0.6)
        }
    }

    /// View v's frame t: colours and exact depth (camera z, metres; 0 where nothing is hit).
    public func render(view v: Int, frame t: Int, textures: [ProceduralTexture]) -> (RGBImage, DepthMap) {
        let camera = cameras()[v]
        let eye = camera.centre
        var image = RGBImage(width: width, height: height)
        var depth = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let far = camera.backProject(pixel: SIMD2(Double(x), Double(y)), depth: 1)
                let d = far - eye
                guard let hit = cast(origin: eye, direction: d, t: t) else { continue }
                depth[y * width + x] = Float(hit.distance)   // d has unit camera z
                let texture = textures[hit.object.rawValue]
                let uv = texel(hit.object, hit.local)
                let tx = Int((uv.x.truncatingRemainder(dividingBy: Double(texture.width)) + Double(texture.width))) % texture.width
                let ty = Int((uv.y.truncatingRemainder(dividingBy: Double(texture.height)) + Double(texture.height))) % texture.height
                for c in 0..<3 { image.bytes[3 * (y * width + x) + c] = texture.rgb[3 * (ty * texture.width + tx) + c] }
            }
        }
        return (image, DepthMap(width: width, height: height, metres: depth))
    }

    public func textures() -> [ProceduralTexture] {
        (0..<3).map { ProceduralTexture(width: 256, height: 256, seed: seed &* 31 &+ UInt64($0), scale: 24) }
    }

    /// The world positions over all frames of the surface point under pixel (x, y) of view v
    /// at frame t, or nil where nothing is hit.
    public func surfaceTrack(view v: Int, frame t: Int, x: Double, y: Double) -> [SIMD3<Double>]? {
        let camera = cameras()[v]
        let d = camera.backProject(pixel: SIMD2(x, y), depth: 1) - camera.centre
        guard let hit = cast(origin: camera.centre, direction: d, t: t) else { return nil }
        return (0..<frameCount).map { f in let (R, c) = pose(hit.object, f); return R * hit.local + c }
    }

    /// Whether `world` is seen by view v at frame t (in the frame, and the first surface on its ray).
    public func isVisible(_ world: SIMD3<Double>, view v: Int, frame t: Int) -> Bool {
        let camera = cameras()[v]
        let (pixel, z) = camera.project(world)
        guard z > 0, pixel.x >= -0.5, pixel.y >= -0.5, pixel.x < Double(width) - 0.5, pixel.y < Double(height) - 0.5 else { return false }
        let d = camera.backProject(pixel: pixel, depth: 1) - camera.centre
        guard let hit = cast(origin: camera.centre, direction: d, t: t) else { return false }
        return abs(hit.distance - z) < 1e-6 * max(1, z) + 1e-6
    }

    /// Writes the rig directory: rig.json, camV.mp4, camV_depth/%05d.png (millimetres).
    /// `depthViews` limits which views get depth (all by default).
    public func write(to directory: String, depthViews: Set<Int>? = nil) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let textures = textures(), cameras = cameras()
        var cameraObjects: [[String: Any]] = []
        for v in 0..<views {
            var settings = VideoEncoderSettings(codec: .h264, width: width, height: height)
            settings.frameRateNumerator = Int32(fps)
            settings.quality = 12
            let encoder = try VideoEncoder(path: "\(directory)/cam\(v).mp4", settings: settings)
            let withDepth = depthViews?.contains(v) ?? true
            if withDepth { try fm.createDirectory(atPath: "\(directory)/cam\(v)_depth", withIntermediateDirectories: true) }
            for t in 0..<frameCount {
                let (image, depth) = render(view: v, frame: t, textures: textures)
                try encoder.append(image)
                if withDepth {
                    let millimetres = depth.metres.map { UInt16(max(0, min(65535, ($0 * 1000).rounded()))) }
                    try Grey16PNG.write(Grey16Image(width: width, height: height, values: millimetres),
                                        to: String(format: "%@/cam%d_depth/%05d.png", directory, v, t))
                }
            }
            try encoder.finish()
            let K = cameras[v].K.rowMajor, e = cameras[v].extrinsicsRowMajor
            var object: [String: Any] = ["name": "cam\(v)", "video": "cam\(v).mp4",
                                         "K": [Array(K[0..<3]), Array(K[3..<6]), Array(K[6..<9])],
                                         "extrinsics_w2c": [Array(e[0..<4]), Array(e[4..<8]), Array(e[8..<12])]]
            if withDepth { object["depth"] = "cam\(v)_depth/%05d.png" }
            cameraObjects.append(object)
        }
        let rig: [String: Any] = ["fps": fps, "depth_unit_m": 0.001, "cameras": cameraObjects]
        let data = try JSONSerialization.data(withJSONObject: rig, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/rig.json"))
    }
}
