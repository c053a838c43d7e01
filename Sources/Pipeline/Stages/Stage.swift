// A stage of the pipeline: a deterministic function of (clip frames, the artifacts of
// earlier stages, its configuration, a generator seeded by run seed and clip) that either
// produces the clip's artifacts, or a training sample for the worker's open shard, or
// rejects the clip with a reason. Stages hold no state between clips; the runner owns
// decoding, leases, commits and the open shard.

import PipelineDefinition

public protocol Stage: Sendable {
    /// The stage's name and the artifacts it reads and writes (PipelineDefinition's StageInterface).
    var interface: StageInterface { get }
    /// Whether the stage needs the RGB frames too (grey frames are always decoded).
    var needsRGB: Bool { get }
    /// Whether the stage needs a rig's depth maps.
    var needsDepth: Bool { get }
    func run(_ input: StageInput) throws -> StageOutcome
}

extension Stage {
    public var name: String { interface.name }
    public var needsDepth: Bool { false }
}
