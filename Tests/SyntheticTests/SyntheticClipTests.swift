import Imaging
import Synthetic
import XCTest

final class SyntheticClipTests: XCTestCase {
    func testFramesPanAtTheStatedVelocity() {
        let clip = SyntheticClip(width: 64, height: 48, frameCount: 3, seed: 4)
        let frames = clip.frames()
        XCTAssertEqual(frames.count, 3)
        let vx = clip.velocityX, vy = clip.velocityY
        // Frame t shows the background at (vx·t, vy·t): pixel (x, y) of frame 1 is pixel (x + vx, y + vy) of frame 0.
        var differing = 0
        for y in 0..<(48 - vy) {
            for x in 0..<(64 - vx) {
                for c in 0..<3 where frames[1].bytes[(y * 64 + x) * 3 + c] != frames[0].bytes[((y + vy) * 64 + x + vx) * 3 + c] { differing += 1 }
            }
        }
        XCTAssertEqual(differing, 0)
        XCTAssertNotEqual(frames[0], frames[1])
    }

    func testEventsShowAsStated() {
        var clip = SyntheticClip(width: 32, height: 32, frameCount: 6, seed: 2)
        clip.events = [.blank(frames: 1..<2), .frozen(frames: 3..<5)]
        let frames = clip.frames()
        XCTAssertEqual(Set(frames[1].bytes), [128])
        XCTAssertEqual(frames[3], frames[2])
        XCTAssertEqual(frames[4], frames[2])
        XCTAssertNotEqual(frames[5], frames[2])
    }
}
