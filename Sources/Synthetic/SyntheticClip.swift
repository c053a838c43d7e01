// Synthetic videos with known content, for tests and for `make demo` when no sample
// videos can be fetched: a textured background panning at a constant integer velocity,
// optionally with a scene cut (the texture changes), blank frames, or frozen frames.
// Frame t shows the background window at (vx·t, vy·t), so its true motion is known.

import Imaging
import VideoIO

public struct SyntheticClip: Sendable {
    public enum Event: Sendable, Equatable {
        /// From this frame on, a different texture in a darker, flatter tone (a cut to another shot).
        case sceneCut(atFrame: Int)
        /// These frames are uniform grey.
        case blank(frames: Range<Int>)
        /// These frames repeat the frame before the range.
        case frozen(frames: Range<Int>)
    }

    public var width: Int
    public var height: Int
    public var frameCount: Int
    /// Background velocity, pixels per frame.
    public var velocityX = 2
    public var velocityY = 1
    public var seed: UInt64 = 1
    public var events: [Event] = []

    public init(width: Int, height: Int, frameCount: Int, seed: UInt64 = 1) {
        self.width = width; self.height = height; self.frameCount = frameCount; self.seed = seed
    }

    /// Renders every frame.
    public func frames() -> [RGBImage] {
        let texW = width + abs(velocityX) * frameCount + 64, texH = height + abs(velocityY) * frameCount + 64
        let first = ProceduralTexture(width: texW, height: texH, seed: seed)
        var second: ProceduralTexture? = nil
        var out: [RGBImage] = []
        for t in 0..<frameCount {
            if events.contains(where: { if case .blank(let r) = $0 { return r.contains(t) }; return false }) {
                out.append(RGBImage(width: width, height: height, bytes: [UInt8](repeating: 128, count: width * height * 3)))
                continue
            }
            if t > 0, events.contains(where: { if case .frozen(let r) = $0 { return r.contains(t) }; return false }) {
                out.append(out[t - 1])
                continue
            }
            var texture = first
            for case .sceneCut(let at) in events where t >= at {
                if second == nil {
                    second = ProceduralTexture(width: texW, height: texH, seed: seed &+ 7919, scale: 12).toned(gain: 0.45, bias: 10)
                }
                texture = second!
            }
            let x = velocityX >= 0 ? velocityX * t : texW - width + velocityX * t
            let y = velocityY >= 0 ? velocityY * t : texH - height + velocityY * t
            out.append(texture.window(x: x, y: y, width: width, height: height))
        }
        return out
    }

    /// Encodes the clip to `path` with `settings` (its size must match). `timestamps`, in
    /// the settings' time scale, give each frame's time (variable frame rate).
    public func write(to path: String, settings: VideoEncoderSettings, timestamps: [Int64]? = nil) throws {
        let encoder = try VideoEncoder(path: path, settings: settings)
        for (t, frame) in frames().enumerated() {
            try encoder.append(frame, timestamp: timestamps?[t])
        }
        try encoder.finish()
    }
}
