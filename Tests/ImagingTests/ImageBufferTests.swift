import Imaging
import XCTest

final class ImageBufferTests: XCTestCase {
    func testGreyFromRGBUsesBT601Weights() {
        let rgb = RGBImage(width: 2, height: 1, bytes: [255, 0, 0, 10, 200, 30])
        let grey = rgb.grey()
        XCTAssertEqual(grey[0, 0], 0.299 * 255, accuracy: 1e-3)
        XCTAssertEqual(grey[1, 0], 0.299 * 10 + 0.587 * 200 + 0.114 * 30, accuracy: 1e-3)
    }

    func testQuarterTurns() {
        // 3×2 image:  0 1 2
        //             3 4 5
        let image: [Int] = [0, 1, 2, 3, 4, 5]
        XCTAssertEqual(QuarterTurn.counterClockwise90.apply(image, width: 3, height: 2, channels: 1), [2, 5, 1, 4, 0, 3])
        XCTAssertEqual(QuarterTurn.clockwise90.apply(image, width: 3, height: 2, channels: 1), [3, 0, 4, 1, 5, 2])
        XCTAssertEqual(QuarterTurn.half.apply(image, width: 3, height: 2, channels: 1), [5, 4, 3, 2, 1, 0])
        XCTAssertEqual(QuarterTurn.none.apply(image, width: 3, height: 2, channels: 1), image)
        // Two channels move together.
        XCTAssertEqual(QuarterTurn.half.apply([0, 10, 1, 11], width: 2, height: 1, channels: 2), [1, 11, 0, 10])
    }

    func testQuarterTurnFromDegrees() {
        XCTAssertEqual(QuarterTurn(degreesCounterClockwise: 90), .counterClockwise90)
        XCTAssertEqual(QuarterTurn(degreesCounterClockwise: -90), .clockwise90)
        XCTAssertEqual(QuarterTurn(degreesCounterClockwise: 180.4), .half)
        XCTAssertEqual(QuarterTurn(degreesCounterClockwise: 359), .none)
        XCTAssertEqual(QuarterTurn(degreesCounterClockwise: .nan), .none)
    }
}
