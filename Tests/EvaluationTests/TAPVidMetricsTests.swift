import ArrayFiles
import Evaluation
import Foundation
import XCTest

final class TAPVidMetricsTests: XCTestCase {
    /// Two points over three frames at 256×256 (no rescaling), queried at frame 0, so
    /// frames 1 and 2 are scored.
    func testHandComputedCase() {
        // Truth: point 0 visible at (10, 10) in frames 1 and 2; point 1 visible in frame 1,
        // occluded in frame 2.
        let truth: [Float] = [0, 0, 0, 0, /* t1 */ 10, 10, 50, 50, /* t2 */ 10, 10, 60, 60]
        let truthVisible = [true, true, true, true, true, false]
        // Prediction: point 0 off by 3 px in frame 1 and by 0.5 px in frame 2; point 1 exact
        // in frame 1 but predicted visible in frame 2 (a false positive).
        let predicted: [Float] = [0, 0, 0, 0, 13, 10, 50, 50, 10.5, 10, 0, 0]
        let predictedVisible = [true, true, true, true, true, true]
        let m = TAPVidMetrics.compute(predicted: predicted, predictedVisible: predictedVisible, truth: truth,
                                      truthVisible: truthVisible, queryFrames: [0, 0], frames: 3, points: 2,
                                      width: 256, height: 256)
        // Scored visible frames: (t1, p0) d = 3, (t1, p1) d = 0, (t2, p0) d = 0.5.
        // within: thr 1 → 2 of 3, thr 2 → 2/3, thr 4, 8, 16 → 3/3.
        XCTAssertEqual(m.withinThreshold, [2.0 / 3, 2.0 / 3, 1, 1, 1].map { $0 }, "δ per threshold")
        XCTAssertEqual(m.deltaAverage, (2.0 / 3 * 2 + 3) / 5, accuracy: 1e-12)
        // Jaccard: TP = within and predicted visible; FP = other predicted-visible frames
        // (4 predicted visible in all); thr 1, 2: TP 2 → 2 / (3 + 2) ; thr ≥ 4: TP 3 → 3 / (3 + 1).
        XCTAssertEqual(m.averageJaccard, (2 * 0.4 + 3 * 0.75) / 5, accuracy: 1e-12)
        XCTAssertEqual(m.occlusionAccuracy, 3.0 / 4, accuracy: 1e-12)
    }

    func testRescalingTo256() {
        // A 512-wide video: 3 px of error is 1.5 px at 256 scale.
        let m = TAPVidMetrics.compute(predicted: [0, 0, 3, 0], predictedVisible: [true, true], truth: [0, 0, 0, 0],
                                      truthVisible: [true, true], queryFrames: [0], frames: 2, points: 1, width: 512, height: 256)
        XCTAssertEqual(m.withinThreshold, [0, 1, 1, 1, 1])
    }

    func testNumPyArchiveRoundTripAndFortranOrder() throws {
        let path = NSTemporaryDirectory() + "pt-\(UUID().uuidString).npz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tracks = NumPyArray((0..<12).map(Float.init), shape: [2, 3, 2])
        let visible = NumPyArray([true, false, true, true, false, false], shape: [2, 3])
        try NumPyArchive.write([("tracks", tracks), ("visible", visible)], to: path)
        let back = try NumPyArchive.read(path)
        XCTAssertEqual(back["tracks"], tracks)
        XCTAssertEqual(back["visible"], visible)
        XCTAssertEqual(back["tracks"]?.floats(), (0..<12).map(Float.init))
        // A 2×3 array saved column-major (numpy writes a transposed array that way).
        let header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for v: Float in [1, 4, 2, 5, 3, 6] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        XCTAssertEqual(try NumPyArray(npy: bytes).floats(), [1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try NumPyArray(npy: Array("not numpy".utf8)))
    }
}
