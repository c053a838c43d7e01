// A grey sequence with exact point ground truth: a textured plane moved by a known
// homography per frame (translation, rotation about the centre, zoom and a little
// perspective, all smooth in time), a textured rectangle (the occluder) sliding across
// it at constant velocity, Gaussian noise. The ground truth of any background point is
// exact: its position is H_t · H_q⁻¹ · p_q, and it is hidden where the occluder covers
// it. Frames are rendered by bilinear sampling of the textures (pixel centres at
// integers), so a tracker's error is its own.

import Foundation
import Imaging

public struct OccludedPlaneSequence: Sendable {
    public var width = 256
    public var height = 192
    public var frameCount = 24
    public var seed: UInt64 = 1
    /// Background motion per frame: translation (px), rotation (rad), zoom (relative).
    public var velocity = SIMD2<Double>(1.5, 0.8)
    public var rotationPerFrame = 0.004
    public var zoomPerFrame = 0.003
    /// The occluder: size, start (top-left) and velocity per frame, pixels.
    public var occluderSize = SIMD2<Double>(60, 80)
    public var occluderStart = SIMD2<Double>(-70, 50)
    public var occluderVelocity = SIMD2<Double>(9, 0)
    /// Standard deviation of the added noise, grey levels.
    public var noise = 2.0

    public init() {}

    /// Homography of frame t (plane coordinates → image), row-major 3×3.
    public func homography(_ t: Int) -> [Double] {
        let cx = Double(width - 1) / 2, cy = Double(height - 1) / 2
        let a = rotationPerFrame * Double(t), s = 1 + zoomPerFrame * Double(t)
        let tx = velocity.x * Double(t), ty = velocity.y * Double(t)
        let p = 2e-6 * Double(t)
        let c = cos(a) * s, d = sin(a) * s
        // x' = R·s·(x − c) + c + t, with a small perspective term in the last row.
        return [c, -d, cx - c * cx + d * cy + tx,
                d, c, cy - d * cx - c * cy + ty,
                p, 0, 1 - p * cx]
    }

    static func apply(_ h: [Double], _ p: SIMD2<Double>) -> SIMD2<Double> {
        let w = h[6] * p.x + h[7] * p.y + h[8]
        return SIMD2((h[0] * p.x + h[1] * p.y + h[2]) / w, (h[3] * p.x + h[4] * p.y + h[5]) / w)
    }

    static func inverse(_ m: [Double]) -> [Double] {
        let a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8]
        let A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g
        let det = a * A + b * B + c * C
        return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
                B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
                C / det, -(a * h - b * g) / det, (a * e - b * d) / det]
    }

    func occluder(_ t: Int) -> (SIMD2<Double>, SIMD2<Double>) {
        let origin = occluderStart + occluderVelocity * Double(t)
        return (origin, origin + occluderSize)
    }

    /// Whether image point p of frame t is covered by the occluder.
    public func isOccluded(_ p: SIMD2<Double>, t: Int) -> Bool {
        let (lo, hi) = occluder(t)
        return p.x >= lo.x - 0.5 && p.y >= lo.y - 0.5 && p.x <= hi.x - 0.5 && p.y <= hi.y - 0.5
    }

    /// The ground truth of a background query (t, x, y): position and visibility in every frame.
    public func track(t q: Int, x: Double, y: Double) -> [(position: SIMD2<Double>, visible: Bool)] {
        let plane = Self.apply(Self.inverse(homography(q)), SIMD2(x, y))
        return (0..<frameCount).map { t in
            let p = Self.apply(homography(t), plane)
            let inside = p.x >= 0 && p.y >= 0 && p.x <= Double(width - 1) && p.y <= Double(height - 1)
            return (p, inside && !isOccluded(p, t: t))
        }
    }

    public func frames() -> [GreyImage] {
        let margin = max(width, height)
        let background = ProceduralTexture(width: width + 2 * margin, height: height + 2 * margin, seed: seed, scale: 24).grey()
        let front = ProceduralTexture(width: Int(occluderSize.x) + 2, height: Int(occluderSize.y) + 2, seed: seed &+ 99, scale: 12)
            .toned(gain: 0.7, bias: 60).grey()
        var random = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func gaussian() -> Double {
            random ^= random << 13; random ^= random >> 7; random ^= random << 17
            let u1 = Double(random >> 11) * 0x1.0p-53 + 1e-12
            random ^= random << 13; random ^= random >> 7; random ^= random << 17
            let u2 = Double(random >> 11) * 0x1.0p-53
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        return (0..<frameCount).map { t in
            let inverse = Self.inverse(homography(t))
            let (lo, _) = occluder(t)
            var image = GreyImage(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    let p = SIMD2(Double(x), Double(y))
                    var v: Float
                    if isOccluded(p, t: t) {
                        let q = p - lo
                        v = BilinearSample.at(front, Float(q.x), Float(q.y))
                    } else {
                        let q = Self.apply(inverse, p) + Double(margin)
                        v = BilinearSample.at(background, Float(q.x), Float(q.y))
                    }
                    v += Float(noise * gaussian())
                    image[x, y] = min(max(v, 0), 255)
                }
            }
            return image
        }
    }
}

extension ProceduralTexture {
    /// The texture as a grey image.
    public func grey() -> GreyImage {
        var image = GreyImage(width: width, height: height)
        for k in 0..<(width * height) {
            image.pixels[k] = 0.299 * Float(rgb[3 * k]) + 0.587 * Float(rgb[3 * k + 1]) + 0.114 * Float(rgb[3 * k + 2])
        }
        return image
    }
}
