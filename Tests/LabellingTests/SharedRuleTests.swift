import Labelling
import Teachers
import XCTest

/// The rule pieces both label filters share.
final class SharedRuleTests: XCTestCase {
    func testJumpLimitIsAMultipleOfTheMedianStepWithAFloor() {
        let limit = JumpLimit(factor: 8, minimum: 0.05)
        XCTAssertEqual(limit.limit(steps: [100, 1, 3, 2]), 24, "the upper median of an even count (3), times 8")
        XCTAssertEqual(limit.limit(steps: [0.001, 0.002, 0.001]), 0.05, "the floor when the clip barely moves")
        XCTAssertEqual(limit.limit(steps: []), 0.05)
    }

    func testShortTrackRuleDropsBelowItsMinimumOnly() {
        let rule = ShortTrackRule(minFrames: 8)
        XCTAssertTrue(rule.drops(labelledFrames: 7))
        XCTAssertFalse(rule.drops(labelledFrames: 8))
        XCTAssertEqual(RigLabelFilter().minFrames, 8)
        XCTAssertEqual(LabelFilterConfiguration().minFrames, 12)
    }

    /// mayKeep bounds what the label filter can keep from the teacher's labels alone: seen
    /// frames besides the query, and hidden ones between the first and last seen frame.
    func testMayKeepCountsSeenFramesAndHiddenOnesBetweenThem() {
        var teacher = TeacherTracks(frames: 20, points: 4)
        let queries = (0..<4).map { _ in TeacherQuery(t: 2, x: 10, y: 10) }
        for f in 0..<20 { for n in 0..<4 { teacher.set(t: f, n: n, position: SIMD2(10, 10), visible: false, confidence: 0) } }
        for f in 3...7 { teacher.set(t: f, n: 0, position: SIMD2(10, 10), visible: true, confidence: 1) }    // 5 seen
        for f in [3, 10] { teacher.set(t: f, n: 1, position: SIMD2(10, 10), visible: true, confidence: 1) }  // 3…10: 8 frames
        for f in 0..<20 { teacher.set(t: f, n: 2, position: SIMD2(10, 10), visible: true, confidence: 1) }   // 19 seen
        for f in 3...9 { teacher.set(t: f, n: 3, position: SIMD2(10, 10), visible: true, confidence: 0, valid: false) }
        teacher.set(t: 12, n: 3, position: SIMD2(10, 10), visible: true, confidence: 1)                     // 3…12 minus 7 unlabelled
        XCTAssertEqual(ShortTrackRule(minFrames: 6).mayKeep(teacher, queries: queries), [false, true, true, false],
                       "hidden frames before the first and after the last seen frame cannot be kept")
        XCTAssertEqual(ShortTrackRule(minFrames: 5).mayKeep(teacher, queries: queries), [true, true, true, false])
        XCTAssertEqual(ShortTrackRule(minFrames: 3).mayKeep(teacher, queries: queries), [true, true, true, true])
    }
}
