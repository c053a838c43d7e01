// Every command the engine prints for the user to run runs as printed: the hints in
// backquotes in the output of `run` (before and after ingesting), with paths that need
// quoting; `status` calls what it counts sources; and `render` and `report` work on
// what `run` wrote (from the manifest, with removed labels, and from a shard sample).

import Foundation
import XCTest

final class PrintedHintTests: CommandLineTestCase {
    /// The `pseudotrack …` commands in backquotes in `text`, split into words as a POSIX
    /// shell would (single quotes and '\'' escapes honoured).
    static func hints(_ text: String) -> [[String]] {
        text.components(separatedBy: "`").enumerated().compactMap { k, part in
            guard k % 2 == 1, part.hasPrefix("pseudotrack ") else { return nil }
            var words: [String] = [], word = "", quoted = false, any = false
            var chars = Array(part)[...]
            while let c = chars.popFirst() {
                if quoted {
                    if c == "'" { quoted = false } else { word.append(c) }
                } else if c == "'" { quoted = true; any = true
                } else if c == "\\", let next = chars.popFirst() { word.append(next); any = true
                } else if c == " " { if any || !word.isEmpty { words.append(word) }; word = ""; any = false
                } else { word.append(c) }
            }
            if any || !word.isEmpty { words.append(word) }
            return words
        }
    }

    func testEveryPrintedCommandRunsAsPrinted() throws {
        let manifest = directory + "/my manifest.sqlite", out = directory + "/my out"
        let empty = try run(["run", "--manifest", manifest, "--out", out])
        XCTAssertNotEqual(empty.status, 0)
        let before = Self.hints(empty.stdout + empty.stderr)
        XCTAssertEqual(before, [["pseudotrack", "ingest", "--help"]], empty.stderr)

        try makeVideos(1, frames: 48)
        let ingested = try run(["ingest", directory + "/videos", "--manifest", manifest])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let labelled = try run(["run", "--manifest", manifest, "--out", out, "--workers", "1", "--progress", "none"])
        XCTAssertEqual(labelled.status, 0, labelled.stderr)
        let after = Self.hints(labelled.stdout)
        XCTAssertEqual(after.map { $0.dropFirst().first }, ["verify", "report"], labelled.stdout)
        for hint in before + after {
            let result = try run(Array(hint.dropFirst()))
            XCTAssertEqual(result.status, 0, "\(hint.joined(separator: " ")): \(result.stderr)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "-report/index.html"))

        let status = try run(["status", "--manifest", manifest])
        XCTAssertTrue(status.stdout.hasPrefix("sources 1 total"), status.stdout)

        // Sealing dropped the clip's artifacts: its kept labels are drawn from its shard sample,
        // its removed ones cannot be, and the error says how to keep them.
        let rendered = try run(["render", "--manifest", manifest, "--clip", "1", "--to", directory + "/clip.mp4"])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        XCTAssertTrue(rendered.stdout.contains("48 frames"), rendered.stdout)
        let removed = try run(["render", "--manifest", manifest, "--clip", "1", "--show", "removed", "--to", directory + "/removed.mp4"])
        XCTAssertEqual(removed.status, 1)
        XCTAssertTrue(removed.stderr.contains("--keep-artifacts"), removed.stderr)
        let sample = try run(["render", "--out", out, "--sample", "0", "--to", directory + "/sample.mp4"])
        XCTAssertEqual(sample.status, 0, sample.stderr)
        let wrong = try run(["render", "--out", out, "--sample", "5", "--to", directory + "/none.mp4"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("no sample 5"), wrong.stderr)
    }
}
