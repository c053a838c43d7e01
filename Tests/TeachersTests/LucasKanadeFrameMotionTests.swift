import Imaging
import Synthetic
import Teachers
import XCTest

final class LucasKanadeFrameMotionTests: XCTestCase {
    func testCarriesPointsAlongAPanBothWaysAndLosesThoseThatLeave() {
        // Content at (x, y) in frame 0 is at (x − 2t, y − t) in frame t.
        var clip = SyntheticClip(width: 160, height: 120, frameCount: 12, seed: 31)
        clip.velocityX = 2
        clip.velocityY = 1
        let motion = LucasKanadeFrameMotion(frames: clip.frames().map { $0.grey() })
        let points: [SIMD2<Float>] = [SIMD2(80, 60), SIMD2(100.5, 70.25), SIMD2(12, 60)]
        let forward = motion.carry(points, from: 1, to: 9)
        for k in 0..<2 {
            let p = try! XCTUnwrap(forward[k])
            XCTAssertEqual(p.x, points[k].x - 16, accuracy: 0.2)
            XCTAssertEqual(p.y, points[k].y - 8, accuracy: 0.2)
        }
        XCTAssertNil(forward[2], "12 px from the left edge, moving left 2 px a frame: it leaves")
        let backward = motion.carry([SIMD2(64, 52)], from: 9, to: 3)
        XCTAssertEqual(try XCTUnwrap(backward[0]).x, 76, accuracy: 0.2)
        XCTAssertEqual(try XCTUnwrap(backward[0]).y, 58, accuracy: 0.2)
        XCTAssertEqual(motion.carry(points, from: 4, to: 4).compactMap { $0 }, points, "no step, no change")
    }
}
