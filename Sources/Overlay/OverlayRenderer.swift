// Draws a clip's labels over its frames, CoTracker's Visualizer style: each track in its
// own colour (TrackColours), a short trail of its last `trail` labelled positions, fading;
// a seen label as a filled disc, an occlusion label as a hollow ring; with `showRemoved`,
// the labels the quality stage removed as faint rings marked with their rule's letter
// (the legend spells the letters out). A caption in the top-left corner gives the frame
// (clip frame of T, and the source frame), the teacher and the checker. A rig's views
// are tiled in a grid, each with its own labels and name. Frames can be shrunk first
// (`maxSide`) — positions are scaled with them. Output sizes are even (yuv420p needs it).

import Imaging

public struct OverlayStyle: Sendable {
    public var trail = 8
    public var radius: Float = 3
    public var showRemoved = false
    /// Shrink each view so its longer side is at most this (nil: stored size).
    public var maxSide: Int? = nil
    public init() {}
}

public struct OverlayRenderer {
    public let clip: OverlayClip
    public let style: OverlayStyle
    let tileWidth: Int, tileHeight: Int, scale: Float, columns: Int, rows: Int
    let letters: [Character]

    public init(clip: OverlayClip, style: OverlayStyle = .init()) {
        self.clip = clip; self.style = style
        let first = clip.views.first?.frames.first
        let w = first?.width ?? 2, h = first?.height ?? 2
        let s = style.maxSide.map { min(1, Float($0) / Float(max(w, h))) } ?? 1
        tileWidth = max(2, Int((Float(w) * s).rounded())); tileHeight = max(2, Int((Float(h) * s).rounded()))
        scale = Float(tileWidth) / Float(w)
        let v = max(1, clip.views.count)
        var c = 1
        while c * c < v { c += 1 }
        columns = v <= 3 ? v : c
        rows = (v + columns - 1) / columns
        letters = OverlayClip.ruleLetters(clip.rules)
    }

    /// The output frame size (even).
    public var width: Int { (tileWidth * columns + 1) & ~1 }
    public var height: Int { (tileHeight * rows + 1) & ~1 }

    /// The radius of a label's disc or ring in output pixels: the style's, down to ¾ of it in shrunk videos.
    public var discRadius: Float { style.radius * max(0.75, min(1, scale)) }

    /// Where the label of track `n` in view `v` at frame `t` is drawn, in output pixels (nil: no position).
    public func drawnPosition(view v: Int, t: Int, n: Int) -> (x: Float, y: Float)? {
        let view = clip.views[v], i = (t * clip.points + n) * 2
        let x = view.positions[i], y = view.positions[i + 1]
        guard x.isFinite, y.isFinite else { return nil }
        let ox = Float((v % columns) * tileWidth), oy = Float((v / columns) * tileHeight)
        return ((x + 0.5) * scale - 0.5 + ox, (y + 0.5) * scale - 0.5 + oy)
    }

    /// Frame `t` with its labels.
    public func frame(_ t: Int) -> RGBImage {
        var canvas = Canvas(RGBImage(width: width, height: height))
        let n = clip.points, r = discRadius
        let captionScale = width >= 480 ? 2 : 1
        for (v, view) in clip.views.enumerated() {
            let ox = (v % columns) * tileWidth, oy = (v / columns) * tileHeight
            canvas.place(ImageScaling.shrunk(view.frames[t], width: tileWidth, height: tileHeight), x: ox, y: oy)
            func at(_ f: Int, _ p: Int) -> (x: Float, y: Float)? { drawnPosition(view: v, t: f, n: p) }
            if style.showRemoved {
                for p in 0..<n where view.states[t * n + p] == .removed {
                    guard let q = at(t, p) else { continue }
                    canvas.ring(q.x, q.y, radius: r, width: 1, clip.colours[p], alpha: 0.45)
                    let code = Int(view.removedBy[t * n + p])
                    let letter = code > 0 && code <= letters.count ? String(letters[code - 1]) : "?"
                    BitmapFont.draw(letter, x: Int(q.x + r + 1), y: Int(q.y - 3), scale: 1, clip.colours[p], alpha: 0.6, on: &canvas)
                }
            }
            for p in 0..<n where view.states[t * n + p] == .visible || view.states[t * n + p] == .occluded {
                var f = max(0, t - style.trail)
                while f < t {
                    let a = view.states[f * n + p], b = view.states[(f + 1) * n + p]
                    if (a == .visible || a == .occluded) && (b == .visible || b == .occluded), let pa = at(f, p), let pb = at(f + 1, p) {
                        let age = Float(t - f) / Float(style.trail + 1)
                        canvas.line(pa.x, pa.y, pb.x, pb.y, width: 1.5, clip.colours[p], alpha: 0.8 * (1 - age))
                    }
                    f += 1
                }
            }
            for p in 0..<n {
                guard let q = at(t, p) else { continue }
                switch view.states[t * n + p] {
                case .visible: canvas.disc(q.x, q.y, radius: r, clip.colours[p])
                case .occluded: canvas.ring(q.x, q.y, radius: r, width: 1.3, clip.colours[p])
                default: break
                }
            }
            if clip.views.count > 1 {
                BitmapFont.caption([view.name], x: ox + 2, y: oy + tileHeight - (7 + 4) * captionScale - 2, scale: captionScale, on: &canvas)
            }
        }
        let source = t < clip.sourceFrames.count ? " SRC \(clip.sourceFrames[t])" : ""
        var lines = ["FRAME \(t + 1)/\(clip.frameCount)\(source)", "TEACHER \(clip.teacher)", "CHECKER \(clip.checker)"]
        if style.showRemoved {
            var present = Set<Int>()
            for view in clip.views {
                for p in 0..<n where view.states[t * n + p] == .removed { present.insert(Int(view.removedBy[t * n + p])) }
            }
            let legend = clip.rules.indices.filter { present.contains($0 + 1) }.map { "\(letters[$0])=\(clip.rules[$0])" }
            for start in stride(from: 0, to: legend.count, by: 3) {
                lines.append((start == 0 ? "REMOVED " : "        ") + legend[start..<min(legend.count, start + 3)].joined(separator: " "))
            }
        }
        BitmapFont.caption(lines, x: 2, y: 2, scale: captionScale, on: &canvas)
        return canvas.image
    }
}
