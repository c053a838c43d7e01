import Features
import Imaging
import Seeding
import Synthetic
import XCTest

/// A scene that pans by `background` per frame with an object (the box, in frame 0's
/// coordinates) moving by `object` per frame: an exact FrameMotion.
private struct PanWithObject: FrameMotion {
    let background: SIMD2<Float>, object: SIMD2<Float>
    let box: (min: SIMD2<Float>, max: SIMD2<Float>)

    func onObject(_ p: SIMD2<Float>, at t: Int) -> Bool {
        let q = p - Float(t) * object
        return q.x >= box.min.x && q.y >= box.min.y && q.x <= box.max.x && q.y <= box.max.y
    }

    func carry(_ points: [SIMD2<Float>], from: Int, to: Int) -> [SIMD2<Float>?] {
        points.map { $0 + Float(to - from) * (onObject($0, at: from) ? object : background) }
    }
}

final class MovingRegionsTests: XCTestCase {
    private let motion = PanWithObject(background: SIMD2(1.5, -0.5), object: SIMD2(-12, 4),
                                       box: (SIMD2(40, 30), SIMD2(104, 78)))

    func testFindsTheObjectThatMovesApartFromThePan() {
        let regions = MovingRegions(frame: 2, count: 10, width: 192, height: 144, motion: motion)
        var hits = 0, misses = 0, falseAlarms = 0
        for y in stride(from: 8, to: 144, by: 16) {
            for x in stride(from: 8, to: 192, by: 16) {
                let p = SIMD2(Float(x) - 0.5, Float(y) - 0.5)
                let truth = motion.onObject(p, at: 2)
                let found = regions.isMoving(x: p.x, y: p.y)
                if truth && found { hits += 1 } else if truth { misses += 1 } else if found { falseAlarms += 1 }
            }
        }
        XCTAssertGreaterThan(hits, 8)
        XCTAssertEqual(misses, 0)
        XCTAssertEqual(falseAlarms, 0, "the pan itself is the scene's motion")
        let still = MovingRegions(frame: 2, count: 10, width: 192, height: 144,
                                  motion: PanWithObject(background: SIMD2(1.5, -0.5), object: SIMD2(1.5, -0.5), box: motion.box))
        XCTAssertEqual(still.movingShare, 0, "nothing moves apart from a plain pan")
    }

    /// Moving regions are offered first and more densely: with the preference, the object
    /// (a ninth of the frame) gets a larger share of the queries than without it.
    func testQueriesGoToTheMovingObjectFirst() {
        let frames = SyntheticClip(width: 192, height: 144, frameCount: 48, seed: 4).frames().map { $0.grey() }
        var configuration = QuerySelectionConfiguration()
        configuration.count = 120
        configuration.duplicateDescriptor = 0
        func objectShare(_ queries: [Query]) -> Double {
            Double(queries.filter { motion.onObject(SIMD2($0.x, $0.y), at: $0.t) }.count) / Double(max(queries.count, 1))
        }
        var r1 = SeededGenerator(seed: 7, "clip"), r2 = SeededGenerator(seed: 7, "clip")
        let preferring = QuerySelector(configuration: configuration).select(frames: frames, random: &r1, motion: motion)
        configuration.movingMinDistance = 0
        let even = QuerySelector(configuration: configuration).select(frames: frames, random: &r2, motion: motion)
        XCTAssertEqual(preferring.count, 120)
        XCTAssertEqual(even.count, 120)
        XCTAssertGreaterThan(objectShare(preferring), 1.5 * objectShare(even))
    }
}
