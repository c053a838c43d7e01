import Ingest
import PipelineDefinition
import XCTest

/// Pipelines/cotracker3.yaml, CoTracker3's real-data recipe (co-tracker train_on_real_data.py
/// with --sequence_len 80 --random_frame_rate, 384×512): it parses, and cuts a long video into
/// clips of exactly 80 frames with a step of 1–3 drawn per clip, stored at 512×384; a clip that
/// cannot give the recipe's --traj_per_sample 384 labelled tracks is skipped, not padded.
final class CoTracker3PresetTests: XCTestCase {
    func preset() throws -> PipelineDefinition {
        let path = #filePath.replacingOccurrences(of: "Tests/IngestTests/CoTracker3PresetTests.swift",
                                                  with: "Pipelines/cotracker3.yaml")
        return try PipelineDefinition.parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    func testThePresetCutsEightyFrameClipsWithARandomStep() throws {
        let definition = try preset()
        XCTAssertEqual(definition.clips.length, 80)
        XCTAssertEqual(definition.clips.minLength, 80)
        XCTAssertEqual(definition.clips.frameStep, .range(1, 3))
        XCTAssertEqual(definition.clips.resolution, .crop(width: 512, height: 384))
        var steps = Set<Int>()
        for video in 0..<20 {
            let clips = ClipPlanner.plan(frameCount: 600, contentHash: "video-\(video)", seed: definition.seed, section: definition.clips)
            XCTAssertFalse(clips.isEmpty)
            for clip in clips {
                XCTAssertEqual(clip.frames.count, 80)
                XCTAssertTrue((1...3).contains(clip.frameStep))
                XCTAssertEqual(zip(clip.frames, clip.frames.dropFirst()).map { $1 - $0 }, Array(repeating: clip.frameStep, count: 79))
                steps.insert(clip.frameStep)
            }
        }
        XCTAssertEqual(steps, [1, 2, 3])
    }

    func testThePresetSkipsClipsWithFewerThanTheRecipesTracks() throws {
        let definition = try preset()
        XCTAssertEqual(definition.points.minPoints, 384)
        XCTAssertEqual(definition.quality.minTracks, 384)
        XCTAssertGreaterThanOrEqual(definition.points.selection.count, 384)
    }
}
