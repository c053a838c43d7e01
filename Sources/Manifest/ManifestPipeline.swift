// The pipeline a manifest was ingested with. Clips and their tasks follow from it, so a
// manifest holds exactly one; running it with another is refused.

import GRDB

public struct ManifestPipeline: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "manifest_pipeline"
    public var id: Int64 = 1
    public var pipelineSha256: String
    public var pipelineText: String
    public var seed: Int64
    /// JSON array of the stage names, in order.
    public var stages: String

    enum CodingKeys: String, CodingKey {
        case id, pipelineSha256 = "pipeline_sha256", pipelineText = "pipeline_text", seed, stages
    }

    public init(pipelineSha256: String, pipelineText: String, seed: Int64, stageNames: [String]) {
        self.pipelineSha256 = pipelineSha256
        self.pipelineText = pipelineText
        self.seed = seed
        self.stages = String(decoding: try! JSONEncoder().encode(stageNames), as: UTF8.self)
    }

    public var stageNames: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(stages.utf8))) ?? []
    }
}

import Foundation

extension ManifestDatabase {
    /// The manifest's pipeline, or nil before the first ingest.
    public func pipeline() throws -> ManifestPipeline? {
        try read { try ManifestPipeline.fetchOne($0, key: 1) }
    }

    /// Records `pipeline` as the manifest's, or checks that it is the one already recorded.
    public func adopt(_ pipeline: ManifestPipeline) throws {
        try write { db in
            if let existing = try ManifestPipeline.fetchOne(db, key: 1) {
                guard existing.pipelineSha256 == pipeline.pipelineSha256 else {
                    throw ManifestError.pipelineMismatch(manifest: existing.pipelineSha256, requested: pipeline.pipelineSha256)
                }
            } else {
                try pipeline.insert(db)
            }
        }
    }
}
