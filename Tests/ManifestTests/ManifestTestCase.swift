import Foundation
import GRDB
@testable import Manifest
import XCTest

/// A temporary manifest with a few clips, each with the stages a, b, c.
class ManifestTestCase: XCTestCase {
    var directory: String!
    /// The connection the test works through.
    var manifest: ManifestDatabase!
    /// The connection the fixtures (addSources, expire) write through: `manifest` itself,
    /// or another connection to its file (`Opening.twoConnections`).
    var writer: ManifestDatabase { otherConnection ?? manifest }
    private var otherConnection: ManifestDatabase?
    let stages = ["a", "b", "c"]

    /// How a test's manifest is opened. GRDB runs its tests against an in-memory queue, a
    /// file queue and a pool; the manifest's counterparts are a file, an in-memory manifest,
    /// and a file whose fixtures are written through one connection while the test works
    /// through another, as the workers of a run share one manifest.
    enum Opening: String, CaseIterable { case file, inMemory, twoConnections }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pt-manifest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try open(.file)
    }

    override func tearDownWithError() throws {
        manifest = nil; otherConnection = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A fresh manifest opened as `opening`, with the pipeline adopted.
    func open(_ opening: Opening) throws {
        let path = "\(directory!)/\(opening == .file ? "m" : opening.rawValue).sqlite"
        manifest = nil; otherConnection = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        switch opening {
        case .file: manifest = try ManifestDatabase(path: path)
        case .inMemory: manifest = try ManifestDatabase.inMemory()
        case .twoConnections: otherConnection = try ManifestDatabase(path: path); manifest = try ManifestDatabase(path: path)
        }
        try writer.adopt(ManifestPipeline(pipelineSha256: "p1", pipelineText: "stages: [a, b, c]", seed: 0, stageNames: stages))
    }

    /// Runs `body` once for each opening, each on a fresh manifest; a failure names the opening.
    func inEachOpening(_ body: () throws -> Void) throws {
        for opening in Opening.allCases {
            try open(opening)
            print("manifest opening: \(opening.rawValue)")
            do { try body() } catch { XCTFail("\(opening.rawValue): \(error)") }
        }
    }

    /// Ingests `sources` fake sources with `clips` clips each.
    @discardableResult
    func addSources(_ sources: Int, clips: Int, maxAttempts: Int = 3) throws -> [IngestOutcome] {
        let batch = try (0..<sources).map { s -> IngestedSource in
            let hash = String(format: "%064x", s + 1)
            let source = SourceRecord(kind: .video, uri: "/videos/\(s).mp4", sha256: hash, bytes: 100, state: .ingested,
                                      runId: nil, ingestedAt: 0)
            let video = try VideoRecord(sourceId: 0, viewIndex: 0, viewName: "main", path: "/videos/\(s).mp4", sha256: hash,
                                        container: "mp4", codec: "h264", pixelFormat: "yuv420p", codedWidth: 64,
                                        codedHeight: 48, width: 64, height: 48, frameRate: 25, frameCount: 100,
                                        containerFrameCount: 100, duration: 4, rotation: 0, variableFrameRate: false,
                                        timeBaseNum: 1, timeBaseDen: 25, timestamps: Array(0..<100))
            let clipRecords = (0..<clips).map { c in
                ClipRecord(sourceId: 0, clipIndex: c, frameStep: 1, frames: Array(c * 10..<c * 10 + 10), geometryJSON: "{}",
                           storedWidth: 64, storedHeight: 48, scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0, seed: Int64(c))
            }
            return IngestedSource(source: source, videos: [video], clips: clipRecords)
        }
        return try writer.record(batch, stages: stages, maxAttempts: maxAttempts)
    }

    func taskStates() throws -> [String: Int] {
        try manifest.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM tasks GROUP BY state").map {
                ($0["state"] as String, $0["n"] as Int)
            })
        }
    }

    /// Moves a lease's expiry into the past, as if its worker had hung.
    func expire(_ lease: ManifestLease) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE tasks SET lease_expires_at = 1 WHERE lease_token = ?", arguments: [lease.token])
        }
    }
}
