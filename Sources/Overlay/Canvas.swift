// Anti-aliased drawing on an RGBImage: filled discs, rings, line segments and rectangles,
// each blended over the frame with an opacity. Coverage of a pixel is the signed distance
// from its centre to the shape's edge, clamped to [0, 1] over one pixel (the usual
// one-pixel ramp; exact for straight edges, within a few percent for the small radii
// drawn here). Coordinates are pixels with integer values at pixel centres, like the labels.

import Imaging

public struct RGBColour: Equatable, Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let white = RGBColour(255, 255, 255)
    public static let black = RGBColour(0, 0, 0)
    /// "#rrggbb", for the report's HTML.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined()
    }
}

public struct Canvas {
    public var image: RGBImage
    public init(_ image: RGBImage) { self.image = image }
    public var width: Int { image.width }
    public var height: Int { image.height }

    /// Blends `colour` into pixel (x, y) with weight `alpha` in [0, 1].
    @inline(__always)
    public mutating func blend(_ x: Int, _ y: Int, _ colour: RGBColour, _ alpha: Float) {
        guard x >= 0, y >= 0, x < image.width, y < image.height, alpha > 0 else { return }
        let a = min(1, alpha), i = (y * image.width + x) * 3
        image.bytes.withUnsafeMutableBufferPointer { p in
            p[i] = UInt8((Float(p[i]) * (1 - a) + Float(colour.r) * a).rounded())
            p[i + 1] = UInt8((Float(p[i + 1]) * (1 - a) + Float(colour.g) * a).rounded())
            p[i + 2] = UInt8((Float(p[i + 2]) * (1 - a) + Float(colour.b) * a).rounded())
        }
    }

    /// Visits the pixels of the box around (cx, cy) with half side `reach`, clipped to the image.
    @inline(__always)
    private func box(_ cx: Float, _ cy: Float, _ reach: Float) -> (ClosedRange<Int>, ClosedRange<Int>)? {
        guard cx.isFinite, cy.isFinite else { return nil }
        let x0 = max(0, Int((cx - reach).rounded(.down))), x1 = min(image.width - 1, Int((cx + reach).rounded(.up)))
        let y0 = max(0, Int((cy - reach).rounded(.down))), y1 = min(image.height - 1, Int((cy + reach).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return nil }
        return (x0...x1, y0...y1)
    }

    /// A filled disc of `radius` pixels.
    public mutating func disc(_ cx: Float, _ cy: Float, radius: Float, _ colour: RGBColour, alpha: Float = 1) {
        guard let area = box(cx, cy, radius + 1) else { return }
        let (xs, ys) = area
        for y in ys {
            for x in xs {
                let dx = Float(x) - cx, dy = Float(y) - cy
                let coverage = min(1, max(0, radius + 0.5 - (dx * dx + dy * dy).squareRoot()))
                blend(x, y, colour, coverage * alpha)
            }
        }
    }

    /// A circle of `radius` pixels drawn with a stroke `width` pixels wide (hollow inside).
    public mutating func ring(_ cx: Float, _ cy: Float, radius: Float, width: Float, _ colour: RGBColour, alpha: Float = 1) {
        guard let area = box(cx, cy, radius + width) else { return }
        let (xs, ys) = area
        for y in ys {
            for x in xs {
                let dx = Float(x) - cx, dy = Float(y) - cy
                let d = abs((dx * dx + dy * dy).squareRoot() - radius)
                blend(x, y, colour, min(1, max(0, width / 2 + 0.5 - d)) * alpha)
            }
        }
    }

    /// A segment from a to b, `width` pixels wide with round ends.
    public mutating func line(_ ax: Float, _ ay: Float, _ bx: Float, _ by: Float, width: Float, _ colour: RGBColour, alpha: Float = 1) {
        guard ax.isFinite, ay.isFinite, bx.isFinite, by.isFinite else { return }
        let reach = width / 2 + 1
        let x0 = max(0, Int((min(ax, bx) - reach).rounded(.down))), x1 = min(image.width - 1, Int((max(ax, bx) + reach).rounded(.up)))
        let y0 = max(0, Int((min(ay, by) - reach).rounded(.down))), y1 = min(image.height - 1, Int((max(ay, by) + reach).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let vx = bx - ax, vy = by - ay, length2 = vx * vx + vy * vy
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Float(x) - ax, py = Float(y) - ay
                let s = length2 > 0 ? min(1, max(0, (px * vx + py * vy) / length2)) : 0
                let dx = px - s * vx, dy = py - s * vy
                blend(x, y, colour, min(1, max(0, width / 2 + 0.5 - (dx * dx + dy * dy).squareRoot())) * alpha)
            }
        }
    }

    /// An axis-aligned rectangle of whole pixels [x, x + w) × [y, y + h).
    public mutating func rectangle(x: Int, y: Int, width w: Int, height h: Int, _ colour: RGBColour, alpha: Float = 1) {
        let x0 = max(0, x), x1 = min(image.width, x + w), y0 = max(0, y), y1 = min(image.height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { blend(xx, yy, colour, alpha) }
        }
    }

    /// Copies `tile` with its top-left corner at (x, y).
    public mutating func place(_ tile: RGBImage, x: Int, y: Int) {
        for row in 0..<tile.height where y + row >= 0 && y + row < image.height {
            let cols = max(0, min(tile.width, image.width - x))
            guard cols > 0, x >= 0 else { continue }
            let dst = ((y + row) * image.width + x) * 3, src = row * tile.width * 3
            image.bytes.replaceSubrange(dst..<(dst + cols * 3), with: tile.bytes[src..<(src + cols * 3)])
        }
    }
}
