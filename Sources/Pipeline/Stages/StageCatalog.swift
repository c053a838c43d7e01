// The stages this engine has, each made from the pipeline definition's configuration
// (PipelineDefinition's StageInterface lists their names, reads and writes).

import Labelling
import PipelineDefinition

/// The stages this engine has, made as a pipeline definition configures each.
public enum StageCatalog {
    public static func make(_ name: String, pipeline: PipelineDefinition) throws -> Stage {
        switch name {
        case "decode-check": return DecodeCheckStage(configuration: pipeline.decodeCheck)
        case "points": return PointsStage(configuration: pipeline.points)
        case "teacher": return TeacherStage(ensemble: pipeline.teachers)
        case "full-tracker":
            let filtered = pipeline.stages.contains("quality")
            return FullTrackerStage(configuration: pipeline.fullTracker,
                                    shortTrack: filtered ? ShortTrackRule(minFrames: pipeline.quality.filter.minFrames) : nil)
        case "quality": return QualityStage(configuration: pipeline.quality)
        case "shards": return ShardsStage(configuration: pipeline.shards, seed: pipeline.seed, pipelineSha256: pipeline.sha256,
                                          filtered: pipeline.stages.contains("quality"))
        default: throw StageError.configuration(key: "stages", message: "this engine has no stage '\(name)'")
        }
    }
}
