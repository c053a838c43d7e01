// The report's parts on their own: the gallery sample is the same at every build and
// independent of the clips' order, plots are well-formed SVG with what they were given,
// and a whole site is written for a manifest with nothing labelled yet.

import Foundation
import Manifest
import XCTest
@testable import Report

final class ReportSiteTests: XCTestCase {
    func clip(_ id: Int64, state: String = "done") -> ClipRow {
        ClipRow(id: id, source: "/v/\(id).mp4", kind: "video", clipIndex: 0, frames: 24, state: state)
    }

    func testGallerySampleIsReproducibleAndTakesOnlyLabelledClips() {
        let clips = (1...500).map { clip(Int64($0), state: $0 % 7 == 0 ? "skipped" : "done") }
        let a = GallerySample.choose(clips, seed: 42, count: 12)
        XCTAssertEqual(a.map(\.id), GallerySample.choose(clips.reversed(), seed: 42, count: 12).map(\.id))
        XCTAssertEqual(a.count, 12)
        XCTAssertTrue(a.allSatisfy { $0.state == "done" })
        XCTAssertEqual(a.map(\.id), a.map(\.id).sorted())
        XCTAssertNotEqual(a.map(\.id), GallerySample.choose(clips, seed: 43, count: 12).map(\.id))
        XCTAssertNotEqual(a.map(\.id), Array(1...13).filter { $0 % 7 != 0 }.prefix(12).map(Int64.init))
    }

    func testPlotsAreSVGWithTheirData() throws {
        let bars = SVGChart.bars("Rules <&>", [("kept", 10, "10"), ("removed: cycle", 5, "5")])
        XCTAssertTrue(bars.hasPrefix("<svg"))
        XCTAssertTrue(bars.contains("Rules &lt;&amp;&gt;"))
        XCTAssertEqual(bars.components(separatedBy: "<rect").count - 1, 2)
        let histogram = SVGChart.histogram("Tracks", [1, 2, 2, 3, 40], bins: 4, xLabel: "tracks")
        XCTAssertTrue(histogram.contains("(5 clips)"))
        XCTAssertTrue(histogram.hasSuffix("</svg>"))
        let line = SVGChart.line("T", [(0, 1), (1, 3), (2, 2)], xLabel: "min", yLabel: "clips")
        XCTAssertEqual(line.components(separatedBy: "<polyline").count - 1, 1)
        XCTAssertTrue(SVGChart.bars("Empty", []).contains("nothing recorded yet"))
    }

    func testAnEmptyManifestGetsASite() throws {
        let dir = NSTemporaryDirectory() + "report-test-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let manifest = try ManifestDatabase(path: dir + "/m.sqlite")
        let summary = try ReportSite(manifest: manifest).build(to: dir + "/report")
        XCTAssertEqual(summary.clips, 0)
        XCTAssertEqual(summary.pages, 1)
        let index = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains("<svg"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/report/clips/page-1.html"))
    }
}
