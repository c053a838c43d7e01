// Tracks queries that lie in different views of a clip (a rig's): each view's queries are
// tracked by the teacher in that view's frames, and the labels come back in the order of
// the queries. A video has one view, and this is one call of the teacher.

import Teachers

public enum ViewwiseTracking {
    public static func track<View: TrackedView>(_ teacher: Teacher, views: [View], clipId: String, queries: [TeacherQuery], queryViews: [Int]) throws -> TeacherTracks {
        precondition(queries.count == queryViews.count)
        let frames = views[0].grey.count
        if Set(queryViews).count <= 1 {
            let v = queryViews.first ?? 0
            return try teacher.track(TeacherClip(id: clipId, grey: views[v].grey, rgb: views[v].rgb), queries: queries)
        }
        var out = TeacherTracks(frames: frames, points: queries.count)
        for v in views.indices {
            let members = queryViews.indices.filter { queryViews[$0] == v }
            guard !members.isEmpty else { continue }
            let labels = try teacher.track(TeacherClip(id: "\(clipId)-\(views[v].name)", grey: views[v].grey, rgb: views[v].rgb),
                                           queries: members.map { queries[$0] })
            for t in 0..<frames {
                for (local, n) in members.enumerated() {
                    let i = t * labels.points + local
                    out.set(t: t, n: n, position: labels.position(t: t, n: local), visible: labels.visible[i],
                            confidence: labels.confidence[i], valid: labels.valid[i])
                }
            }
        }
        return out
    }
}
