// What the stages' artifacts add to `pseudotrack status`. The manifest sums counters whose
// meaning it does not know (Manifest's StatusCounts, migration 0009); these are the
// pipeline's, stated with each artifact when it is stored (ArtifactPayload.counts) and
// read back by PipelineStatus:
//   teachers        teacher name     the teacher stage's `tracks`: 1 for the teacher drawn
//   quality         clips, labels_in, labels_out, tracks_in, tracks_out
//                                    the quality stage's `labels`: 1 clip, and its totals
//   labels_removed  rule             the labels each rule removed
//   labels_made     how              a rig's kept 3D labels by how they were made
// They are what migration 0008 read out of the same artifacts' metadata, so a manifest
// keeps its figures when it migrates to 0009; `counting` reads them from the metadata of a
// manifest made before 0008 and opened read-only (where nothing is migrated).

import Manifest

public enum ArtifactCounters {
    /// The teacher stage's `tracks`: one clip labelled by its teacher.
    public static func of(_ teacher: TeacherProvenance) -> StatusCounts {
        var counts = StatusCounts()
        counts.add("teachers", teacher.teacher, 1)
        return counts
    }

    /// The quality stage's `labels`: one clip, its label and track totals, and its labels by
    /// the rule that removed them and (a rig's) by how they were made.
    public static func of(_ provenance: QualityProvenance) -> StatusCounts {
        let q = provenance.quality
        var counts = StatusCounts()
        counts.add("quality", "clips", 1)
        counts.add("quality", "labels_in", q.labelsIn)
        counts.add("quality", "labels_out", q.labelsOut)
        counts.add("quality", "tracks_in", q.tracksIn)
        counts.add("quality", "tracks_out", q.tracksOut)
        for (rule, n) in q.labelsRemoved { counts.add("labels_removed", rule, n) }
        for (how, n) in q.labelsMade ?? [:] { counts.add("labels_made", how, n) }
        return counts
    }

    /// The counts of an artifact stored before its stage stated them, from its name and
    /// metadata (the teacher `?` when its provenance cannot be read, as 0008 counted it).
    public static let counting: ArtifactCounting = { name, metadata in
        switch name {
        case "tracks":
            guard let teacher = try? ProvenanceJSON.decode(TeacherProvenance.self, from: metadata, artifact: name) else {
                var unknown = StatusCounts()
                unknown.add("teachers", "?", 1)
                return unknown
            }
            return of(teacher)
        case LabelsArtifact.name:
            return (try? ProvenanceJSON.decode(QualityProvenance.self, from: metadata, artifact: name)).map(of) ?? StatusCounts()
        default:
            return StatusCounts()
        }
    }
}
