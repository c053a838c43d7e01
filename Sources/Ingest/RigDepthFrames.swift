// Reads a rig view's depth for a clip's frames and maps it onto the stored frames: the
// stored pixel (x, y) takes the depth of the source pixel nearest (x − offset) / scale
// (nearest, never interpolated: interpolation across an object's edge would invent a
// surface between the two), in metres, 0 where there is none. The last NumPy depth file
// read stays in memory, as consecutive clips of a rig view read the same one.

import ArrayFiles
import Foundation
import Geometry
import Manifest
import VideoIO

public final class RigDepthFrames {
    private var cachedPath: String?
    private var cached: (shape: [Int], metres: [Float])?

    public init() {}

    /// Depth maps of `frames` (source indices) at the clip's stored size.
    public func depth(_ depth: RigDepth, frames: [Int], clip: ClipRecord) throws -> [DepthMap] {
        try frames.map { index in
            let (width, height, metres) = try sourceDepth(depth, frame: index)
            return Self.resample(metres, width: width, height: height, clip: clip)
        }
    }

    private func sourceDepth(_ depth: RigDepth, frame index: Int) throws -> (Int, Int, [Float]) {
        switch depth.kind {
        case .pngPattern:
            let image = try Grey16PNG.read(try depth.file(frame: index))
            let unit = Float(depth.unitMetres)
            return (image.width, image.height, image.values.map { Float($0) * unit })
        case .numpy:
            if cachedPath != depth.path {
                cached = nil
                let array = try Self.numpyDepth(depth.path)
                cached = (array.shape, array.floats()); cachedPath = depth.path
            }
            let (shape, all) = cached!
            guard shape.count == 3, index >= 0, index < shape[0], shape[0] * shape[1] * shape[2] == all.count else {
                throw VideoError.invalidRequest(path: depth.path, message: "no depth for frame \(index) in an array of shape \(shape)")
            }
            let h = shape[1], w = shape[2]
            return (w, h, all[(index * w * h)..<((index + 1) * w * h)].map { $0.isFinite && $0 > 0 ? $0 * Float(depth.unitMetres) : 0 })
        }
    }

    /// A float32 [T, H, W] array from a .npy, or from a .npz (its `depth` array, or its only one).
    static func numpyDepth(_ path: String) throws -> NumPyArray {
        let array: NumPyArray
        if path.lowercased().hasSuffix(".npz") {
            let arrays = try NumPyArchive.read(path)
            guard let a = arrays["depth"] ?? (arrays.count == 1 ? arrays.values.first : nil) else {
                throw VideoError.invalidRequest(path: path, message: "the archive holds \(arrays.keys.sorted()), not one array or a 'depth' array")
            }
            array = a
        } else {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw VideoError.unreadable(path: path, message: "no such file or permission denied")
            }
            array = try NumPyArray(npy: [UInt8](bytes), name: path)
        }
        guard array.dtype == .float32 || array.dtype == .float64 else {
            throw VideoError.invalidRequest(path: path, message: "depth must be float32 metres, not \(array.dtype.rawValue)")
        }
        return array
    }

    static func resample(_ metres: [Float], width: Int, height: Int, clip: ClipRecord) -> DepthMap {
        let w = clip.storedWidth, h = clip.storedHeight
        if w == width && h == height && clip.scaleX == 1 && clip.scaleY == 1 && clip.offsetX == 0 && clip.offsetY == 0 {
            return DepthMap(width: w, height: h, metres: metres)
        }
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let sy = Int(((Double(y) - clip.offsetY) / clip.scaleY).rounded())
            guard sy >= 0 && sy < height else { continue }
            for x in 0..<w {
                let sx = Int(((Double(x) - clip.offsetX) / clip.scaleX).rounded())
                guard sx >= 0 && sx < width else { continue }
                out[y * w + x] = metres[sy * width + sx]
            }
        }
        return DepthMap(width: w, height: h, metres: out)
    }
}
