import ArrayFiles
import Foundation
import GRDB
@testable import Ingest
import Manifest
@testable import Pipeline
@testable import PipelineDefinition
import Shards
import Synthetic
import VideoIO
import XCTest

/// Issue 17, "Hostile and careless input": each bad input is one failed source or an
/// error naming the file and the cause; the good input beside it is still recorded.
final class HostileInputTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func pipeline() throws -> PipelineDefinition {
        try PipelineDefinition.parse("""
            seed: 1
            stages: [decode-check]
            clips: {length: 8, min_length: 8, resolution: {mode: native}}
            """)
    }

    func manifest(_ definition: PipelineDefinition) throws -> ManifestDatabase {
        let manifest = try ManifestDatabase(path: directory + "/m.sqlite")
        try manifest.adopt(ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                            seed: definition.seed, stageNames: definition.stages))
        return manifest
    }

    func goodVideo(_ name: String = "good.mp4") throws -> String {
        var clip = SyntheticClip(width: 64, height: 48, frameCount: 16, seed: 5)
        clip.velocityX = 1
        let path = directory + "/" + name
        try clip.write(to: path, settings: VideoEncoderSettings(codec: .h264, width: 64, height: 48))
        return path
    }

    func rig(_ name: String, edit: ((inout [[String: Any]]) -> Void)? = nil) throws -> String {
        var scene = RigScene()
        scene.width = 64; scene.height = 48; scene.frameCount = 8; scene.views = 2
        let path = directory + "/" + name
        try scene.write(to: path)
        if let edit {
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/rig.json"))) as! [String: Any]
            var cameras = object["cameras"] as! [[String: Any]]
            edit(&cameras)
            object["cameras"] = cameras
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path + "/rig.json"))
        }
        return path
    }

    func ingest(_ paths: [String], _ configure: (inout Ingestor) -> Void = { _ in }) throws -> (IngestSummary, [String: IngestSummary.Failure]) {
        let definition = try pipeline()
        var ingestor = Ingestor(manifest: try manifest(definition), pipeline: definition)
        configure(&ingestor)
        let summary = try ingestor.ingest(try Ingestor.expand(paths), runId: nil)
        let failures = Dictionary(summary.failed.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) }, uniquingKeysWith: { a, _ in a })
        return (summary, failures)
    }

    // MARK: finding 1, format string from data

    func testDepthPatternsAreParsedNeverFormatted() throws {
        XCTAssertEqual(try DepthFilePattern("d/%05d.png").file(frame: 42), "d/00042.png")
        XCTAssertEqual(try DepthFilePattern("d/%d.png").file(frame: 42), "d/42.png")
        XCTAssertEqual(try DepthFilePattern("pct%%s_dir/%3d.png").file(frame: 7), "pct%s_dir/  7.png")
        for bad in ["d/%p.png", "d/%s.png", "d/%0999999999d.png", "d/%05d_%05d.png", "d/%n", "d/%", "d/%x.png", "d/none.png"] {
            XCTAssertThrowsError(try DepthFilePattern(bad), bad)
        }
    }

    func testHostileDepthPatternsFailTheirRigAndTheGoodVideoIsRecorded() throws {
        let good = try goodVideo()
        var rigs: [String] = []
        for (name, pattern) in [("pointer", "cam0_depth/%p.png"), ("string", "cam0_depth/%s.png"), ("wide", "cam0_depth/%0999999999d.png")] {
            rigs.append(try rig(name) { $0[0]["depth"] = pattern })
        }
        // A rig directory whose own name holds a conversion: its depth pattern still works.
        rigs.append(try rig("pct%s_dir"))
        let (summary, failures) = try ingest(rigs + [good])
        XCTAssertEqual(summary.ingested, 2, "the good video and the rig named pct%s_dir: \(summary.failed)")
        for name in ["pointer", "string", "wide"] {
            let failure = try XCTUnwrap(failures[name], name)
            XCTAssertEqual(failure.kind, "rig-invalid")
            XCTAssertTrue(failure.error.contains("rig.json") && failure.error.contains("depth pattern"), failure.error)
            XCTAssertFalse(failure.error.contains("0x"), "no addresses in the failure text: \(failure.error)")
        }
    }

    // MARK: finding 3, paths outside the rig

    func testRigPathsAreConfinedToTheRigDirectoryUnlessAllowed() throws {
        let outside = try goodVideo("outside.mp4")
        let absolute = try rig("absolute") { $0[1]["video"] = outside }
        let parent = try rig("parent") { $0[1]["video"] = "../outside.mp4" }
        let linked = try rig("linked")
        try FileManager.default.removeItem(atPath: linked + "/cam1.mp4")
        try FileManager.default.createSymbolicLink(atPath: linked + "/cam1.mp4", withDestinationPath: outside)
        let depthLink = try rig("depthlink")
        try FileManager.default.removeItem(atPath: depthLink + "/cam0_depth/00003.png")
        try FileManager.default.createSymbolicLink(atPath: depthLink + "/cam0_depth/00003.png", withDestinationPath: "/etc/hostname")
        let (summary, failures) = try ingest([absolute, parent, linked, depthLink])
        XCTAssertEqual(summary.ingested, 0)
        XCTAssertTrue(failures["absolute"]?.error.contains("absolute") ?? false, "\(failures)")
        XCTAssertTrue(failures["parent"]?.error.contains("'..'") ?? false, "\(failures)")
        XCTAssertTrue(failures["linked"]?.error.contains("outside the rig directory") ?? false, "\(failures)")
        XCTAssertTrue(failures["depthlink"]?.error.contains("outside the rig directory") ?? false, "\(failures)")
        // The user may opt out (their own rigs, on purpose).
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory + "/m.sqlite" + suffix) }
        let optOut = try rig("optout") { $0[1]["video"] = self.directory + "/optout-cam1.mp4" }
        try FileManager.default.moveItem(atPath: optOut + "/cam1.mp4", toPath: directory + "/optout-cam1.mp4")
        let (allowed, rest) = try ingest([optOut]) { $0.confineRigPaths = false }
        XCTAssertEqual(allowed.ingested, 1, "\(rest)")
    }

    // MARK: finding 3, a file changed after ingest

    func testAFileChangedSinceIngestFailsItsClipsWithTheCause() throws {
        let good = try goodVideo()
        let definition = try pipeline()
        let manifest = try manifest(definition)
        let summary = try Ingestor(manifest: manifest, pipeline: definition).ingest([good], runId: nil)
        XCTAssertEqual(summary.ingested, 1)
        var other = SyntheticClip(width: 64, height: 48, frameCount: 16, seed: 9)
        other.velocityX = 2
        try other.write(to: good, settings: VideoEncoderSettings(codec: .h264, width: 64, height: 48))
        _ = try StageRunner(manifest: manifest, pipeline: definition, runId: nil).run()
        let errors = try manifest.read { try String.fetchAll($0, sql: "SELECT error FROM tasks WHERE state = 'failed'") }
        XCTAssertEqual(errors.count, 2, "both clips failed")
        XCTAssertTrue(errors.allSatisfy { $0.contains("changed since it was ingested") && $0.contains(good) }, "\(errors)")
        let causes = try manifest.read { try String.fetchAll($0, sql: "SELECT failure_cause FROM tasks WHERE state = 'failed'") }
        XCTAssertEqual(Set(causes), ["input"])
    }

    // MARK: finding 6, unchecked values

    func testNumPyShapesAreCheckedNotTrusted() throws {
        func npy(shape: String, payload: Int) -> [UInt8] {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            let n = header.utf8.count
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + [UInt8](repeating: 0, count: payload)
        }
        for shape in ["(-1, 4, 4)", "(4, -4, -1)", "(4611686018427387904, 4, 4)", "(99999999, 99999999, 99999999)", "(2, x, 2)"] {
            XCTAssertThrowsError(try NumPyArray(npy: npy(shape: shape, payload: 64), name: "d.npy"), shape)
        }
        XCTAssertEqual(try NumPyArray(npy: npy(shape: "(2, 2, 4)", payload: 64), name: "d.npy").shape, [2, 2, 4])
        // As a rig's depth: the rig fails, the good video is recorded.
        let good = try goodVideo()
        let bad = try rig("npy")
        try Data(npy(shape: "(-8, 48, 64)", payload: 1024)).write(to: URL(fileURLWithPath: bad + "/depth.npy"))
        var text = try String(contentsOfFile: bad + "/rig.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "cam0_depth\\/%05d.png", with: "depth.npy").replacingOccurrences(of: "cam0_depth/%05d.png", with: "depth.npy")
        try text.write(toFile: bad + "/rig.json", atomically: true, encoding: .utf8)
        let (summary, failures) = try ingest([bad, good])
        XCTAssertEqual(summary.ingested, 1)
        XCTAssertTrue(failures["npy"]?.error.contains("depth.npy") ?? false, "\(failures)")
    }

    func testCameraValuesMustBeFiniteAndBounded() throws {
        let huge = try rig("huge") { cameras in
            cameras[0]["extrinsics_w2c"] = [[1, 0, 0, 1e300], [0, 1, 0, 0], [0, 0, 1, 3]]
        }
        let (summary, failures) = try ingest([huge])
        XCTAssertEqual(summary.ingested, 0)
        XCTAssertTrue(failures["huge"]?.error.contains("extrinsics_w2c") ?? false, "\(failures)")
    }

    func testPipelineNumbersAndTypesAreChecked() throws {
        let cases: [(String, String)] = [
            ("teachers: [{name: flow, weight: .nan}]", "weight"),
            ("teachers: [{name: flow, weight: .inf}]", "weight"),
            ("quality: {appearance_window: 1000000000}", "appearance_window"),
            ("quality: {cycle_search: 1000000000}", "cycle_search"),
            ("clips: {resolution: {mode: crop, width: 65536, height: 65536}}", "width"),
            ("decode: {threads: 100000}", "threads"),
            ("run: {lease_seconds: .nan}", "lease_seconds"),
            ("clips: 5", "clips"),
            ("shards: none", "shards"),
            ("clips: {length: {a: 1}}", "length"),
        ]
        for (yaml, key) in cases {
            XCTAssertThrowsError(try PipelineDefinition.parse(yaml, path: "p.yaml"), yaml) { error in
                XCTAssertTrue("\(error)".contains("p.yaml") && "\(error)".contains(key), "\(yaml): \(error)")
            }
        }
        XCTAssertNoThrow(try PipelineDefinition.parse("clips: {frame_step: 2}\nrun: {lease_seconds: 30}\nshards:\n"))
    }

    // MARK: finding 7, resources

    func testLimitsRefuseHugeInputsWithTheOptionToRaiseThem() throws {
        let good = try goodVideo()
        let many = try rig("many") { cameras in
            for i in 2..<70 { var c = cameras[0]; c["name"] = "cam\(i)"; cameras.append(c) }
        }
        let (summary, failures) = try ingest([many, good]) { $0.limits.maxPixelsPerFrame = 64 * 48 - 1 }
        XCTAssertEqual(summary.ingested, 0)
        XCTAssertTrue(failures["many"]?.error.contains("--max-rig-cameras") ?? false, "\(failures)")
        XCTAssertEqual(failures["good.mp4"]?.kind, "too-large")
        XCTAssertTrue(failures["good.mp4"]?.error.contains("--max-pixels") ?? false, "\(failures)")
    }

    func testFIFOsAndDevicesAreNotReadAndDoNotHang() throws {
        let corpus = directory + "/corpus"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        _ = try goodVideo("corpus/good.mp4")
        XCTAssertEqual(mkfifo(corpus + "/fifo.mp4", 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: corpus + "/zero.mp4", withDestinationPath: "/dev/zero")
        let started = Date()
        let (summary, failures) = try ingest([corpus])
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        XCTAssertEqual(summary.ingested, 1)
        XCTAssertTrue(failures["fifo.mp4"]?.error.contains("FIFO") ?? false, "\(failures)")
        XCTAssertTrue(failures["zero.mp4"]?.error.contains("device") ?? false, "\(failures)")
        XCTAssertThrowsError(try Ingestor.expand(["@" + corpus + "/fifo.mp4"]))
    }

    // MARK: finding 4, files it never wrote

    func testAnotherDatasetsShardsAreNeverRemoved() throws {
        let out = directory + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: out + "/shard.00000.mds.zstd"))
        try Data([4, 5, 6]).write(to: URL(fileURLWithPath: out + "/shard.00007.mds.zstd"))
        let manifest = try manifest(try pipeline())
        XCTAssertThrowsError(try ShardOutput(path: out, manifest: manifest)) { error in
            XCTAssertTrue("\(error)".contains("did not write"), "\(error)")
        }
        XCTAssertThrowsError(try ShardOutput(path: "/", manifest: manifest)) { error in
            XCTAssertTrue("\(error)".contains("root"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/shard.00000.mds.zstd")), Data([1, 2, 3]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/shard.00007.mds.zstd")), Data([4, 5, 6]))
    }
}
