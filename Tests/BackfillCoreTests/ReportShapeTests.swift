import Foundation
import Testing

@testable import BackfillCore
@testable import BackfillPipeline

/// The aggregates behind the HTML report (issue 18): the timeline's days and their grouping, the traffic buckets,
/// the plan's estimate. Oracles: Foundation's Gregorian calendar for the day arithmetic; plain sums for the rest.
/// Broken to see them fail: (1) the day of the year computed from `month - 3` instead of `month > 2 ? month - 3 :
/// month + 9` (now `(month + 9) % 12` in `CivilDate`) — the calendar comparison failed on January and February; (2) `Traffic.note` merging pairs without adding the
/// second bucket — `trafficKeepsEveryRequest` lost half the counts; (3) `monday` without the `+ 7` — days before
/// 1970 landed in the wrong week; (4) the estimate taking the shortest bound — `estimateNamesItsBound` failed.
@Suite("Report shape")
struct ReportShapeTests {
    @Test("civil days agree with Foundation's Gregorian calendar, 1600–2400, both ways")
    func civilDaysMatchFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let days = Int.random(in: -135_000...157_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(days) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            let civil = CivilDay(days: days)
            #expect([civil.year, civil.month, civil.day] == [parts.year, parts.month, parts.day], "day \(days)")
            #expect(CivilDay(civil.text)?.days == days, "\(civil.text)")
            // Foundation: 2 is Monday.
            let monday = CivilDay.monday(days)
            let mondayParts = calendar.dateComponents(
                [.weekday], from: Date(timeIntervalSince1970: Double(monday) * 86_400))
            #expect(mondayParts.weekday == 2 && days - monday >= 0 && days - monday < 7, "day \(days)")
        }
        #expect(CivilDay("2023-13-01") == nil && CivilDay("2023-1-01") == nil && CivilDay("not a day") == nil)
    }

    @Test("a stamp's day is the date as written; other shapes fall back to UTC")
    func dayAsWritten() {
        #expect(RunReport.Shape.day("2019-03-04T23:30:00-05:00") == "2019-03-04")
        #expect(RunReport.Shape.day("2019-03-04") == "2019-03-04")
        #expect(RunReport.Shape.day(nil) == RunReport.Shape.unknownDay)
        #expect(RunReport.Shape.day("yesterday") == RunReport.Shape.unknownDay)
    }

    static func days(_ start: String, count: Int, step: Int) -> [String: [String: Int]] {
        let first = CivilDay(start)!.days
        var days: [String: [String: Int]] = [:]
        for index in 0..<count {
            days[CivilDay(days: first + index * step).text, default: [:]][
                index % 2 == 0 ? "email" : "chat", default: 0] +=
                index + 1
        }
        return days
    }

    @Test(
        "the timeline picks day, week, month or year by the span; every bar between first and last; nothing lost",
        arguments: [
            ("2024-01-01", 30, 2, "day", 59), ("2024-01-01", 50, 7, "week", 50), ("2015-01-15", 40, 90, "month", 116),
            ("1901-06-01", 30, 365 * 25, "year", 725), ("1969-12-20", 20, 3, "day", 58),
        ])
    func timelineGrouping(start: String, count: Int, step: Int, granularity: String, bars: Int) {
        let days = Self.days(start, count: count, step: step)
        var withUnknown = days
        withUnknown[RunReport.Shape.unknownDay] = ["email": 5]
        let timeline = RunReport.timeline(withUnknown, types: ["email", "chat"])
        #expect(timeline.granularity == granularity)
        #expect(timeline.bars.count == bars)
        #expect(timeline.unplaced == 5)
        let total = days.values.flatMap(\.values).reduce(0, +)
        #expect(timeline.bars.flatMap(\.counts).reduce(0, +) == total)
        let emails = days.values.compactMap { $0["email"] }.reduce(0, +)
        #expect(timeline.bars.map { $0.counts[0] }.reduce(0, +) == emails)
        #expect(timeline.bars.first?.counts.reduce(0, +) ?? 0 > 0 && timeline.bars.last?.counts.reduce(0, +) ?? 0 > 0)
    }

    @Test("traffic buckets double in width past 240 and keep every request, retry, 429 and wait")
    func trafficKeepsEveryRequest() {
        var traffic = RunReport.Traffic()
        var requests = 0
        var waited = 0.0
        for second in stride(from: 0.0, to: 3_000.0, by: 0.7) {
            traffic.note(at: second) {
                $0.requests += 1
                $0.waitedSeconds += 0.25
            }
            requests += 1
            waited += 0.25
            if Int(second) % 7 == 0 { traffic.note(at: second) { $0.throttled += 1 } }
        }
        #expect(traffic.buckets.count <= RunReport.Traffic.maxBuckets)
        #expect(traffic.bucketSeconds == 16)
        #expect(traffic.buckets.map(\.requests).reduce(0, +) == requests)
        #expect(abs(traffic.buckets.map(\.waitedSeconds).reduce(0, +) - waited) < 1e-6)
        // The last request, at 2,999.6 s, is in the bucket that covers it.
        #expect(traffic.buckets.count == Int(2_999.6 / traffic.bucketSeconds) + 1)
    }

    @Test("the estimate is bounded by the slowest of rate, document rate and latency over concurrency")
    func estimateNamesItsBound() {
        let latency = RunReport.Estimate(
            requests: 1_000, documents: 100_000, concurrency: 4, requestsPerSecond: nil, documentsPerSecond: nil,
            assumedSecondsPerRequest: 0.5)
        #expect(latency.seconds == 125 && latency.limitedBy == "concurrency")
        let rate = RunReport.Estimate(
            requests: 1_000, documents: 100_000, concurrency: 4, requestsPerSecond: 2, documentsPerSecond: nil,
            assumedSecondsPerRequest: 0.5)
        #expect(rate.seconds == 500 && rate.limitedBy == "rate")
        let documents = RunReport.Estimate(
            requests: 1_000, documents: 100_000, concurrency: 4, requestsPerSecond: 2, documentsPerSecond: 50,
            assumedSecondsPerRequest: 0.5)
        #expect(documents.seconds == 2_000 && documents.limitedBy == "doc_rate")
    }

    @Test("a report stored before the shape was counted still reads and renders")
    func oldReportRenders() throws {
        var report = RunReport(command: "import")
        report.shape = nil
        let json = report.json()
        #expect(!json.contains("\"shape\""))
        let decoded = try JSONDecoder().decode(RunReport.self, from: Data(json.utf8))
        #expect(decoded.shape == nil)
        #expect(decoded.html().contains("stored before Backfill counted dates"))
    }

    @Test("markup in the user's data is escaped")
    func escaping() {
        #expect(HTML.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.pointer(["by_source", "a/b~c.mbox", "documents"]) == "/by_source/a~1b~0c.mbox/documents")
        #expect(HTML.number(1_234_567) == "1,234,567" && HTML.number(-1_000) == "-1,000" && HTML.number(12) == "12")
    }
}
