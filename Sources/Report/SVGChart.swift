// Plots as inline SVG text (no script, no library, no network): horizontal bars with a
// label and a note per bar, a histogram of integer values, and a line over time. Each is
// a self-contained <svg> with a viewBox (it scales with the page), a <title> for screen
// readers, and text in the page's font. Numbers are drawn as given; the caller rounds.

import Foundation

public enum SVGChart {
    static let width = 520.0

    /// One bar per item, longest first as given.
    public static func bars(_ title: String, _ items: [(label: String, value: Double, note: String)], colour: String = "#3b7dd8") -> String {
        guard !items.isEmpty else { return empty(title) }
        let rowHeight = 22.0, labelWidth = 196.0, top = 28.0
        let height = top + Double(items.count) * rowHeight + 8
        let maximum = max(items.map(\.value).max() ?? 1, 1e-12)
        var svg = open(title, height: height)
        for (k, item) in items.enumerated() {
            let y = top + Double(k) * rowHeight
            let w = max(1, (width - labelWidth - 140) * item.value / maximum)
            svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + 15))\" text-anchor=\"end\">\(HTMLText.escape(clipped(item.label, 28)))</text>"
            svg += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y + 3))\" width=\"\(f(w))\" height=\"\(f(rowHeight - 6))\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(f(labelWidth + w + 5))\" y=\"\(f(y + 15))\">\(HTMLText.escape(item.note))</text>"
        }
        return svg + "</svg>"
    }

    /// A histogram of `values` in at most `bins` equal bins of whole numbers.
    public static func histogram(_ title: String, _ values: [Int], bins: Int = 20, xLabel: String) -> String {
        guard let lo = values.min(), let hi = values.max() else { return empty(title) }
        let binWidth = max(1, Int((Double(hi - lo + 1) / Double(bins)).rounded(.up)))
        let count = (hi - lo) / binWidth + 1
        var counts = [Int](repeating: 0, count: count)
        for v in values { counts[(v - lo) / binWidth] += 1 }
        let height = 220.0, left = 48.0, bottom = 40.0, top = 28.0
        let plotWidth = width - left - 12, plotHeight = height - top - bottom
        let tallest = Double(counts.max() ?? 1)
        var svg = open(title, height: height)
        let barWidth = plotWidth / Double(count)
        for (k, n) in counts.enumerated() where n > 0 {
            let h = plotHeight * Double(n) / tallest
            svg += "<rect x=\"\(f(left + Double(k) * barWidth + 1))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(max(1, barWidth - 2)))\" height=\"\(f(h))\" fill=\"#3b7dd8\"><title>\(lo + k * binWidth)–\(lo + (k + 1) * binWidth - 1): \(n)</title></rect>"
        }
        svg += axes(left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight)
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + 10))\" text-anchor=\"end\">\(Int(tallest))</text>"
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + plotHeight))\" text-anchor=\"end\">0</text>"
        svg += "<text x=\"\(f(left))\" y=\"\(f(top + plotHeight + 16))\">\(lo)</text>"
        svg += "<text x=\"\(f(left + plotWidth))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"end\">\(lo + count * binWidth - 1)</text>"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(HTMLText.escape(xLabel)) (\(values.count) clips)</text>"
        return svg + "</svg>"
    }

    /// A line through (x, y) points, x and y from zero.
    public static func line(_ title: String, _ points: [(x: Double, y: Double)], xLabel: String, yLabel: String) -> String {
        guard points.count >= 2, let xMax = points.map(\.x).max(), xMax > 0 else { return empty(title) }
        let yMax = max(points.map(\.y).max() ?? 1, 1e-12)
        let height = 220.0, left = 48.0, bottom = 40.0, top = 28.0
        let plotWidth = width - left - 12, plotHeight = height - top - bottom
        var svg = open(title, height: height)
        let path = points.map { "\(f(left + plotWidth * $0.x / xMax)),\(f(top + plotHeight * (1 - $0.y / yMax)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#3b7dd8\" stroke-width=\"2\"/>"
        svg += axes(left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight)
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + 10))\" text-anchor=\"end\">\(short(yMax))</text>"
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + plotHeight))\" text-anchor=\"end\">0</text>"
        svg += "<text x=\"\(f(left + plotWidth))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"end\">\(short(xMax))</text>"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(HTMLText.escape(xLabel)); y: \(HTMLText.escape(yLabel))</text>"
        return svg + "</svg>"
    }

    static func open(_ title: String, height: Double) -> String {
        "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" font-size=\"12\">"
            + "<title>\(HTMLText.escape(title))</title><text x=\"4\" y=\"16\" font-weight=\"bold\">\(HTMLText.escape(title))</text>"
    }

    static func empty(_ title: String) -> String {
        open(title, height: 48) + "<text x=\"4\" y=\"38\" fill=\"#777\">nothing recorded yet</text></svg>"
    }

    static func axes(left: Double, top: Double, plotWidth: Double, plotHeight: Double) -> String {
        "<path d=\"M\(f(left)),\(f(top)) V\(f(top + plotHeight)) H\(f(left + plotWidth))\" fill=\"none\" stroke=\"#444\"/>"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func short(_ v: Double) -> String { v >= 100 ? String(format: "%.0f", v) : String(format: "%.3g", v) }
    static func clipped(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}
