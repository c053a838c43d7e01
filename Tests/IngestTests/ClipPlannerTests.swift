import Ingest
import PipelineDefinition
import XCTest

final class ClipPlannerTests: XCTestCase {
    func testFixedStepClipsFollowEachOther() {
        var section = ClipsSection()
        section.length = 10
        section.minLength = 5
        let clips = ClipPlanner.plan(frameCount: 37, contentHash: "abc", seed: 0, section: section)
        XCTAssertEqual(clips.map { $0.frames.first! }, [0, 10, 20, 30])
        XCTAssertEqual(clips.map(\.frames.count), [10, 10, 10, 7], "a short last clip is kept above min_length")
        XCTAssertEqual(clips[1].frames, Array(10..<20))
    }

    func testShortLastClipBelowMinimumIsDropped() {
        var section = ClipsSection()
        section.length = 10
        section.minLength = 8
        let clips = ClipPlanner.plan(frameCount: 37, contentHash: "abc", seed: 0, section: section)
        XCTAssertEqual(clips.count, 3)
        XCTAssertTrue(ClipPlanner.plan(frameCount: 7, contentHash: "abc", seed: 0, section: section).isEmpty)
    }

    func testStepStrideAndCap() {
        var section = ClipsSection()
        section.length = 4
        section.minLength = 4
        section.frameStep = .fixed(3)
        section.stride = 5
        section.maxPerVideo = 2
        let clips = ClipPlanner.plan(frameCount: 100, contentHash: "abc", seed: 0, section: section)
        XCTAssertEqual(clips.map(\.frames), [[0, 3, 6, 9], [5, 8, 11, 14]])
        XCTAssertEqual(clips.map(\.frameStep), [3, 3])
    }

    func testDrawnStepsAreSeededByRunSeedAndVideo() {
        var section = ClipsSection()
        section.length = 8
        section.minLength = 8
        section.frameStep = .range(1, 3)
        let a = ClipPlanner.plan(frameCount: 2000, contentHash: "video-1", seed: 7, section: section)
        let b = ClipPlanner.plan(frameCount: 2000, contentHash: "video-1", seed: 7, section: section)
        let c = ClipPlanner.plan(frameCount: 2000, contentHash: "video-1", seed: 8, section: section)
        let d = ClipPlanner.plan(frameCount: 2000, contentHash: "video-2", seed: 7, section: section)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.map(\.frameStep), c.map(\.frameStep))
        XCTAssertNotEqual(a.map(\.frameStep), d.map(\.frameStep))
        XCTAssertEqual(Set(a.map(\.frameStep)), [1, 2, 3], "every step of the range is drawn")
        for clip in a {
            XCTAssertEqual(zip(clip.frames, clip.frames.dropFirst()).map { $1 - $0 }, Array(repeating: clip.frameStep, count: 7))
            XCTAssertLessThan(clip.frames.last!, 2000)
        }
        XCTAssertEqual(Set(a.map(\.seed)).count, a.count, "each clip has its own seed")
    }
}
