import PipelineDefinition
import XCTest

final class PipelineDefinitionTests: XCTestCase {
    func testShippedDefaultParsesToTheEngineDefaults() throws {
        let shipped = try PipelineDefinition.defaultPipeline()
        let builtIn = PipelineDefinition()
        XCTAssertEqual(shipped.stages, builtIn.stages)
        XCTAssertEqual(shipped.clips, builtIn.clips)
        XCTAssertEqual(shipped.decode, builtIn.decode)
        XCTAssertEqual(shipped.run, builtIn.run)
        XCTAssertEqual(shipped.decodeCheck, builtIn.decodeCheck)
        XCTAssertEqual(shipped.points, builtIn.points)
        XCTAssertEqual(shipped.teachers, builtIn.teachers)
        XCTAssertEqual(shipped.fullTracker, builtIn.fullTracker)
        XCTAssertEqual(shipped.quality, builtIn.quality)
        XCTAssertEqual(shipped.shards, builtIn.shards)
        XCTAssertEqual(shipped.seed, 0)
        XCTAssertEqual(shipped.sha256.count, 64)
    }

    func testSectionsAreRead() throws {
        let p = try PipelineDefinition.parse("""
            seed: 42
            clips:
              length: 24
              frame_step: {min: 1, max: 3}
              max_per_video: 5
              min_length: 12
              resolution: {mode: crop, width: 256, height: 256}
            run: {lease_seconds: 5, max_attempts: 2}
            full_tracker: {tracker: auto, flow_scale: 2}
            """)
        XCTAssertEqual(p.seed, 42)
        XCTAssertEqual(p.clips.length, 24)
        XCTAssertEqual(p.clips.frameStep, .range(1, 3))
        XCTAssertEqual(p.clips.maxPerVideo, 5)
        XCTAssertEqual(p.clips.resolution, .crop(width: 256, height: 256))
        XCTAssertEqual(p.run.maxAttempts, 2)
        XCTAssertEqual(p.fullTracker.flowScale, 2)
        XCTAssertEqual(p.clips.geometry(width: 640, height: 480).width, 256)
    }

    func testMovingRegionsAndAnchoringCanBeTurnedOff() throws {
        let p = try PipelineDefinition.parse("""
            points: {moving_min_distance: 0, moving_threshold: 3}
            quality: {anchor_peak: 1}
            """)
        XCTAssertEqual(p.points.selection.movingMinDistance, 0)
        XCTAssertEqual(p.points.selection.movingThreshold, 3)
        XCTAssertNil(p.quality.anchoring)
        XCTAssertEqual(try PipelineDefinition.parse("quality: {anchor_peak: 0.7}").quality.anchoring?.minPeak, 0.7)
    }

    /// `tracker: auto` checks each teacher with a tracker of another family.
    func testTheAutomaticCheckerIsOfAnotherFamily() throws {
        let auto = FullTrackerConfiguration()
        XCTAssertEqual(auto.checker(for: "klt-online"), "flow")
        XCTAssertEqual(auto.checker(for: "klt-offline"), "flow")
        XCTAssertEqual(auto.checker(for: "template"), "flow")
        XCTAssertEqual(auto.checker(for: "flow"), "klt-offline")
        XCTAssertEqual(auto.checker(for: "cotracker3"), "klt-offline")
        let named = try PipelineDefinition.parse("full_tracker: {tracker: template}").fullTracker
        XCTAssertEqual(named.checker(for: "flow"), "template")
    }

    func testMistakesAreErrorsThatNameTheKey() {
        func message(_ yaml: String) -> String {
            do { _ = try PipelineDefinition.parse(yaml, path: "p.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("clips: {lenght: 24}").contains("clips.lenght: unknown key"))
        XCTAssertTrue(message("stages: [decode-check, sift-magic]").contains("unknown stage 'sift-magic'"))
        XCTAssertTrue(message("clips: {length: many}").contains("clips.length: must be an integer"))
        XCTAssertTrue(message("clips: {length: 10, min_length: 20}").contains("min_length"))
        XCTAssertTrue(message("clips: {resolution: {mode: crop, width: 255, height: 256}}").contains("even"))
        XCTAssertTrue(message("version: 2").contains("version 2"))
        XCTAssertTrue(message("full_tracker: {flow_scale: -1}").contains("full_tracker.flow_scale"))
        XCTAssertTrue(message("seed: [").hasPrefix("p.yaml: not valid YAML"))
        XCTAssertTrue(message("quality: {anchor_peak: 2}").contains("quality.anchor_peak"))
    }
}
