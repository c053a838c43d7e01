import Imaging
import Synthetic
import Teachers
import XCTest

final class KLTOnlineTeacherTests: XCTestCase {
    func testFollowsAPanBothWaysFromTheQueryAndLosesPointsThatLeave() {
        // The background moves (2, 1) px per frame: content at (x, y) in frame 0 is at
        // (x − 2t, y − t) in frame t.
        var clip = SyntheticClip(width: 160, height: 120, frameCount: 12, seed: 31)
        clip.velocityX = 2
        clip.velocityY = 1
        let frames = clip.frames().map { $0.grey() }
        let queries = [TeacherQuery(t: 0, x: 80, y: 60), TeacherQuery(t: 3, x: 100.5, y: 70.25),
                       TeacherQuery(t: 0, x: 14, y: 60)]
        let result = KLTOnlineTeacher().track(TeacherClip(grey: frames), queries: queries)
        XCTAssertEqual(result.frames, 12)
        for t in 0..<12 {
            let p = result.position(t: t, n: 0)
            XCTAssertEqual(p.x, 80 - 2 * Float(t), accuracy: 0.15, "frame \(t)")
            XCTAssertEqual(p.y, 60 - Float(t), accuracy: 0.15, "frame \(t)")
            XCTAssertTrue(result.visible[t * 3])
        }
        // Query 1 is chosen in frame 3: the chain also runs back from there to frame 0.
        for t in 0..<3 {
            XCTAssertTrue(result.valid[t * 3 + 1] && result.visible[t * 3 + 1], "frame \(t), before the query frame")
            XCTAssertEqual(result.position(t: t, n: 1).x, 100.5 + 2 * Float(3 - t), accuracy: 0.15, "frame \(t)")
            XCTAssertEqual(result.position(t: t, n: 1).y, 70.25 + Float(3 - t), accuracy: 0.15, "frame \(t)")
        }
        XCTAssertTrue(result.valid[3 * 3 + 1] && result.visible[3 * 3 + 1])
        XCTAssertEqual(result.position(t: 9, n: 1).x, 100.5 - 12, accuracy: 0.15)
        // Query 2 starts 14 px from the left edge and moves left 2 px a frame: it leaves.
        XCTAssertTrue(result.visible[0 * 3 + 2])
        XCTAssertFalse(result.visible[11 * 3 + 2], "left the frame")
        let lostAt = (0..<12).first { !result.visible[$0 * 3 + 2] }!
        XCTAssertTrue((lostAt..<12).allSatisfy { !result.visible[$0 * 3 + 2] }, "a lost track stays lost")
        XCTAssertTrue(result.confidence[11 * 3 + 0] > 0.3 && result.confidence[11 * 3 + 2] == 0)
    }
}
