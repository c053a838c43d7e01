// The `tracks` artifact (format `tracks.v1+safetensors`), a tracker's labels for the clip's
// queries in the order of `points`: `tracks` F32 [T, N, 2], `visible` U8 [T, N],
// `confidence` F32 [T, N], `valid` U8 [T, N], and the tracker's provenance as JSON in the
// bundle's metadata (`teacher`). The teacher stage writes it as `tracks` (and `tracks.NAME`)
// with a TeacherProvenance, the full tracker as `tracks.check` with a CheckerProvenance.
// Encoded and decoded here only.

import Teachers

public struct TracksArtifact<Provenance: Codable> {
    public static var format: String { "tracks.v1+safetensors" }

    public var labels: TeacherTracks
    /// Who made the labels: TeacherProvenance in `tracks`, CheckerProvenance in `tracks.check`.
    public var provenance: Provenance

    public init(labels: TeacherTracks, provenance: Provenance) { self.labels = labels; self.provenance = provenance }

    func bundle() -> TensorBundle {
        var bundle = TensorBundle()
        let t = labels.frames, n = labels.points
        bundle.set("tracks", labels.tracks, shape: [t, n, 2])
        bundle.set("visible", labels.visible.map { $0 ? UInt8(1) : 0 }, shape: [t, n])
        bundle.set("confidence", labels.confidence, shape: [t, n])
        bundle.set("valid", labels.valid.map { $0 ? UInt8(1) : 0 }, shape: [t, n])
        bundle.metadata = ["teacher": ProvenanceJSON.text(provenance)]
        return bundle
    }

    public func encoded() -> [UInt8] { bundle().encoded() }

    /// Decodes the artifact `name` (for errors).
    public init(decoding bytes: [UInt8], name: String = "tracks") throws { try self.init(TensorBundle(decoding: bytes), name: name) }

    init(_ bundle: TensorBundle, name: String) throws {
        guard let shape = bundle.shape("tracks"), shape.count == 3, shape[2] == 2 else {
            throw StageError.artifact(name: name, message: "no [T, N, 2] tracks tensor")
        }
        var labels = TeacherTracks(frames: shape[0], points: shape[1])
        labels.tracks = try bundle.floats("tracks")
        labels.visible = try bundle.bytes("visible").map { $0 != 0 }
        labels.confidence = try bundle.floats("confidence")
        labels.valid = try bundle.bytes("valid").map { $0 != 0 }
        let count = shape[0] * shape[1]
        guard labels.visible.count == count, labels.confidence.count == count, labels.valid.count == count else {
            throw StageError.artifact(name: name, message: "visible, confidence and valid are not [T, N] = \(shape[0])×\(shape[1])")
        }
        self.labels = labels
        provenance = try ProvenanceJSON.decode(Provenance.self, from: bundle.metadata["teacher"], artifact: name)
    }
}
