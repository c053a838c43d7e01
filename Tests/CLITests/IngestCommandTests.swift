import Foundation
import XCTest

final class IngestCommandTests: CommandLineTestCase {
    func testBadFilesAreRecordedWithTheirCausesAndTheRestIngests() throws {
        try makeVideos(2, frames: 48)
        let videos = directory! + "/videos"
        let original = try Data(contentsOf: URL(fileURLWithPath: videos + "/v0.mp4"))
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: videos + "/truncated.mp4"))
        FileManager.default.createFile(atPath: videos + "/empty.mp4", contents: Data())
        try "just text".write(toFile: videos + "/text.mp4", atomically: true, encoding: .utf8)
        try "\(videos)/v1.mp4\n\(videos)/missing.mp4\n".write(toFile: directory + "/list.txt", atomically: true, encoding: .utf8)

        let manifest = directory + "/m.sqlite"
        let ingest = try run(["ingest", videos, "@\(directory!)/list.txt", "--manifest", manifest, "--pipeline", try writePipeline()])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        XCTAssertTrue(ingest.stdout.contains("ingested 2 video(s), 4 clip(s)"), ingest.stdout)

        let status = try statusJSON(manifest)
        let videosCount = status["videos"] as! [String: Int]
        XCTAssertEqual(videosCount["ingested"], 2)
        XCTAssertEqual(videosCount["failed"], 4)
        let failures = status["failures"] as! [[String: Any]]
        var causes: [String: String] = [:]
        for f in failures { causes[URL(fileURLWithPath: f["path"] as! String).lastPathComponent] = f["kind"] as? String }
        XCTAssertEqual(causes, ["truncated.mp4": "truncated", "empty.mp4": "empty", "text.mp4": "not-a-media-file",
                                "missing.mp4": "unreadable"])
        for f in failures { XCTAssertTrue((f["error"] as! String).contains(f["path"] as! String)) }
        XCTAssertEqual((status["clips"] as! [String: Int])["total"], 4)

        // Another pipeline on the same manifest is refused with the reason.
        let other = directory + "/other.yaml"
        try "clips: {length: 12}\n".write(toFile: other, atomically: true, encoding: .utf8)
        let refused = try run(["ingest", videos, "--manifest", manifest, "--pipeline", other])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("ingested with pipeline"), refused.stderr)
    }
}
