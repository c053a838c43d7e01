// Rotation of an image buffer by a multiple of 90°, as video display matrices ask for.
// `QuarterTurn.counterClockwise(n)` turns the picture n × 90° counter-clockwise; the
// result of turning a W×H image by an odd count is H×W.

public enum QuarterTurn: Int, Sendable, Equatable {
    case none = 0, counterClockwise90 = 1, half = 2, clockwise90 = 3

    /// The quarter turn nearest to `degrees` counter-clockwise (any real angle).
    public init(degreesCounterClockwise degrees: Double) {
        guard degrees.isFinite else { self = .none; return }
        let quarters = Int((degrees / 90).rounded())
        self = QuarterTurn(rawValue: ((quarters % 4) + 4) % 4)!
    }

    public var swapsAxes: Bool { self == .counterClockwise90 || self == .clockwise90 }

    /// Turns a row-major buffer of `channels` interleaved values per pixel.
    public func apply<T>(_ source: [T], width: Int, height: Int, channels: Int) -> [T] {
        if self == .none { return source }
        var out = source
        let outWidth = swapsAxes ? height : width
        source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        let (ox, oy): (Int, Int)
                        switch self {
                        case .none: (ox, oy) = (x, y)
                        case .counterClockwise90: (ox, oy) = (y, width - 1 - x)
                        case .half: (ox, oy) = (width - 1 - x, height - 1 - y)
                        case .clockwise90: (ox, oy) = (height - 1 - y, x)
                        }
                        let s = (y * width + x) * channels, d = (oy * outWidth + ox) * channels
                        for c in 0..<channels { dst[d + c] = src[s + c] }
                    }
                }
            }
        }
        return out
    }
}
