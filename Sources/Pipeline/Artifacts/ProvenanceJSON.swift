// The one codec of the provenance that stages record as JSON text (TeacherProvenance,
// CheckerProvenance, QualityProvenance, and a sample's SampleMeta): in an artifact's
// manifest metadata, in the artifact's own bundle metadata, and in each shard sample's
// `meta` column. A stage builds and reads these as types; only this file turns them into
// text and back.
//
// The text is written with JSONSerialization's sorted keys: case-insensitive, digits by
// value (`triangulated_2` before `triangulated_10`), where JSONEncoder's sorted keys go by
// code unit. That is the order of every manifest and shard written before provenance was
// typed, so the types changed no byte of either (the note of issue 18 gives the hashes).
// JSONEncoder's text goes to JSONSerialization as a JSONTree, so every number keeps its
// exact value and is written as before (the shortest text that reads back the same value;
// 1 for 1.0).

import Foundation

enum ProvenanceJSON {
    /// `value` as JSON text with sorted keys.
    static func text<T: Encodable>(_ value: T) -> String {
        // Structs of strings, finite numbers and arrays: encoding them cannot fail.
        let tree = try! JSONDecoder().decode(JSONTree.self, from: try! JSONEncoder().encode(value))
        return String(decoding: try! JSONSerialization.data(withJSONObject: tree.foundationObject, options: [.sortedKeys, .fragmentsAllowed]),
                      as: UTF8.self)
    }

    /// The `T` in `text`; a StageError naming `artifact` when the text is not one.
    static func decode<T: Decodable>(_ type: T.Type, from text: String?, artifact: String) throws -> T {
        guard let text else { throw StageError.artifact(name: artifact, message: "no \(T.self)") }
        do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
            throw StageError.artifact(name: artifact, message: "its \(T.self) is not readable: \(error)")
        }
    }

    /// The `T` of a JSON object given as a dictionary (the rig label filter's statistics).
    static func decode<T: Decodable>(_ type: T.Type, fromObject object: [String: Any], artifact: String) throws -> T {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try decode(T.self, from: String(decoding: data, as: UTF8.self), artifact: artifact)
    }
}
