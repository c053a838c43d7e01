// The overlay puts each track's colour where its label is: frames with known labels are
// drawn, encoded to H.264 by libx264 and decoded again by FFmpeg, and at every seen label
// that has no other label near it, a pixel within 1 px of the label is the track's colour
// (up to compression); at an occlusion label the centre is not (the ring is hollow) and the
// ring is much nearer it than the frame was; colours depend only on the query.

import Imaging
import VideoIO
import XCTest
@testable import Overlay

final class OverlayPixelTests: XCTestCase {
    /// A textured grey background and `n` tracks on circles, some occluded in some frames.
    func makeClip(frames t: Int = 12, points n: Int = 10, width: Int = 160, height: Int = 120) -> OverlayClip {
        let background = (0..<t).map { f -> RGBImage in
            var image = RGBImage(width: width, height: height)
            for y in 0..<height { for x in 0..<width {
                let v = UInt8(90 + 40 * ((x / 8 + y / 8 + f) % 2))
                image.bytes[(y * width + x) * 3] = v; image.bytes[(y * width + x) * 3 + 1] = v; image.bytes[(y * width + x) * 3 + 2] = v
            } }
            return image
        }
        var view = OverlayView(name: "main", frames: background, points: n)
        var colours: [RGBColour] = []
        for p in 0..<n {
            let cx = Float(20 + (p % 5) * 30), cy = Float(30 + (p / 5) * 60)
            colours.append(TrackColours.colour(x: cx, y: cy, width: width, height: height))
            for f in 0..<t {
                let a = Float(f) * 0.3 + Float(p)
                view.positions[2 * (f * n + p)] = cx + 6 * cos(a); view.positions[2 * (f * n + p) + 1] = cy + 6 * sin(a)
                view.states[f * n + p] = (p == 8 && f >= 6) ? .occluded : .visible
            }
        }
        return OverlayClip(views: [view], points: n, colours: colours, teacher: "flow", checker: "klt-offline", sourceFrames: Array(0..<t))
    }

    func decoded(_ renderer: OverlayRenderer) throws -> [RGBImage] {
        let path = NSTemporaryDirectory() + "overlay-test-\(getpid()).mp4"
        defer { unlink(path) }
        try OverlayVideo.write(renderer, to: path, quality: 18)
        var frames: [RGBImage] = []
        try VideoReader(path: path).readAll(formats: .rgb) { frames.append($0.rgb!) }
        return frames
    }

    func distance(_ image: RGBImage, _ x: Int, _ y: Int, _ c: RGBColour) -> Int {
        let i = (y * image.width + x) * 3
        return abs(Int(image.bytes[i]) - Int(c.r)) + abs(Int(image.bytes[i + 1]) - Int(c.g)) + abs(Int(image.bytes[i + 2]) - Int(c.b))
    }

    /// The smallest colour distance to `c` among the pixels within `reach` px of (x, y).
    func nearest(_ image: RGBImage, _ x: Float, _ y: Float, _ c: RGBColour, reach: Float = 1) -> Int {
        var best = Int.max
        for yy in Int((y - reach).rounded(.down))...Int((y + reach).rounded(.up)) {
            for xx in Int((x - reach).rounded(.down))...Int((x + reach).rounded(.up)) {
                guard xx >= 0, yy >= 0, xx < image.width, yy < image.height else { continue }
                let dx = Float(xx) - x, dy = Float(yy) - y
                if dx * dx + dy * dy <= reach * reach { best = min(best, distance(image, xx, yy, c)) }
            }
        }
        return best
    }

