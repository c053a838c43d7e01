// The report's pages as HTML text: escaping, and the shell every page shares (UTF-8,
// an inline style sheet, a header with links back to the front page). Pages link to each
// other with relative paths only, so the site works from disk and when moved.

public enum HTMLText {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1180px;padding:12px 18px;color:#222;background:#fafafa}
        h1{font-size:22px;margin:6px 0}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ccc}
        .plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
        .plot{width:100%;height:auto;background:#fff;border:1px solid #ddd}
        .gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:10px}
        .card{background:#fff;border:1px solid #ddd;padding:6px}.card video,.card img{width:100%;height:auto;display:block;background:#000}
        .card a{text-decoration:none;color:#124}.error{color:#a00}
        table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;font-size:13px}
        td.n,th.n{text-align:right}.pager a,.pager b{margin-right:6px}.muted{color:#777}
        video.large{width:100%;max-width:768px;height:auto;background:#000}code{font-size:12px}
        """

    /// A complete page; `root` is the relative path to the site's root ("" or "../").
    static func page(title: String, root: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>\(escape(title))</title><style>\(style)</style></head>
        <body><p class="muted"><a href="\(root)index.html">report</a> · <a href="\(root)clips/page-1.html">all clips</a></p>
        \(body)
        </body></html>

        """
    }
}
