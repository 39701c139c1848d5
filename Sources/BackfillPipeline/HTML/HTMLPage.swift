import Foundation

/// One self-contained HTML page (`--html`): inline CSS, JS and SVG, nothing fetched — a Content-Security-Policy
/// of `default-src 'none'` keeps the page from loading anything even if a value smuggled a URL in. Opens from
/// `file://`, light and dark. Every chart comes with its table; tables sort by a click on a heading; the reasons'
/// filter narrows their examples. Numbers that come from the JSON report carry `data-json`, a JSON pointer into
/// it (the browser test compares them with `--json`).
public struct HTMLPage {
    public var title: String
    public private(set) var body = ""

    public init(title: String) {
        self.title = title
    }

    public mutating func append(_ html: String) {
        body += html
    }

    public func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
        script-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>\(HTML.escape(title))</title>
        <style>\(HTML.css)</style></head>
        <body><main>
        \(body)
        <footer>Backfill report · generated \(HTML.escape(Self.now())) · self-contained: nothing on this page is \
        loaded from anywhere</footer>
        </main><script>\(HTML.script)</script></body></html>

        """
    }

    private static func now() -> String {
        Date().formatted(.iso8601)
    }
}

/// Building blocks of the report pages: escaping, sections, tables, charts.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A JSON pointer (RFC 6901) from its keys: `["by_source", "a/b.mbox", "documents"]` → `/by_source/a~1b.mbox/documents`.
    public static func pointer(_ keys: [String]) -> String {
        keys.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }

    /// `1234567` → `1,234,567`.
    public static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// A number with its JSON pointer (`data-json`) and its raw value (`data-v`, what sorting reads).
    public static func count(_ value: Int, json: [String]? = nil) -> String {
        let attribute = json.map { " data-json=\"\(escape(pointer($0)))\"" } ?? ""
        return "<span class=\"num\"\(attribute)>\(number(value))</span>"
    }

    /// Seconds as `2 h 05 min`, `3 min 20 s`, `4.2 s`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "—" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60) min \(String(format: "%02d", whole % 60)) s" }
        if whole < 86_400 { return "\(whole / 3600) h \(String(format: "%02d", (whole % 3600) / 60)) min" }
        return "\(whole / 86_400) d \(String(format: "%02d", (whole % 86_400) / 3600)) h"
    }

    /// Bytes as `512 B`, `4 KiB`, `3 MiB`.
    public static func bytes(_ value: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = value
        var unit = 0
        while scaled >= 1024 && scaled % 1024 == 0 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return "\(scaled) \(units[unit])"
    }

    /// A section with a heading and an anchor.
    public static func section(_ id: String, _ heading: String, _ content: String) -> String {
        "<section id=\"\(escape(id))\"><h2>\(escape(heading))</h2>\(content)</section>\n"
    }

    /// One cell of a ``table(_:headings:rows:footer:caption:)``: its HTML, and the value it sorts by when that
    /// is not its text (numbers sort by their text, thousands separators ignored).
    public struct Cell {
        public var html: String
        public var sortValue: String?
        public var isNumber: Bool

        public static func text(_ text: String) -> Cell {
            Cell(html: escape(text), sortValue: nil, isNumber: false)
        }

        public static func html(_ html: String, sortValue: String) -> Cell {
            Cell(html: html, sortValue: sortValue, isNumber: false)
        }

        public static func number(_ value: Int, json: [String]? = nil) -> Cell {
            Cell(html: json == nil ? HTML.number(value) : count(value, json: json), sortValue: nil, isNumber: true)
        }

        public static func decimal(_ value: Double, format: String = "%.1f") -> Cell {
            Cell(html: String(format: format, value), sortValue: nil, isNumber: true)
        }
    }

    /// A table whose headings sort it (numbers as numbers); `footer` rows (an "and N more") stay at the end.
    public static func table(
        _ id: String, headings: [String], rows: [[Cell]], footer: String? = nil, caption: String? = nil
    ) -> String {
        var html = "<div class=\"scroll\"><table class=\"sortable\" id=\"\(escape(id))\">"
        if let caption { html += "<caption>\(escape(caption))</caption>" }
        let numeric = headings.indices.map { column in
            !rows.isEmpty && rows.allSatisfy { column < $0.count && $0[column].isNumber }
        }
        html += "<thead><tr>"
        for (column, heading) in headings.enumerated() {
            let type = numeric[column] ? " data-type=\"num\" class=\"n\"" : ""
            html += "<th scope=\"col\"\(type) tabindex=\"0\">\(escape(heading))</th>"
        }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for (column, cell) in row.enumerated() {
                let align = numeric[column] ? " class=\"n\"" : ""
                let sort = cell.sortValue.map { " data-v=\"\(escape($0))\"" } ?? ""
                html += "<td\(align)\(sort)>\(cell.html)</td>"
            }
            html += "</tr>"
        }
        html += "</tbody>"
        if let footer {
            html += "<tfoot><tr><td colspan=\"\(headings.count)\">\(escape(footer))</td></tr></tfoot>"
        }
        return html + "</table></div>\n"
    }

    /// A two-column table of named counts in name order; each count points at `json` + its name in the report.
    public static func countTable(_ id: String, _ headings: [String], _ counts: [String: Int], json: String?) -> String
    {
        table(
            id, headings: headings,
            rows: counts.sorted { $0.key < $1.key }.map { name, count in
                [.text(name), .number(count, json: json.map { [$0, name] })]
            })
    }

    /// One bar of a chart: its label and a count per series.
    public struct Bar {
        public var label: String
        public var counts: [Int]
        public init(label: String, counts: [Int]) {
            self.label = label
            self.counts = counts
        }
    }

    /// A stacked bar chart (SVG) and, below it, the same figures as a table: one `rect.mark` per non-zero count,
    /// carrying `data-count` and `data-series`.
    public static func barChart(
        _ id: String, title: String, series: [String], bars: [Bar], unit: String = "documents",
        category: String = "When", labelEvery: Int? = nil
    ) -> String {
        let width = 960.0
        let height = 220.0
        let left = 56.0
        let bottom = 28.0
        let plotWidth = width - left - 8
        let plotHeight = height - bottom - 8
        let tallest = max(1, bars.map { $0.counts.reduce(0, +) }.max() ?? 1)
        let step = niceStep(tallest)
        let lines = (tallest + step - 1) / step
        let maxTotal = step * lines
        let slot = plotWidth / Double(max(1, bars.count))
        let gap = slot > 4 ? min(2, slot * 0.15) : 0
        var svg =
            "<svg class=\"chart\" id=\"\(escape(id))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title)) (the table below holds the same figures)\" preserveAspectRatio=\"none\">"
        // Up to five grid lines at round values, the top one at or just above the tallest bar.
        for line in 0...lines {
            let y = 8 + plotHeight - plotHeight * Double(line) / Double(lines)
            svg += "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - 8)\" y1=\"\(fmt(y))\" y2=\"\(fmt(y))\"/>"
            svg +=
                "<text class=\"axis\" x=\"\(left - 4)\" y=\"\(fmt(y + 4))\" text-anchor=\"end\">\(number(step * line))</text>"
        }
        let every = labelEvery ?? max(1, Int((Double(bars.count) / 12).rounded(.up)))
        for (index, bar) in bars.enumerated() {
            let x = left + Double(index) * slot
            var y = 8 + plotHeight
            for (seriesIndex, count) in bar.counts.enumerated() where count > 0 {
                let h = plotHeight * Double(count) / Double(maxTotal)
                y -= h
                let name = seriesIndex < series.count ? series[seriesIndex] : "other"
                svg +=
                    "<rect class=\"mark s\(seriesIndex % 8)\" x=\"\(fmt(x + gap / 2))\" y=\"\(fmt(y))\" width=\"\(fmt(max(0.5, slot - gap)))\" height=\"\(fmt(max(h, 0.5)))\" data-count=\"\(count)\" data-series=\"\(escape(name))\" data-bar=\"\(escape(bar.label))\"><title>\(escape(bar.label)) · \(escape(name)): \(number(count)) \(escape(unit))</title></rect>"
            }
            if index % every == 0 {
                svg +=
                    "<text class=\"axis\" x=\"\(fmt(x + slot / 2))\" y=\"\(fmt(height - 10))\" text-anchor=\"middle\">\(escape(bar.label))</text>"
            }
        }
        svg += "</svg>"
        var legend = "<ul class=\"legend\">"
        for (index, name) in series.enumerated() {
            legend += "<li><span class=\"swatch s\(index % 8)\"></span>\(escape(name))</li>"
        }
        legend += "</ul>"
        let rows = bars.map { bar in
            [Cell.text(bar.label)] + series.indices.map { Cell.number($0 < bar.counts.count ? bar.counts[$0] : 0) }
                + [Cell.number(bar.counts.reduce(0, +))]
        }
        let table = table(id + "-table", headings: [category] + series + ["Total"], rows: rows)
        return
            "<figure>\(svg)\(series.count > 1 ? legend : "")<figcaption>\(escape(title))</figcaption></figure><details><summary>The same as a table</summary>\(table)</details>\n"
    }

    /// The smallest 1, 2 or 5 × 10ⁿ that five times covers `maximum`.
    static func niceStep(_ maximum: Int) -> Int {
        var scale = 1
        while true {
            for factor in [1, 2, 5] where factor * scale * 5 >= maximum { return factor * scale }
            scale *= 10
        }
    }

    private static func fmt(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
