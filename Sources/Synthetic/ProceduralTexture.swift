// A deterministic colour texture for synthetic videos: a sum of value-noise octaves
// (smoothly interpolated random lattices at halving scales) per channel, so that every
// part of the image has structure at several scales, as natural images do, and point
// trackers have something to lock onto. Same seed, same texture, on every machine.

import Imaging

public struct ProceduralTexture: Sendable {
    public let width: Int
    public let height: Int
    /// Interleaved RGB, 0…255.
    public let rgb: [UInt8]

    /// A `width × height` texture; `scale` is the period of the coarsest octave in pixels.
    public init(width: Int, height: Int, seed: UInt64, scale: Int = 32, octaves: Int = 4) {
        self.width = width
        self.height = height
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53
        }
        var planes = [[Double]](repeating: [Double](repeating: 0, count: width * height), count: 3)
        var amplitude = 1.0, period = max(2, scale), total = 0.0
        for _ in 0..<octaves {
            let gw = width / period + 2, gh = height / period + 2
            for c in 0..<3 {
                let lattice = (0..<(gw * gh)).map { _ in next() }
                for y in 0..<height {
                    let gy = Double(y) / Double(period)
                    let y0 = Int(gy), fy = gy - Double(y0)
                    let sy = fy * fy * (3 - 2 * fy)
                    for x in 0..<width {
                        let gx = Double(x) / Double(period)
                        let x0 = Int(gx), fx = gx - Double(x0)
                        let sx = fx * fx * (3 - 2 * fx)
                        let a = lattice[y0 * gw + x0], b = lattice[y0 * gw + x0 + 1]
                        let d = lattice[(y0 + 1) * gw + x0], e = lattice[(y0 + 1) * gw + x0 + 1]
                        planes[c][y * width + x] += amplitude * ((a * (1 - sx) + b * sx) * (1 - sy) + (d * (1 - sx) + e * sx) * sy)
                    }
                }
            }
            total += amplitude
            amplitude *= 0.5
            period = max(2, period / 2)
        }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            for c in 0..<3 {
                // Stretch the (roughly centred) sum to use most of the 0…255 range.
                let v = (planes[c][i] / total - 0.5) * 2.2 + 0.5
                out[i * 3 + c] = UInt8(max(0, min(255, (v * 255).rounded())))
            }
        }
        rgb = out
    }

    private init(width: Int, height: Int, rgb: [UInt8]) {
        self.width = width; self.height = height; self.rgb = rgb
    }

    /// The same texture with every value mapped to gain · v + bias (another exposure).
    public func toned(gain: Double, bias: Double) -> ProceduralTexture {
        ProceduralTexture(width: width, height: height,
                          rgb: rgb.map { UInt8(max(0, min(255, (Double($0) * gain + bias).rounded()))) })
    }

    /// The `w × h` window whose top-left is at integer (`x`, `y`), wrapping around the edges.
    public func window(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let sy = ((y + row) % height + height) % height
            for col in 0..<w {
                let sx = ((x + col) % width + width) % width
                let s = (sy * width + sx) * 3, d = (row * w + col) * 3
                out[d] = rgb[s]; out[d + 1] = rgb[s + 1]; out[d + 2] = rgb[s + 2]
            }
        }
        return RGBImage(width: w, height: h, bytes: out)
    }
}
