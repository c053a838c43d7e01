import Imaging
import Labelling
import Synthetic
import Teachers
import XCTest

final class QueryAnchoringTests: XCTestCase {
    /// The scene pans 3 px per frame; the labels drift 0.4 px more each frame (3.6 px by
    /// the last), as chained trackers do. Anchoring puts every label back within 0.3 px.
    func testDriftingLabelsAreMovedBackOntoTheQueryPatch() {
        var clip = SyntheticClip(width: 128, height: 96, frameCount: 10, seed: 5)
        clip.velocityX = 3; clip.velocityY = 0
        let frames = clip.frames().map { $0.grey() }
        let queries = [TeacherQuery(t: 0, x: 90, y: 40), TeacherQuery(t: 0, x: 80, y: 60)]
        var labels = TeacherTracks(frames: 10, points: 2)
        func truth(_ q: TeacherQuery, _ f: Int) -> SIMD2<Float> { SIMD2(q.x - 3 * Float(f - q.t), q.y) }
        for f in 0..<10 {
            for (n, q) in queries.enumerated() {
                labels.set(t: f, n: n, position: truth(q, f) + SIMD2(0.4 * Float(f), -0.2 * Float(f)), visible: true, confidence: 0.9)
            }
        }
        labels.set(t: 5, n: 1, position: .zero, visible: false, confidence: 0)   // an occlusion label stays as it is
        let moved = QueryAnchoring().anchor(&labels, queries: queries, frames: frames)
        XCTAssertEqual(moved, 17)
        for f in 1..<10 {
            for (n, q) in queries.enumerated() where !(f == 5 && n == 1) {
                let p = SIMD2(labels.tracks[2 * (f * 2 + n)], labels.tracks[2 * (f * 2 + n) + 1])
                XCTAssertLessThan(((p - truth(q, f)) * (p - truth(q, f))).sum().squareRoot(), 0.3, "frame \(f), point \(n)")
            }
        }
        XCTAssertEqual(labels.tracks[2 * (5 * 2 + 1)], 0, "occlusion labels are not moved")
    }

    /// Where nothing matches the query patch well (another texture), labels stay put.
    func testALabelWithoutAGoodMatchStaysWhereTheTrackersPutIt() {
        let a = ProceduralTexture(width: 128, height: 96, seed: 3).grey(), b = ProceduralTexture(width: 128, height: 96, seed: 9).grey()
        let frames = [a] + [GreyImage](repeating: b, count: 4)
        var labels = TeacherTracks(frames: 5, points: 1)
        for f in 0..<5 { labels.set(t: f, n: 0, position: SIMD2(64, 48), visible: true, confidence: 0.9) }
        let before = labels
        XCTAssertEqual(QueryAnchoring().anchor(&labels, queries: [TeacherQuery(t: 0, x: 64, y: 48)], frames: frames), 0)
        XCTAssertEqual(labels, before)
    }
}
