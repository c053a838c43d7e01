// Shorthands the tests use to read artifacts back (through the codecs the stages use).

import Features
import Pipeline
import Teachers

extension PointsArtifact {
    static func queries(_ bytes: [UInt8]) throws -> [Query] { try PointsArtifact(decoding: bytes).queries }
    static func views(_ bytes: [UInt8]) throws -> [Int] { try PointsArtifact(decoding: bytes).views }
}

extension TracksArtifact where Provenance == TeacherProvenance {
    static func labelsAndProvenance(_ bytes: [UInt8]) throws -> (TeacherTracks, TeacherProvenance) {
        let artifact = try TracksArtifact(decoding: bytes)
        return (artifact.labels, artifact.provenance)
    }
}
