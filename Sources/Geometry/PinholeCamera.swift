// A calibrated pinhole camera for one frame: intrinsics K in pixels (integer values at
// pixel centres, OpenCV's convention) and world-to-camera extrinsics [R|t], X_cam =
// R·X_world + t (OpenCV's and MVTracker's convention); depth is the camera-frame z.
// No lens distortion: rigs are expected to be undistorted, as MVTracker's and
// TAPVid-3D's data are.

public struct PinholeCamera: Equatable, Sendable {
    public var K: Matrix3
    public var R: Matrix3
    public var t: SIMD3<Double>
    public private(set) var inverseK: Matrix3

    /// Checks K (3×3, finite, invertible, last row 0 0 1) and [R|t] (3×4, R a rotation to 1e-3).
    public init(K k: [Double], extrinsics e: [Double]) throws {
        guard k.count == 9, k.allSatisfy(\.isFinite) else { throw CameraError.invalid("K must be 3x3 finite numbers") }
        guard e.count == 12, e.allSatisfy(\.isFinite) else { throw CameraError.invalid("extrinsics_w2c must be 3x4 finite numbers") }
        let K = Matrix3(rowMajor: k)
        guard k[6] == 0, k[7] == 0, k[8] != 0, let inverse = K.inverse else {
            throw CameraError.invalid("K is singular or its last row is not (0, 0, c): \(k)")
        }
        let R = Matrix3(rowMajor: [e[0], e[1], e[2], e[4], e[5], e[6], e[8], e[9], e[10]])
        let rrt = (R * R.transposed).rowMajor, identity = Matrix3.identity.rowMajor
        let deviation = zip(rrt, identity).map { abs($0 - $1) }.max() ?? 0
        guard deviation < 1e-3, abs(R.determinant - 1) < 1e-3 else {
            throw CameraError.invalid("R of extrinsics_w2c is not a rotation (|R·Rᵀ − I| = \(deviation), det = \(R.determinant))")
        }
        self.K = K.scaled(1 / k[8]); self.R = R; self.t = SIMD3(e[3], e[7], e[11]); inverseK = inverse.scaled(k[8])
    }

    public var extrinsicsRowMajor: [Double] {
        let r = R.rowMajor
        return [r[0], r[1], r[2], t.x, r[3], r[4], r[5], t.y, r[6], r[7], r[8], t.z]
    }

    /// The camera centre in world coordinates, −Rᵀ·t.
    public var centre: SIMD3<Double> { -(R.transposed * t) }

    @inlinable public func toCamera(_ world: SIMD3<Double>) -> SIMD3<Double> { R * world + t }

    /// Pixel position and depth (camera z) of a world point; the pixel is meaningful only for depth > 0.
    @inlinable public func project(_ world: SIMD3<Double>) -> (pixel: SIMD2<Double>, depth: Double) {
        let c = K * toCamera(world)
        return (SIMD2(c.x / c.z, c.y / c.z), c.z)
    }

    /// The world point at `depth` (camera z) along the ray through `pixel`.
    @inlinable public func backProject(pixel: SIMD2<Double>, depth: Double) -> SIMD3<Double> {
        let ray = inverseK * SIMD3(pixel.x, pixel.y, 1)
        let camera = ray * (depth / ray.z)
        return R.transposed * (camera - t)
    }

    /// The same camera for pixels mapped by stored = source·scale + offset.
    public func mappingPixels(scaleX: Double, scaleY: Double, offsetX: Double, offsetY: Double) -> PinholeCamera {
        let s = Matrix3(rows: SIMD3(scaleX, 0, offsetX), SIMD3(0, scaleY, offsetY), SIMD3(0, 0, 1))
        return try! PinholeCamera(K: (s * K).rowMajor, extrinsics: extrinsicsRowMajor)
    }
}

public enum CameraError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String { if case .invalid(let m) = self { return m }; return "" }
}
