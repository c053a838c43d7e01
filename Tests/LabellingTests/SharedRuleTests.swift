import Labelling
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
}
