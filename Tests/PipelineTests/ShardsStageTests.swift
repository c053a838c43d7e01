import GRDB
@testable import Ingest
import Manifest
@testable import Pipeline
@testable import PipelineDefinition
import Shards
import Synthetic
import VideoIO
import XCTest

final class ShardsStageTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-shards-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/videos", withIntermediateDirectories: true)
        for i in 0..<2 {
            var clip = SyntheticClip(width: 160, height: 96, frameCount: 48, seed: UInt64(20 + i))
            clip.velocityX = 1 + i; clip.velocityY = 1
            try clip.write(to: "\(directory!)/videos/v\(i).mp4", settings: VideoEncoderSettings(codec: .h264, width: 160, height: 96))
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private static func yaml(media: String = "video_mp4", sizeLimit: Int = 30_000) -> String {
        """
        seed: 5
        stages: [points, teacher, shards]
        clips: {length: 12, min_length: 12, resolution: {mode: native}}
        points: {count: 40, frames: 3, min_points: 8}
        teachers: [{name: klt-online}, {name: template}]
        shards: {size_limit: \(sizeLimit), media: \(media)}
        """
    }

    private func ingest(_ yaml: String) throws -> (ManifestDatabase, PipelineDefinition) {
        let definition = try PipelineDefinition.parse(yaml)
        let manifest = try ManifestDatabase(path: "\(directory!)/m.sqlite")
        try manifest.adopt(ManifestPipeline(pipelineSha256: definition.sha256, pipelineText: definition.text,
                                            seed: definition.seed, stageNames: definition.stages))
        _ = try Ingestor(manifest: manifest, pipeline: definition).ingest(try Ingestor.expand(["\(directory!)/videos"]), runId: nil)
        return (manifest, definition)
    }

    private func count(_ manifest: ManifestDatabase, _ sql: String) throws -> Int {
        try manifest.read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }

    func testEveryClipLandsInExactlyOneSealedShardThatVerifies() throws {
        // The labels in the shard are compared below with the teacher's artifact, which
        // sealing would otherwise drop (ArtifactSlimming).
        ManifestDatabase.keepsSealedArtifacts = true
        defer { ManifestDatabase.keepsSealedArtifacts = false }
        let (manifest, definition) = try ingest(Self.yaml())
        let output = try ShardOutput(path: directory + "/out", manifest: manifest)
        let totals = try StageRunner(manifest: manifest, pipeline: definition, runId: nil, output: output).run()
        XCTAssertEqual(totals.clipsFinished, 8, "2 videos of 48 frames in clips of 12")
        XCTAssertEqual(try count(manifest, "SELECT COUNT(*) FROM shard_samples"), 8)
        XCTAssertEqual(try count(manifest, "SELECT COUNT(DISTINCT clip_id) FROM shard_samples"), 8)
        XCTAssertEqual(try count(manifest, "SELECT COUNT(*) FROM tasks WHERE stage = 'shards' AND state = 'done'"), 8)
        XCTAssertEqual(try count(manifest, "SELECT COUNT(*) FROM task_attempts WHERE outcome = 'done' AND task_id IN (SELECT id FROM tasks WHERE stage = 'shards')"), 8)
        let shards = try manifest.shards(in: output.directory.path)
        XCTAssertGreaterThan(shards.count, 1, "the size limit splits the run")
        XCTAssertEqual(shards.map(\.shardIndex), Array(0..<shards.count))

        let result = ShardVerifier(output: output).verify()
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.clips, 8)
        XCTAssertEqual(result.frames, 8 * 12)
        XCTAssertGreaterThan(result.mediaBytes, 0)

        // The labels in the shard are the teacher's, at every frame it labelled.
        let index = try MDSIndex(directory: output.directory)
        let first = try MDSShardReader.read(index.entries[0], in: output.directory)[0]
        let clipId = try manifest.shardMembers(in: output.directory.path)[0][0].clipId
        let (labels, _) = try TracksArtifact<TeacherProvenance>.labelsAndProvenance(try XCTUnwrap(try manifest.artifact(clip: clipId, name: "tracks")).payload())
        guard case .array(let tracks)? = first["tracks"], case .array(let valid)? = first["valid"],
              case .array(let visibility)? = first["visibility"], case .json(let meta)? = first["meta"] else { return XCTFail("columns") }
        XCTAssertEqual(tracks.shape, [12, labels.points, 2])
        let xy = tracks.floats
        var compared = 0
        for i in 0..<(12 * labels.points) where labels.valid[i] {
            XCTAssertEqual(valid.data[i], 1)
            XCTAssertEqual(visibility.data[i], labels.visible[i] ? 1 : 0)
            XCTAssertEqual(xy[2 * i], labels.tracks[2 * i], accuracy: 1e-6)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 12 * labels.points / 2)
        let object = try JSONSerialization.jsonObject(with: Data(meta.utf8)) as! [String: Any]
        XCTAssertEqual((object["stored"] as! [String: Int])["width"], 160)
        XCTAssertEqual((object["clip"] as! [String: Any])["frame_indices"] as? [Int], Array(0..<12))
        XCTAssertTrue(["klt-online", "template"].contains((object["teacher"] as! [String: Any])["name"] as! String))
        XCTAssertEqual((object["engine"] as! [String: String])["pipeline_sha256"], definition.sha256)
    }

    func testFramesModeStoresTheDecodedPixelsAndNoneStoresNoMedia() throws {
        let (manifest, definition) = try ingest(Self.yaml(media: "frames", sizeLimit: 1 << 24))
        let output = try ShardOutput(path: directory + "/out", manifest: manifest)
        _ = try StageRunner(manifest: manifest, pipeline: definition, runId: nil, output: output).run()
        let index = try MDSIndex(directory: output.directory)
        XCTAssertEqual(index.entries.count, 1)
        XCTAssertEqual(index.entries[0].columns.names, ["confidence", "frames", "meta", "queries", "tracks", "valid", "visibility"])
        let sample = try MDSShardReader.read(index.entries[0], in: output.directory)[0]
        guard case .array(let frames)? = sample["frames"] else { return XCTFail("no frames column") }
        XCTAssertEqual(frames.shape, [12, 96, 160, 3])
        let reader = try VideoReader(path: "\(directory!)/videos/v0.mp4")
        var first: [UInt8] = []
        try reader.read(frames: [0], formats: .rgb) { first = $0.rgb!.bytes }
        XCTAssertEqual(Array(frames.data[0..<first.count]), first, "frame 0 of the first clip, as decoded")
        XCTAssertEqual(ShardVerifier(output: output).verify().errors, [])
        XCTAssertEqual(ShardsConfiguration().columns(rig: false).names.contains("video_mp4"), true)
        var none = ShardsConfiguration(); none.media = .none
        XCTAssertFalse(none.columns(rig: false).names.contains("video_mp4") || none.columns(rig: false).names.contains("frames"))
    }

    func testCrashLeftoversAreRemovedAndAForeignDirectoryIsRefused() throws {
        let (manifest, definition) = try ingest(Self.yaml())
        let output = try ShardOutput(path: directory + "/out", manifest: manifest)
        // What a crash leaves: a published file whose transaction never committed (with
        // its staged twin, the same inode, under a dead process's temporary name), and a
        // temporary file of a process that is gone.
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run(); exited.waitUntilExit()
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: ".", with: "_")
        let twin = "\(directory!)/out/.shard.\(host).\(exited.processIdentifier).8.tmp"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: twin))
        XCTAssertEqual(link(twin, directory + "/out/shard.00000.mds.zstd"), 0)
        try Data([4]).write(to: URL(fileURLWithPath: "\(directory!)/out/.shard.\(host).\(exited.processIdentifier).9.tmp"))
        _ = try StageRunner(manifest: manifest, pipeline: definition, runId: nil, output: output).run()
        XCTAssertTrue(output.directory.temporaryFiles().isEmpty)
        XCTAssertEqual(ShardVerifier(output: output).verify().errors, [], "the orphan was replaced by a sealed shard")

        // Another manifest may not write into this directory, nor this one elsewhere.
        let other = try ManifestDatabase(path: "\(directory!)/other.sqlite")
        XCTAssertThrowsError(try ShardOutput(path: directory + "/out", manifest: other)) { error in
            XCTAssertTrue("\(error)".contains("was not written for this manifest"), "\(error)")
        }
        XCTAssertThrowsError(try ShardOutput(path: directory + "/elsewhere", manifest: manifest)) { error in
            XCTAssertTrue("\(error)".contains("this manifest's shards are in"), "\(error)")
        }
    }

    func testASampleWhoseLeaseWasTakenOverIsWithdrawnNotSealedTwice() throws {
        let (manifest, definition) = try ingest(Self.yaml())
        let output = try ShardOutput(path: directory + "/out", manifest: manifest)
        // Worker A labels the first clip up to its shards task and parks the sample.
        let owner = LeaseOwner()
        let lease = try XCTUnwrap(try manifest.claim(owner: owner, duration: 60))
        let renewal = LeaseRenewal(duration: 60)
        defer { renewal.stop() }
        let sink = ShardSink(output: output, configuration: definition.shards, runId: nil, renewal: renewal, logger: .init(label: "test"))
        let sampleTask = try XCTUnwrap(lease.tasks.last)
        for task in lease.tasks.dropLast() {
            try lease.begin(task)
            try lease.complete(task, artifacts: [], seconds: 0)
        }
        try lease.begin(sampleTask)
        let columns: [String: MDSValue] = ["confidence": .array(MDSArray(float16: [1], shape: [1, 1])), "meta": .json("{\"clip_id\": \"x\"}"),
                                           "queries": .array(MDSArray(float32: [0, 1, 1], shape: [1, 3])),
                                           "tracks": .array(MDSArray(float32: [1, 1], shape: [1, 1, 2])),
                                           "valid": .array(MDSArray(uint8: [1], shape: [1, 1])),
                                           "video_mp4": .bytes([0]), "visibility": .array(MDSArray(uint8: [1], shape: [1, 1]))]
        _ = try sink.add(columns, member: ShardMember(lease: lease, task: sampleTask, tracks: 1, seconds: 0))
        // Its lease expires (A hung) and the clip is taken over by worker B.
        try manifest.write { try $0.execute(sql: "UPDATE tasks SET lease_expires_at = 0 WHERE lease_token = ?", arguments: [lease.token]) }
        let takeover = try XCTUnwrap(try manifest.claim(owner: LeaseOwner(), duration: 60))
        XCTAssertEqual(takeover.clipId, lease.clipId)
        XCTAssertEqual(try count(manifest, "SELECT attempts FROM tasks WHERE id = \(sampleTask.id)"), 0,
                       "the parked attempt is not counted against the clip")
        // A's seal finds the lease gone and writes nothing.
        let (sealed, failed) = try sink.seal()
        XCTAssertEqual(sealed, 0); XCTAssertEqual(failed, 0)
        XCTAssertEqual(sink.pendingClips, 0)
        XCTAssertTrue(output.directory.shardFiles().isEmpty)
        XCTAssertTrue(output.directory.temporaryFiles().isEmpty)
        XCTAssertEqual(try count(manifest, "SELECT COUNT(*) FROM shards"), 0)
    }
}
