// The text of the report's pages: the front page (summary, plots, gallery), a gallery
// clip's page and the pages of the clip table. ReportSite writes them.

import Foundation
import Manifest
import Pipeline

enum ReportPages {
    static func index(_ data: ReportData, gallery: [ClipRow], errors: [String?], pageSize: Int) -> String {
        let s = data.status, q = s.quality
        var body = "<h1>PseudoTrack report</h1>"
        let states = ["done", "skipped", "failed", "pending", "running"]
        let byState = Dictionary(grouping: data.clips, by: \.state).mapValues(\.count)
        body += "<p>Manifest <code>\(HTMLText.escape(s.manifest))</code>, pipeline <code>\(HTMLText.escape(String((s.pipelineSha256 ?? "?").prefix(16))))</code>. "
        body += "Sources: \(s.videos.ingested) ingested, \(s.videos.duplicates) duplicates, \(s.videos.failed) failed. "
        body += "Clips: \(data.clips.count) (" + states.map { "\(byState[$0] ?? 0) \($0)" }.joined(separator: ", ") + "). "
        if q.labelsIn > 0 {
            body += "Labels: \(q.labelsOut) of \(q.labelsIn) kept (\(percent(q.labelsOut, q.labelsIn))), \(q.tracksOut) of \(q.tracksIn) tracks. "
        }
        if s.shards.shards > 0 { body += "Shards: \(s.shards.shards) sealed, \(s.shards.clips) clips, \(s.shards.tracks) tracks. " }
        if let r = s.lastRun {
            body += String(format: "Last run #%lld: %@, %d clips, %.2f clips/s.", r.id, r.endState ?? "running or killed", r.clipsDone, r.clipsPerSecond)
        }
        body += "</p><h2>Plots</h2><div class=\"plots\">"
        for svg in plots(data) { body += svg }
        body += "</div><h2>Gallery</h2>"
        body += "<p class=\"muted\">\(gallery.count) of \(byState["done"] ?? 0) labelled clips, sampled with the pipeline's seed (the same sample at every build). "
        body += "Filled discs: seen; hollow rings: occluded; faint rings with a letter: removed by the quality stage (the letter is the rule). Click a clip for its page.</p><div class=\"gallery\">"
        for (k, clip) in gallery.enumerated() {
            body += "<div class=\"card\"><a href=\"clip/\(clip.id).html\">"
            if let error = errors[k] {
                body += "<p class=\"error\">clip \(clip.id): no overlay: \(HTMLText.escape(error))</p>"
            } else {
                body += "<video src=\"media/\(clip.id).mp4\" poster=\"media/\(clip.id).jpg\" muted loop playsinline preload=\"none\"></video>"
            }
            body += "<div>clip \(clip.id) · \(HTMLText.escape(basename(clip.source))) #\(clip.clipIndex)<br><span class=\"muted\">\(HTMLText.escape(clip.teacher ?? "?")) · \(clip.tracksOut.map(String.init) ?? "?") tracks · \(clip.labelsOut.map(String.init) ?? "?") labels</span></div></a></div>"
        }
        body += "</div><p><a href=\"clips/page-1.html\">All \(data.clips.count) clips</a> (\(pageSize) to a page).</p>"
        // Gallery videos play while on screen (posters until then), so the page loads fast.
        body += """
            <script>
            const seen = new IntersectionObserver(es => es.forEach(e => {
              const v = e.target; if (e.isIntersecting) { if (v.preload === 'none') v.preload = 'auto'; v.play().catch(() => {}); } else v.pause();
            }));
            document.querySelectorAll('.gallery video').forEach(v => seen.observe(v));
            </script>
            """
        return HTMLText.page(title: "PseudoTrack report", root: "", body: body)
    }

