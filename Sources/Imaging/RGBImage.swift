// A three-channel 8-bit image, interleaved R, G, B, row-major and contiguous:
// channel c of pixel (x, y) is at bytes[(y * width + x) * 3 + c]. Same pixel-centre
// convention as GreyImage.

public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, bytes: [UInt8]) {
        precondition(width >= 0 && height >= 0 && bytes.count == width * height * 3,
                     "RGBImage: \(bytes.count) bytes for \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    public init(width: Int, height: Int) {
        self.init(width: width, height: height, bytes: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// The grey level of each pixel with the ITU-R BT.601 luma weights OpenCV's
    /// `cvtColor(RGB2GRAY)` uses (0.299 R + 0.587 G + 0.114 B).
    public func grey() -> GreyImage {
        var out = [Float](repeating: 0, count: width * height)
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count {
                    dst[i] = 0.299 * Float(src[3 * i]) + 0.587 * Float(src[3 * i + 1]) + 0.114 * Float(src[3 * i + 2])
                }
            }
        }
        return GreyImage(width: width, height: height, pixels: out)
    }
}
