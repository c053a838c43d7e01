// Cuts a video into clips as the pipeline's `clips` section says: T frames each, a frame
// step that is fixed or drawn per clip (CoTracker3 samples 1–3 at random), clip starts
// `stride` frames apart (by default each clip starts where the previous one ended), at
// most `max_per_video` clips, and a shorter last clip kept when it has `min_length`
// frames. Draws come from a generator seeded by the run seed and the video's hash, so
// the same video cuts the same way in every run and on every machine.

import PipelineDefinition
import Seeding
import VideoIO

public struct PlannedClip: Equatable, Sendable {
    public var index: Int
    public var frameStep: Int
    /// Source frame index of each of the clip's frames.
    public var frames: [Int]
    /// The clip's own seed.
    public var seed: Int64
}

public enum ClipPlanner {
    public static func plan(frameCount: Int, contentHash: String, seed: Int64, section: ClipsSection) -> [PlannedClip] {
        var random = SeededGenerator(seed: seed, contentHash, "clips")
        var clips: [PlannedClip] = []
        var start = 0
        while start < frameCount {
            if let cap = section.maxPerVideo, clips.count >= cap { break }
            let step: Int
            switch section.frameStep {
            case .fixed(let s): step = s
            case .range(let lo, let hi): step = random.int(in: lo...hi)
            }
            let available = (frameCount - 1 - start) / step + 1
            let t = min(section.length, available)
            guard t >= section.minLength else { break }
            let frames = (0..<t).map { start + $0 * step }
            clips.append(PlannedClip(index: clips.count, frameStep: step, frames: frames,
                                     seed: SeededGenerator.derive(seed: seed, contentHash, "clip", String(clips.count))))
            start += section.stride ?? (t * step)
        }
        return clips
    }
}