    static func plots(_ data: ReportData) -> [String] {
        let q = data.status.quality
        var out: [String] = []
        var rules: [(label: String, value: Double, note: String)] = [("kept", Double(q.labelsOut), "\(q.labelsOut) (\(percent(q.labelsOut, q.labelsIn)))")]
        rules += q.removed.filter { $0.value > 0 }.sorted { $0.value > $1.value }
            .map { (label: "removed: \($0.key)", value: Double($0.value), note: "\($0.value) (\(percent($0.value, q.labelsIn)))") }
        out.append(SVGChart.bars("Labels kept and removed, by rule", q.labelsIn > 0 ? rules : []))

        var drawn: [String: (clips: Int, kept: Int, total: Int)] = [:]
        for clip in data.clips { guard let t = clip.teacher else { continue }
            var d = drawn[t] ?? (0, 0, 0)
            d.clips += 1; d.kept += clip.labelsOut ?? 0; d.total += clip.labelsIn ?? 0
            drawn[t] = d
        }
        let teachers = drawn.sorted { $0.value.clips > $1.value.clips }
        out.append(SVGChart.bars("Teachers drawn (clips)", teachers.map { (label: $0.key, value: Double($0.value.clips), note: "\($0.value.clips) clips") }, colour: "#6a4fb3"))
        out.append(SVGChart.bars("Teacher yield: labels kept of their labels", teachers.filter { $0.value.total > 0 }
            .map { (label: $0.key, value: Double($0.value.kept) / Double($0.value.total), note: "\(percent($0.value.kept, $0.value.total)) of \($0.value.total)") }, colour: "#6a4fb3"))
        out.append(SVGChart.histogram("Tracks per clip (kept)", data.clips.compactMap(\.tracksOut), xLabel: "tracks"))
        out.append(SVGChart.histogram("Labels per clip (kept)", data.clips.compactMap(\.labelsOut), xLabel: "labels"))

        var skips: [String: Int] = [:]
        for s in data.status.skipped { skips[String(s.reason.split(separator: ":").first ?? "?"), default: 0] += s.clips }
        out.append(SVGChart.bars("Skipped clips by reason", skips.sorted { $0.value > $1.value }.map { (label: $0.key, value: Double($0.value), note: "\($0.value)") }, colour: "#c98a1b"))
        out.append(SVGChart.bars("Failures by stage and cause", data.failures.map { (label: "\($0.stage): \($0.cause)", value: Double($0.count), note: "\($0.count)") }, colour: "#b33"))

        var throughput: [(x: Double, y: Double)] = []
        if let start = data.firstStart, let end = data.clipEnds.last, end > start {
            let bins = 30, width = (end - start) / Double(bins)
            var counts = [Int](repeating: 0, count: bins)
            for e in data.clipEnds { counts[min(bins - 1, max(0, Int((e - start) / width)))] += 1 }
            throughput = counts.enumerated().map { (x: (Double($0.offset) + 0.5) * width / 60, y: Double($0.element) / (width / 60)) }
        }
        out.append(SVGChart.line("Throughput over the run (clips ended per minute)", throughput, xLabel: "minutes since the first task", yLabel: "clips/min"))
        out.append(SVGChart.bars("Seconds per stage (worker time, one core each)", data.stageTimes.map {
            (label: $0.stage, value: $0.seconds, note: String(format: "%.1f s, %.2f s/clip", $0.seconds, $0.seconds / Double(max(1, $0.tasks))))
        }, colour: "#2a9d6f"))
        return out
    }

