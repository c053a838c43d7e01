// A colour per track that stays the same in every frame and in every rendering of a clip:
// it depends only on where the track's query is, as in CoTracker's Visualizer (its
// "rainbow" mode colours a track by its query's height in the frame). Hue runs from red at
// the top of the frame to magenta at the bottom (0° to 300°), shifted by up to 60° across
// the width so that queries on one row are told apart; full saturation and value, so the
// colours stand out from natural images.

public enum TrackColours {
    /// The colour of a track whose query is at (x, y) in a frame of `width` × `height`.
    public static func colour(x: Float, y: Float, width: Int, height: Int) -> RGBColour {
        let u = min(1, max(0, y / Float(max(1, height - 1)))), v = min(1, max(0, x / Float(max(1, width - 1))))
        let hue = (300 * u + 60 * v).truncatingRemainder(dividingBy: 360)
        return hsv(hue: hue)
    }

    /// HSV with full saturation and value to RGB; `hue` in degrees.
    static func hsv(hue: Float) -> RGBColour {
        let h = hue / 60, sector = Int(h) % 6, f = h - Float(Int(h))
        let rising = UInt8((255 * f).rounded()), falling = UInt8((255 * (1 - f)).rounded())
        switch sector {
        case 0: return RGBColour(255, rising, 0)
        case 1: return RGBColour(falling, 255, 0)
        case 2: return RGBColour(0, 255, rising)
        case 3: return RGBColour(0, falling, 255)
        case 4: return RGBColour(rising, 0, 255)
        default: return RGBColour(255, 0, falling)
        }
    }
}
