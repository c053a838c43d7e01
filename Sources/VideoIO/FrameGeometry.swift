// Where a decoded frame's pixels land in the stored clip: an axis-aligned resize of the
// displayed (rotation-applied) source frame to `scaledWidth × scaledHeight`, then a window
// of `width × height` cut from it at (`cropX`, `cropY`); a negative crop offset pads with
// black instead. With OpenCV's pixel-centre convention, a resize by s maps a source
// coordinate u to (u + 0.5)·s − 0.5, so the whole map is
//     stored = source × scale + offset,  scale = scaled / source,  offset = 0.5·scale − 0.5 − crop.
// Stored sizes are kept even so the clip can be encoded as yuv420p H.264 for the shards.

public struct FrameGeometry: Codable, Hashable, Sendable {
    /// Displayed source size (after the display rotation).
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// Size after resizing, before the crop window.
    public var scaledWidth: Int
    public var scaledHeight: Int
    /// Top-left of the stored window inside the scaled image; negative values pad.
    public var cropX: Int
    public var cropY: Int
    /// Stored size.
    public var width: Int
    public var height: Int

    public init(sourceWidth: Int, sourceHeight: Int, scaledWidth: Int, scaledHeight: Int,
                cropX: Int, cropY: Int, width: Int, height: Int) {
        self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight
        self.scaledWidth = scaledWidth; self.scaledHeight = scaledHeight
        self.cropX = cropX; self.cropY = cropY
        self.width = width; self.height = height
    }

    /// The source at its own size (odd sizes are kept: no encoding constraint applies).
    public static func native(width: Int, height: Int) -> FrameGeometry {
        FrameGeometry(sourceWidth: width, sourceHeight: height, scaledWidth: width, scaledHeight: height,
                      cropX: 0, cropY: 0, width: width, height: height)
    }

    /// Scaled down (never up) so that the longer side is at most `maxSide`, aspect kept,
    /// each side rounded to an even number of pixels.
    public static func fitting(maxSide: Int, width: Int, height: Int) -> FrameGeometry {
        let longer = max(width, height)
        guard longer > maxSide else {
            let w = max(2, width & ~1), h = max(2, height & ~1)
            return FrameGeometry(sourceWidth: width, sourceHeight: height, scaledWidth: w, scaledHeight: h,
                                 cropX: 0, cropY: 0, width: w, height: h)
        }
        let s = Double(maxSide) / Double(longer)
        let w = evenSide(Double(width) * s), h = evenSide(Double(height) * s)
        return FrameGeometry(sourceWidth: width, sourceHeight: height, scaledWidth: w, scaledHeight: h,
                             cropX: 0, cropY: 0, width: w, height: h)
    }

    /// Exactly `targetWidth × targetHeight`: scaled to cover the target, aspect kept, and
    /// the centre cut out.
    public static func cropping(to targetWidth: Int, _ targetHeight: Int, width: Int, height: Int) -> FrameGeometry {
        let s = max(Double(targetWidth) / Double(width), Double(targetHeight) / Double(height))
        let w = max(targetWidth, Int((Double(width) * s).rounded()))
        let h = max(targetHeight, Int((Double(height) * s).rounded()))
        return FrameGeometry(sourceWidth: width, sourceHeight: height, scaledWidth: w, scaledHeight: h,
                             cropX: (w - targetWidth) / 2, cropY: (h - targetHeight) / 2,
                             width: targetWidth, height: targetHeight)
    }

    /// Exactly `targetWidth × targetHeight`: scaled to fit inside the target, aspect kept,
    /// centred and padded with black.
    public static func fitting(in targetWidth: Int, _ targetHeight: Int, width: Int, height: Int) -> FrameGeometry {
        let s = min(Double(targetWidth) / Double(width), Double(targetHeight) / Double(height))
        let w = min(targetWidth, max(1, Int((Double(width) * s).rounded())))
        let h = min(targetHeight, max(1, Int((Double(height) * s).rounded())))
        return FrameGeometry(sourceWidth: width, sourceHeight: height, scaledWidth: w, scaledHeight: h,
                             cropX: -(targetWidth - w) / 2, cropY: -(targetHeight - h) / 2,
                             width: targetWidth, height: targetHeight)
    }

    public var scaleX: Double { Double(scaledWidth) / Double(sourceWidth) }
    public var scaleY: Double { Double(scaledHeight) / Double(sourceHeight) }
    public var offsetX: Double { 0.5 * scaleX - 0.5 - Double(cropX) }
    public var offsetY: Double { 0.5 * scaleY - 0.5 - Double(cropY) }

    /// True when stored pixels are the source pixels unchanged.
    public var isIdentity: Bool {
        scaledWidth == sourceWidth && scaledHeight == sourceHeight && cropX == 0 && cropY == 0
            && width == sourceWidth && height == sourceHeight
    }

    /// Maps a source-pixel coordinate to stored pixels.
    public func stored(x: Double, y: Double) -> (x: Double, y: Double) {
        (x * scaleX + offsetX, y * scaleY + offsetY)
    }

    private static func evenSide(_ v: Double) -> Int { max(2, Int((v / 2).rounded()) * 2) }
}