    static func clip(_ clip: ClipRow, error: String?, frameIndices: String, pipelineSha256: String, manifest: String) -> String {
        var body = "<h1>Clip \(clip.id)</h1>"
        if let error {
            body += "<p class=\"error\">No overlay: \(HTMLText.escape(error))</p>"
        } else {
            body += "<video class=\"large\" src=\"../media/\(clip.id).mp4\" poster=\"../media/\(clip.id).jpg\" controls loop muted autoplay playsinline></video>"
            body += "<p class=\"muted\">Each track in the colour of its query's position; a short trail; filled: seen; hollow: occluded; faint ring with a letter: removed by that rule (spelled out in the corner).</p>"
        }
        body += "<h2>Labels</h2><table><tr><th>teacher</th><td>\(HTMLText.escape(clip.teacher ?? "?"))</td></tr><tr><th>checker</th><td>\(HTMLText.escape(clip.checker ?? "-"))</td></tr>"
        body += "<tr><th>tracks kept</th><td class=\"n\">\(clip.tracksOut.map(String.init) ?? "?") of \(clip.tracksIn.map(String.init) ?? "?")</td></tr>"
        body += "<tr><th>labels kept</th><td class=\"n\">\(clip.labelsOut.map(String.init) ?? "?") of \(clip.labelsIn.map(String.init) ?? "?")</td></tr>"
        if let text = clip.removedJSON, let removed = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int] {
            for (rule, n) in removed.sorted(by: { $0.value > $1.value }) {
                body += "<tr><th>removed: \(HTMLText.escape(rule))</th><td class=\"n\">\(n)</td></tr>"
            }
        }
        body += "</table><h2>Provenance</h2><table>"
        body += "<tr><th>source file</th><td><code>\(HTMLText.escape(clip.source))</code> (\(clip.kind))</td></tr>"
        body += "<tr><th>clip</th><td>#\(clip.clipIndex) of its source, \(clip.frames) frames, \(clip.state)</td></tr>"
        body += "<tr><th>source frame indices</th><td><code>\(HTMLText.escape(frameIndices))</code></td></tr>"
        body += "<tr><th>pipeline SHA-256</th><td><code>\(HTMLText.escape(pipelineSha256))</code></td></tr>"
        body += "<tr><th>manifest</th><td><code>\(HTMLText.escape(manifest))</code></td></tr></table>"
        return HTMLText.page(title: "Clip \(clip.id)", root: "../", body: body)
    }

    static func clipTable(_ rows: ArraySlice<ClipRow>, page: Int, pages: Int, linked: Set<Int64>) -> String {
        var pager = "<p class=\"pager\">Page: "
        let shown = Set([1, pages] + Array(max(1, page - 5)...min(pages, page + 5)))
        var last = 0
        for p in shown.sorted() {
            if p > last + 1 { pager += "… " }
            pager += p == page ? "<b>\(p)</b>" : "<a href=\"page-\(p).html\">\(p)</a>"
            last = p
        }
        pager += "</p>"
        var body = "<h1>Clips, page \(page) of \(pages)</h1>" + pager
        body += "<table><tr><th class=\"n\">clip</th><th>source</th><th class=\"n\">#</th><th class=\"n\">frames</th><th>state</th><th>teacher</th><th class=\"n\">tracks kept</th><th class=\"n\">labels kept</th><th>reason</th></tr>"
        for c in rows {
            let id = linked.contains(c.id) ? "<a href=\"../clip/\(c.id).html\">\(c.id)</a>" : "\(c.id)"
            body += "<tr><td class=\"n\">\(id)</td><td title=\"\(HTMLText.escape(c.source))\">\(HTMLText.escape(basename(c.source)))</td><td class=\"n\">\(c.clipIndex)</td><td class=\"n\">\(c.frames)</td><td>\(c.state)</td><td>\(HTMLText.escape(c.teacher ?? ""))</td>"
            body += "<td class=\"n\">\(c.tracksOut.map { "\($0) / \(c.tracksIn ?? 0)" } ?? "")</td><td class=\"n\">\(c.labelsOut.map { "\($0) / \(c.labelsIn ?? 0)" } ?? "")</td><td>\(HTMLText.escape(c.reason ?? ""))</td></tr>"
        }
        body += "</table>" + pager
        return HTMLText.page(title: "Clips, page \(page)", root: "../", body: body)
    }

    static func percent(_ a: Int, _ b: Int) -> String { b > 0 ? String(format: "%.1f%%", 100 * Double(a) / Double(b)) : "-" }
    static func basename(_ path: String) -> String { (path as NSString).lastPathComponent }
}
