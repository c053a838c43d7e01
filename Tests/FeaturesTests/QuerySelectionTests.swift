import Features
import Imaging
import Seeding
import Synthetic
import XCTest

final class QuerySelectionTests: XCTestCase {
    private func clip(_ width: Int = 192, _ height: Int = 144, frames: Int = 16, seed: UInt64 = 4) -> [GreyImage] {
        SyntheticClip(width: width, height: height, frameCount: frames, seed: seed).frames().map { $0.grey() }
    }

    private func minDistanceWithinFrames(_ queries: [Query]) -> Float {
        var best = Float.infinity
        for (i, a) in queries.enumerated() {
            for b in queries[(i + 1)...] where a.t == b.t { best = min(best, hypotf(a.x - b.x, a.y - b.y)) }
        }
        return best
    }

    func testSameSeedSameQueriesAndTheRulesHold() {
        let frames = clip(frames: 48)
        var configuration = QuerySelectionConfiguration()
        configuration.count = 60
        let selector = QuerySelector(configuration: configuration)
        var r1 = SeededGenerator(seed: 7, "clip"), r2 = SeededGenerator(seed: 7, "clip"), r3 = SeededGenerator(seed: 8, "clip")
        let a = selector.select(frames: frames, random: &r1)
        let b = selector.select(frames: frames, random: &r2)
        let c = selector.select(frames: frames, random: &r3)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(Set(a.map(\.t)), Set(c.map(\.t)), "another seed draws other frames")
        XCTAssertEqual(a.count, 60)
        XCTAssertTrue(a.allSatisfy { $0.t < 12 }, "frames from the first quarter of 48")
        XCTAssertEqual(Set(a.map(\.t)).count, 8, "8 frames")
        var short = SeededGenerator(seed: 7)
        XCTAssertEqual(selector.queryFrames(length: 16, random: &short), [0, 1, 2, 3], "all 4 of a short clip's first quarter")
        XCTAssertGreaterThanOrEqual(minDistanceWithinFrames(a), configuration.minDistance)
        for q in a {
            XCTAssertTrue(q.x >= 10 && q.y >= 10 && q.x <= 181 && q.y <= 133, "border")
            let score = StructureTensor.minEigenvalue(frames[q.t], x: q.x, y: q.y, radius: 10)
            XCTAssertGreaterThanOrEqual(score, configuration.minEigenvalue)
        }
        XCTAssertTrue(a.allSatisfy { $0.source == .sift }, "a textured clip has SIFT points to spare")
        // Strongest first in each frame.
        for t in Set(a.map(\.t)) {
            let responses = a.filter { $0.t == t }.map(\.response)
            XCTAssertEqual(responses, responses.sorted(by: >))
        }
    }

    /// The clip pans 2 px right and 1 px down per frame: a query of frame t and one of
    /// frame t' that coincide after that motion are one physical point chosen twice.
    func testAPhysicalPointIsChosenInOneFrameOnly() {
        let frames = clip(frames: 48)
        func duplicates(_ queries: [Query]) -> Int {
            var count = 0
            for (i, a) in queries.enumerated() {
                for b in queries[(i + 1)...] where a.t != b.t {
                    let dt = Float(b.t - a.t)
                    if hypotf(b.x - a.x + 2 * dt, b.y - a.y + dt) <= 1 || hypotf(b.x - a.x - 2 * dt, b.y - a.y - dt) <= 1 { count += 1 }
                }
            }
            return count
        }
        var configuration = QuerySelectionConfiguration()
        configuration.count = 60    // SIFT points only (fallback corners have no descriptor to compare)
        var r1 = SeededGenerator(seed: 7, "clip"), r2 = SeededGenerator(seed: 7, "clip")
        let distinct = QuerySelector(configuration: configuration).select(frames: frames, random: &r1)
        configuration.duplicateDescriptor = 0
        let plain = QuerySelector(configuration: configuration).select(frames: frames, random: &r2)
        XCTAssertTrue((distinct + plain).allSatisfy { $0.source == .sift })
        print("cross-frame duplicate pairs among 60 queries: \(duplicates(plain)) without the descriptor check, \(duplicates(distinct)) with it")
        XCTAssertGreaterThan(duplicates(plain), 10)
        XCTAssertLessThan(duplicates(distinct), duplicates(plain) / 5)
    }

    /// The clip's motion, exactly: content at (x, y) of frame a is at (x, y) + (b − a)·v in frame b.
    private struct Pan: FrameMotion {
        let velocity: SIMD2<Float>
        func carry(_ points: [SIMD2<Float>], from: Int, to: Int) -> [SIMD2<Float>?] {
            points.map { $0 + Float(to - from) * velocity }
        }
    }

