import BackfillCore
import Foundation

/// The HTML report's timeline: days grouped into bars, dated by the source apart from dated by a fallback.
extension RunReport {
    func timelineHTML() -> String {
        guard let shape else {
            return HTML.section(
                "timeline", "Timeline",
                "<p>This report was stored before Backfill counted dates per day: run the job again for a timeline.</p>"
            )
        }
        let types = Self.seriesOrder([shape.source, shape.fallback].flatMap { $0.values } + [shape.undated])
        var html =
            "<p>When the documents were written, by type (<code>document_created_at</code> as the source gave it).</p>"
        let dated = Self.timeline(shape.source, types: types)
        if dated.bars.isEmpty {
            html += "<p>No document carries a date of its own.</p>"
        } else {
            html += HTML.barChart(
                "timeline-chart",
                title:
                    "Documents per \(dated.granularity), by type (\(HTML.number(timestamps.fromSource)) dated by their source)",
                series: types, bars: dated.bars)
        }
        if dated.unplaced > 0 {
            html += "<p>\(HTML.number(dated.unplaced)) dated documents could not be placed on a day.</p>"
        }
        html += "<div class=\"stats\">"
        html +=
            "<div class=\"stat\">\(HTML.count(timestamps.fromSource, json: ["timestamps", "from_source"]))<span class=\"label\">dated by their source</span></div>"
        html +=
            "<div class=\"stat\">\(HTML.count(timestamps.fallback, json: ["timestamps", "fallback"]))<span class=\"label\">dated by a fallback (file time)</span></div>"
        html +=
            "<div class=\"stat\">\(HTML.count(timestamps.missing, json: ["timestamps", "missing"]))<span class=\"label\">undated</span></div></div>"
        if timestamps.fallback > 0 {
            let fallback = Self.timeline(shape.fallback, types: types)
            html +=
                "<h3>Dated by a fallback</h3><p>These documents had no date; Backfill used their file's modification time, which says when the file was copied rather than when it was written.</p>"
            html += HTML.barChart(
                "fallback-chart", title: "Documents dated by a fallback, per \(fallback.granularity)", series: types,
                bars: fallback.bars)
        }
        if timestamps.missing > 0 {
            html += "<h3>Undated</h3><p>The target files these at the time of the import.</p>"
            html += HTML.countTable("undated-table", ["Type", "Documents"], shape.undated, json: nil)
        }
        return HTML.section("timeline", "Timeline", html)
    }

    /// Series names, the largest first.
    static func seriesOrder(_ counts: [[String: Int]]) -> [String] {
        var totals: [String: Int] = [:]
        for map in counts { for (key, value) in map { totals[key, default: 0] += value } }
        return totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    }

    /// Days grouped into bars of a day (spans up to two months), a week (up to two years), a month or a year, every
    /// bar between the first and the last (an empty one is part of the shape).
    static func timeline(_ days: [String: [String: Int]], types: [String]) -> (
        granularity: String, bars: [HTML.Bar], unplaced: Int
    ) {
        var placed: [(day: Int, counts: [String: Int])] = []
        var unplaced = 0
        for (key, counts) in days {
            if let day = CivilDay(key) {
                placed.append((day.days, counts))
            } else {
                unplaced += counts.values.reduce(0, +)
            }
        }
        guard let first = placed.map(\.day).min(), let last = placed.map(\.day).max() else {
            return ("day", [], unplaced)
        }
        let start = CivilDay(days: first)
        let end = CivilDay(days: last)
        let months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
        let granularity: String
        let index: (Int) -> Int
        let label: (Int) -> String
        let count: Int
        if last - first < 62 {
            granularity = "day"
            index = { $0 - first }
            label = { CivilDay(days: first + $0).text }
            count = last - first + 1
        } else if last - first < 731 {
            granularity = "week"
            let monday = CivilDay.monday(first)
            index = { (CivilDay.monday($0) - monday) / 7 }
            label = { "week of " + CivilDay(days: monday + 7 * $0).text }
            count = (CivilDay.monday(last) - monday) / 7 + 1
        } else if months <= 600 {
            granularity = "month"
            index = { day in
                let civil = CivilDay(days: day)
                return (civil.year * 12 + civil.month) - (start.year * 12 + start.month)
            }
            label = { offset in
                let month = start.year * 12 + (start.month - 1) + offset
                return String(format: "%04d-%02d", month / 12, month % 12 + 1)
            }
            count = months
        } else {
            granularity = "year"
            index = { CivilDay(days: $0).year - start.year }
            label = { String(start.year + $0) }
            count = end.year - start.year + 1
        }
        var bars = (0..<count).map { HTML.Bar(label: label($0), counts: Array(repeating: 0, count: types.count)) }
        let position = Dictionary(uniqueKeysWithValues: types.enumerated().map { ($1, $0) })
        for (day, counts) in placed {
            let bar = index(day)
            for (type, value) in counts {
                if let series = position[type] { bars[bar].counts[series] += value }
            }
        }
        return (granularity, bars, unplaced)
    }
}

/// A day of the timeline: its date and its count of days since 1970-01-01 (``CivilDate``), so days group into weeks
/// and months without a calendar object per day.
struct CivilDay {
    var year: Int
    var month: Int
    var day: Int
    var days: Int

    /// `YYYY-MM-DD`; nil for anything else.
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
            let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)),
            let day = Int(text.suffix(2)), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
        days = CivilDate.days(year: year, month: month, day: day)
    }

    init(days: Int) {
        self.days = days
        (year, month, day) = CivilDate.date(days: days)
    }

    var text: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// The Monday on or before a day (1970-01-01 was a Thursday).
    static func monday(_ days: Int) -> Int {
        days - ((days + 3) % 7 + 7) % 7
    }
}
