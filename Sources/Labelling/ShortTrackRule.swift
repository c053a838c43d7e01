// The short-track rule, the one place both label filters take it from: a track with fewer
// than `minFrames` labelled frames is dropped whole (its labels count as removed by
// `short-track`). Too few frames teach a tracker nothing about following a point, and a
// track that loses most of its labels to the other rules is seldom right in the rest.
// LabelFilter counts a 2D track's labels besides its query frame, RigLabelFilter a 3D
// track's labelled frames; the quality stage gives both the pipeline's `quality.min_frames`
// (12; RigLabelFilter's own default of 8 is used only when it is made without a pipeline).
// Before the checker runs, `mayKeep` tells from the teacher's labels alone which 2D tracks
// can still reach `minFrames`: the full-tracker stage checks only those (below).

import Teachers

public struct ShortTrackRule: Sendable, Equatable {
    /// The fewest labelled frames a track keeps.
    public var minFrames: Int

    public init(minFrames: Int) { self.minFrames = minFrames }

    /// Whether a track with `labelledFrames` labelled frames is dropped.
    public func drops(labelledFrames: Int) -> Bool { labelledFrames < minFrames }

    /// For each point of `teacher` ([T, N], queries as given): whether LabelFilter can keep
    /// `minFrames` of its labels, whatever the checker says. A visible label needs the
    /// teacher to see the point, and an occlusion label a seen frame on each side, so the
    /// frames the teacher sees besides the query and the frames it calls hidden between
    /// the first and last frame it sees (the query frame counts as seen) bound what the
    /// filter can keep. On the layers sequences about half the queries fall short: tracks
    /// the teacher loses within a few frames.
    public func mayKeep(_ teacher: TeacherTracks, queries: [TeacherQuery]) -> [Bool] {
        precondition(queries.count == teacher.points)
        let n = teacher.points
        return (0..<n).map { p in
            let q = queries[p].t
            func seen(_ f: Int) -> Bool { f == q || (teacher.valid[f * n + p] && teacher.visible[f * n + p]) }
            guard let first = (0..<teacher.frames).first(where: seen), let last = (0..<teacher.frames).last(where: seen) else { return false }
            var bound = 0
            for f in first...last where f != q && teacher.valid[f * n + p] { bound += 1 }
            return !drops(labelledFrames: bound)
        }
    }
}
