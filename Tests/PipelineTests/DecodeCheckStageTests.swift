import Imaging
import Manifest
@testable import PipelineDefinition
import Seeding
@testable import Pipeline
import Synthetic
import XCTest

final class DecodeCheckStageTests: XCTestCase {
    let stage = DecodeCheckStage(configuration: DecodeCheckConfiguration())

    private func outcome(_ clip: SyntheticClip) throws -> String? {
        let frames = clip.frames().map { $0.grey() }
        let input = StageInput(clip: ClipRecord(sourceId: 1, clipIndex: 0, frameStep: 1, frames: Array(0..<frames.count),
                                                geometryJSON: "{}", storedWidth: clip.width, storedHeight: clip.height,
                                                scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0, seed: 0),
                               grey: frames, rgb: nil, artifacts: [:], random: SeededGenerator(seed: 1))
        switch try stage.run(input) {
        case .done(let artifacts):
            XCTAssertEqual(artifacts.map(\.name), ["decode-check"])
            return nil
        case .skipped(let reason, let artifacts):
            XCTAssertEqual(artifacts.count, 1)
            return reason
        case .sample:
            XCTFail("decode-check makes no sample")
            return nil
        }
    }

    func testMovingTextureIsKept() throws {
        XCTAssertNil(try outcome(SyntheticClip(width: 96, height: 64, frameCount: 24)))
        var fast = SyntheticClip(width: 96, height: 64, frameCount: 24)
        fast.velocityX = 9
        fast.velocityY = -5
        XCTAssertNil(try outcome(fast), "a fast pan is not a cut")
    }

    func testSceneCutIsSkippedAtTheCut() throws {
        var clip = SyntheticClip(width: 96, height: 64, frameCount: 24)
        clip.events = [.sceneCut(atFrame: 15)]
        let reason = try XCTUnwrap(try outcome(clip))
        XCTAssertTrue(reason.hasPrefix("scene-cut: between clip frames 14 and 15"), reason)
    }

    func testBlankFramesAreSkipped() throws {
        var clip = SyntheticClip(width: 96, height: 64, frameCount: 24)
        clip.events = [.blank(frames: 10..<12)]
        let reason = try XCTUnwrap(try outcome(clip))
        XCTAssertTrue(reason.hasPrefix("blank-frames: 2 of 24"), reason)
    }

    func testFrozenClipIsSkipped() throws {
        var clip = SyntheticClip(width: 96, height: 64, frameCount: 24)
        clip.events = [.frozen(frames: 6..<24)]
        let reason = try XCTUnwrap(try outcome(clip))
        XCTAssertTrue(reason.hasPrefix("frozen: 18 of 23"), reason)
        var briefly = SyntheticClip(width: 96, height: 64, frameCount: 24)
        briefly.events = [.frozen(frames: 6..<9)]
        XCTAssertNil(try outcome(briefly), "a few repeated frames are fine")
    }
}
