@testable import Pipeline
@testable import Labelling
import XCTest

final class ProvenanceTests: XCTestCase {
    /// The text is what the untyped dictionaries gave (JSONSerialization's sorted keys:
    /// case-insensitive, digits by value), and it reads back as the same value.
    func testProvenanceTextKeepsTheUntypedBytesAndReadsBack() throws {
        let teacher = TeacherProvenance(teacher: "klt-online", version: "3", params: ["window": "7", "levels": "3", "command": "py /a/b.py"],
                                        draw: .init(choose: "random", ensemble: ["klt-online", "flow"], weights: [1, 0.5]))
        let untyped: [String: Any] = ["teacher": "klt-online", "version": "3", "params": ["window": "7", "levels": "3", "command": "py /a/b.py"],
                                      "draw": ["choose": "random", "ensemble": ["klt-online", "flow"], "weights": [1.0, 0.5]]]
        let text = ProvenanceJSON.text(teacher)
        XCTAssertEqual(text, String(decoding: try JSONSerialization.data(withJSONObject: untyped, options: [.sortedKeys]), as: UTF8.self))
        XCTAssertEqual(try ProvenanceJSON.decode(TeacherProvenance.self, from: text, artifact: "tracks"), teacher)

        var statistics = LabelFilterStatistics()
        statistics.tracksIn = 10; statistics.tracksOut = 7; statistics.removed = ["motion": 2, "short-track": 5]
        statistics.tracksRemoved = ["short-track": 3]
        var quality = QualityProvenance(.init(statistics, checker: "flow"))
        quality.quality.labelsMade = ["depth": 4, "triangulated_2": 1, "triangulated_10": 2]
        let qualityText = ProvenanceJSON.text(quality)
        XCTAssertTrue(qualityText.contains(#""labels_made":{"depth":4,"triangulated_2":1,"triangulated_10":2}"#), qualityText)
        XCTAssertTrue(qualityText.contains(#""tracks_removed":{"short-track":3}"#), qualityText)
        XCTAssertEqual(try ProvenanceJSON.decode(QualityProvenance.self, from: qualityText, artifact: "labels"), quality)
        // A rig's tracks_removed is a count.
        quality.quality.tracksRemoved = .count(3)
        XCTAssertTrue(ProvenanceJSON.text(quality).contains(#""tracks_removed":3"#))
        XCTAssertEqual(try ProvenanceJSON.decode(QualityProvenance.self, from: ProvenanceJSON.text(quality), artifact: "labels"), quality)

        let checker = CheckerProvenance(teacher: "flow", version: "1", params: [:], checks: "klt-online", views: ["a", "b"], withDepth: ["a"])
        XCTAssertEqual(ProvenanceJSON.text(checker), #"{"checks":"klt-online","params":{},"teacher":"flow","version":"1","views":["a","b"],"with_depth":["a"]}"#)
    }

    /// Numbers keep their exact value and text (a long mantissa, -0, a 64-bit seed), and keys
    /// sort case-insensitively as before ("K" after "has_depth"), in a sample's meta too.
    func testNumbersAndKeysAreWrittenAsTheUntypedDictionaryWroteThem() throws {
        struct View: Encodable {
            var K: [[Double]]; var hasDepth: Bool; var extrinsics: [Double]
            enum CodingKeys: String, CodingKey { case K, hasDepth = "has_depth", extrinsics = "extrinsics_w2c" }
        }
        struct Meta: Encodable { var seed: Int64; var fps: Double; var views: [View] }
        let values: [Double] = [-1.1102230246251565e-16, -0.0, 0, 1, 0.1, 29.97002997002997, 1e21, 5e-324]
        let meta = Meta(seed: 1 << 62, fps: 24, views: [View(K: [[500, 0, 319.5]], hasDepth: true, extrinsics: values)])
        let untyped: [String: Any] = ["seed": Int64(1) << 62, "fps": 24.0,
                                      "views": [["K": [[500.0, 0.0, 319.5]], "has_depth": true, "extrinsics_w2c": values]]]
        let expected = String(decoding: try JSONSerialization.data(withJSONObject: untyped, options: [.sortedKeys]), as: UTF8.self)
        XCTAssertEqual(ProvenanceJSON.text(meta), expected)
        XCTAssertTrue(expected.contains("-1.1102230246251565e-16,-0,0,1,0.1"), expected)
        XCTAssertTrue(expected.contains(#"{"extrinsics_w2c":"#), expected)
    }

    /// Provenance that is missing or not of its type is an error naming the artifact.
    func testUnreadableProvenanceNamesTheArtifact() {
        for text in [nil, "{}", "[1]", #"{"teacher": 3}"#] {
            XCTAssertThrowsError(try ProvenanceJSON.decode(TeacherProvenance.self, from: text, artifact: "tracks.check")) {
                XCTAssertTrue("\($0)".contains("tracks.check"), "\($0)")
            }
        }
    }
}