    func testTrackColoursAreWhereTheLabelsAreAfterEncoding() throws {
        let clip = makeClip()
        var style = OverlayStyle()
        style.trail = 0
        let renderer = OverlayRenderer(clip: clip, style: style)
        let frames = try decoded(renderer)
        XCTAssertEqual(frames.count, clip.frameCount)
        var checked = 0
        for (t, image) in frames.enumerated() {
            for p in 0..<clip.points where clip.views[0].states[t * clip.points + p] == .visible {
                let q = renderer.drawnPosition(view: 0, t: t, n: p)!
                guard q.y > 40 || q.x > 130 else { continue }  // not under the caption
                XCTAssertLessThan(nearest(image, q.x, q.y, clip.colours[p]), 60, "track \(p) frame \(t) at \(q)")
                // The background alone is far from every track colour (they are saturated).
                XCTAssertGreaterThan(distance(clip.views[0].frames[t], Int(q.x.rounded()), Int(q.y.rounded()), clip.colours[p]), 150)
                checked += 1
            }
            let p = 8
            if clip.views[0].states[t * clip.points + p] == .occluded {
                let q = renderer.drawnPosition(view: 0, t: t, n: p)!
                XCTAssertGreaterThan(distance(image, Int(q.x.rounded()), Int(q.y.rounded()), clip.colours[p]), 120, "hollow at frame \(t)")
                // A one-pixel ring loses much of its chroma to 4:2:0 subsampling: it is nearer the
                // track's colour than the background there was, by a third at least.
                let ring = nearest(image, q.x + renderer.discRadius, q.y, clip.colours[p], reach: 1)
                let before = nearest(clip.views[0].frames[t], q.x + renderer.discRadius, q.y, clip.colours[p], reach: 1)
                XCTAssertLessThan(3 * ring, 2 * before, "ring at frame \(t)")
            }
        }
        XCTAssertGreaterThan(checked, 50)
    }

    func testColoursDependOnlyOnTheQuery() {
        let a = TrackColours.colour(x: 10, y: 20, width: 100, height: 100)
        XCTAssertEqual(a, TrackColours.colour(x: 10, y: 20, width: 100, height: 100))
        XCTAssertNotEqual(a, TrackColours.colour(x: 10, y: 80, width: 100, height: 100))
        XCTAssertEqual(TrackColours.colour(x: 0, y: 0, width: 100, height: 100), RGBColour(255, 0, 0))
    }

    func testRemovedLabelsAreFaintAndMarkedOnlyWhenAsked() {
        var clip = makeClip(frames: 2, points: 6)  // track 5 is below the caption
        clip.views[0].states = [LabelState](repeating: .none, count: 12)
        clip.views[0].states[6 + 5] = .removed
        clip.views[0].removedBy[6 + 5] = 2
        clip.rules = ["visibility", "agreement"]
        XCTAssertEqual(OverlayClip.ruleLetters(["visibility", "agreement", "appearance"]), ["V", "A", "P"])
        let plain = OverlayRenderer(clip: clip).frame(1)
        var style = OverlayStyle(); style.showRemoved = true
        let shown = OverlayRenderer(clip: clip, style: style).frame(1)
        let q = OverlayRenderer(clip: clip).drawnPosition(view: 0, t: 1, n: 5)!
        let ring = (Int(q.y.rounded()) * plain.width + Int((q.x + OverlayRenderer(clip: clip).discRadius).rounded())) * 3
        XCTAssertEqual(plain.bytes[ring], clip.views[0].frames[1].bytes[ring])
        XCTAssertNotEqual(shown.bytes[ring..<(ring + 3)], plain.bytes[ring..<(ring + 3)])
    }

    func testRigViewsAreTiled() {
        let one = makeClip(frames: 2, points: 2)
        var clip = one
        clip.views = [one.views[0], one.views[0], one.views[0]]
        let renderer = OverlayRenderer(clip: clip)
        XCTAssertEqual(renderer.width, 3 * 160)
        XCTAssertEqual(renderer.drawnPosition(view: 2, t: 0, n: 0)!.x, renderer.drawnPosition(view: 0, t: 0, n: 0)!.x + 320, accuracy: 1e-3)
        var four = one
        four.views = Array(repeating: one.views[0], count: 4)
        XCTAssertEqual(OverlayRenderer(clip: four).height, 240)
    }
}