    /// With the clip's motion, a physical point is queried once even where SIFT runs out and
    /// corners fill up (which the descriptor test cannot compare); without it, the same
    /// budget picks many points twice.
    func testWithTheClipsMotionNoPointIsChosenTwice() {
        var synthetic = SyntheticClip(width: 192, height: 144, frameCount: 48, seed: 4)
        synthetic.velocityX = 2
        synthetic.velocityY = 1
        let frames = synthetic.frames().map { $0.grey() }
        let motion = Pan(velocity: SIMD2(-2, -1))
        func duplicates(_ queries: [Query]) -> Int {
            var count = 0
            for (i, a) in queries.enumerated() {
                for b in queries[(i + 1)...] where a.t != b.t {
                    let there = motion.carry([SIMD2(a.x, a.y)], from: a.t, to: b.t)[0]!
                    if hypotf(there.x - b.x, there.y - b.y) < 3 { count += 1 }
                }
            }
            return count
        }
        var configuration = QuerySelectionConfiguration()
        configuration.count = 300
        configuration.duplicateDescriptor = 0
        var r1 = SeededGenerator(seed: 7, "clip"), r2 = SeededGenerator(seed: 7, "clip")
        let spaceTime = QuerySelector(configuration: configuration).select(frames: frames, random: &r1, motion: motion)
        let plain = QuerySelector(configuration: configuration).select(frames: frames, random: &r2)
        XCTAssertGreaterThan(duplicates(plain), 50)
        XCTAssertEqual(duplicates(spaceTime), 0)
        XCTAssertGreaterThan(spaceTime.filter { $0.source == .shiTomasi }.count, 0, "corners filled up")
        XCTAssertEqual(spaceTime.map(\.t), spaceTime.map(\.t).sorted(), "frames in order of time")
        XCTAssertEqual(Set(spaceTime.map(\.t)), Set(plain.map(\.t)), "the same frames are drawn")
        XCTAssertGreaterThanOrEqual(minDistanceWithinFrames(spaceTime), configuration.minDistance)
        XCTAssertTrue(spaceTime.allSatisfy {
            StructureTensor.minEigenvalue(frames[$0.t], x: $0.x, y: $0.y, radius: 10) >= configuration.minEigenvalue
        })
    }

    func testShiTomasiFillsWhenSIFTFindsTooFew() {
        let frames = clip(128, 96, frames: 8)
        var configuration = QuerySelectionConfiguration()
        configuration.count = 400
        configuration.minDistance = 4
        var random = SeededGenerator(seed: 1)
        let queries = QuerySelector(configuration: configuration).select(frames: frames, random: &random)
        let corners = queries.filter { $0.source == .shiTomasi }
        XCTAssertGreaterThan(queries.filter { $0.source == .sift }.count, 0)
        XCTAssertGreaterThan(corners.count, 0, "corners fill up")
        XCTAssertGreaterThanOrEqual(minDistanceWithinFrames(queries), 4, "one suppression for both sources")
        XCTAssertTrue(corners.allSatisfy { StructureTensor.minEigenvalue(frames[$0.t], x: $0.x, y: $0.y, radius: 10) >= 4 })
    }

    func testFlatFramesGiveNoQueries() {
        let flat = [GreyImage](repeating: GreyImage(width: 96, height: 64, value: 128), count: 8)
        var random = SeededGenerator(seed: 1)
        XCTAssertTrue(QuerySelector(configuration: QuerySelectionConfiguration()).select(frames: flat, random: &random).isEmpty)
    }

    func testGridModeCoversTheFrame() {
        var configuration = QuerySelectionConfiguration()
        configuration.mode = .grid
        configuration.count = 100
        var random = SeededGenerator(seed: 2)
        let queries = QuerySelector(configuration: configuration).select(frames: clip(200, 100), random: &random)
        XCTAssertEqual(queries.count, 100)
        XCTAssertTrue(queries.allSatisfy { $0.source == .grid && $0.x >= 10 && $0.x <= 189 && $0.y >= 10 && $0.y <= 89 })
        // Every quarter of the frame gets about a quarter of the points.
        let left = queries.filter { $0.x < 100 }.count, top = queries.filter { $0.y < 50 }.count
        XCTAssertEqual(Double(left), 50, accuracy: 12)
        XCTAssertEqual(Double(top), 50, accuracy: 12)
    }

    func testSuppressionKeepsTheStrongest() {
        var suppression = PointSuppression(minDistance: 6)
        XCTAssertTrue(suppression.accept(SIMD2(10, 10)))
        XCTAssertFalse(suppression.accept(SIMD2(14, 13)), "5 px away")
        XCTAssertTrue(suppression.accept(SIMD2(16.1, 10)))
        XCTAssertTrue(suppression.accept(SIMD2(-3, -3)), "negative coordinates hash correctly")
        XCTAssertFalse(suppression.isFree(SIMD2(-5, -6)))
    }

    func testStructureTensorSeparatesCornersEdgesAndFlat() {
        var image = GreyImage(width: 64, height: 64, value: 50)
        for y in 32..<64 { for x in 32..<64 { image[x, y] = 200 } }  // a corner at (32, 32)
        XCTAssertEqual(StructureTensor.minEigenvalue(image, x: 10, y: 10, radius: 5), 0, accuracy: 1e-6)
        XCTAssertLessThan(StructureTensor.minEigenvalue(image, x: 32, y: 50, radius: 5), 1e-3, "straight edge")
        XCTAssertGreaterThan(StructureTensor.minEigenvalue(image, x: 32, y: 32, radius: 5), 100, "corner")
        let map = StructureTensor.minEigenvalueMap(image, radius: 5)
        XCTAssertEqual(map[32, 32], StructureTensor.minEigenvalue(image, x: 32, y: 32, radius: 5), accuracy: 1e-2)
        XCTAssertEqual(map[20, 40], StructureTensor.minEigenvalue(image, x: 20, y: 40, radius: 5), accuracy: 1e-3)
        // λ_min of a step corner peaks inside the bright quadrant, by less with a smaller block.
        let corners = ShiTomasiCorners.detect(image, blockRadius: 1, minEigenvalue: 10, border: 4)
        XCTAssertEqual(corners.count, 1)
        XCTAssertEqual(corners[0].x, 31.5, accuracy: 1.5)
        XCTAssertEqual(corners[0].y, 31.5, accuracy: 1.5)
    }
}
