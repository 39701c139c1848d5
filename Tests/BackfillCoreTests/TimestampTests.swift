import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

/// The fast path for the common timestamp shape against its oracle, Foundation's ISO 8601 parsers (the path every
/// other shape takes): wherever the fast path answers, Foundation gives the same instant; where it does not, the
/// answer is Foundation's — unless the fields are out of range (``Timestamp/fieldsInRange(_:)``), which Foundation
/// rolls over and the target refuses.
/// Broken to see it fail: (1) the zone offset added instead of subtracted — the `+05:30` examples and the generated
/// offsets differed; (2) February given 29 days every year — the fast path read `2023-02-29T…` (knownInstants; the
/// generated cases agree with it, as Foundation rolls it over to 1 March); (3) the month table shifted (`month + 3` for `month - 3` after February) — every date after February was off.
@Suite("Timestamps")
struct TimestampTests {
    @Test func knownInstants() {
        let cases: [(String, TimeInterval)] = [
            ("1970-01-01T00:00:00Z", 0),
            ("2016-02-02T01:01:00Z", 1_454_374_860),
            ("2024-02-29T23:59:59Z", 1_709_251_199),
            ("2000-03-01T00:00:00+05:30", 951_849_000),
            ("1999-12-31T23:00:00-01:00", 946_684_800),
        ]
        for (text, seconds) in cases {
            #expect(Timestamp.parseCommonShape(text) == Date(timeIntervalSince1970: seconds), "\(text)")
            #expect(Timestamp.parseWithFoundation(text) == Date(timeIntervalSince1970: seconds), "\(text)")
        }
        for refused in ["2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z"]
        {
            #expect(Timestamp.parseCommonShape(refused) == nil, "\(refused)")
        }
    }

    /// What the official Synap SDK's model (pydantic) refuses is refused, whatever shape carries it (Foundation
    /// reads all of these, rolling the day over); `Tests/sdk-conformance` asks the SDK and the sandbox the same.
    /// Broken to see it fail: the day checked against 31 whatever the month — the 29 February and 31 April cases
    /// were read.
    @Test func impossibleFieldsRefused() {
        let refused = [
            "2023-02-29T00:00:00Z", "2023-04-31T10:00:00+02:00", "2023-02-29T00:00:00.5Z", "2024-01-01T24:00:00Z",
            "2024-01-01T23:59:60Z", "2024-01-01T10:61:00Z", "2023-02-29 10:00:00+0100", "2100-02-29T00:00:00Z",
        ]
        for text in refused {
            #expect(Timestamp.parse(text) == nil, "\(text)")
            #expect(Timestamp.parseDateTime(text) == nil, "\(text)")
        }
        for text in ["2024-02-29T23:59:59Z", "2000-02-29T00:00:00.250Z", "2024-01-01T10:00:00", "2024-04-30T00:00:00Z"]
        {
            #expect(Timestamp.parseDateTime(text) != nil, "\(text)")
        }
    }

    @Test func sameInstantsAsFoundation() {
        var random = SeededGenerator(seed: 20_261_207)
        func two(_ range: ClosedRange<Int>) -> String {
            let value = Int.random(in: range, using: &random)
            return value < 10 ? "0\(value)" : "\(value)"
        }
        var fast = 0
        var mismatches: [String] = []
        for round in 0..<20_000 {
            let year = String(Int.random(in: round % 10 == 0 ? 1000...1700 : 1900...2100, using: &random))
            let zones = ["Z", "+\(two(0...15)):\(two(0...59))", "-\(two(0...14)):\(two(0...60))", "z", "+0530", ""]
            var text =
                "\(year)-\(two(0...13))-\(two(0...31))T\(two(0...24)):\(two(0...60)):\(two(0...60))"
                + zones[round % 7 < 3 ? 0 : Int.random(in: 0..<zones.count, using: &random)]
            if round % 13 == 0 {  // a byte changed: separators, digits, letters
                var bytes = Array(text.utf8)
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = Array("-:T tZ+9a.".utf8).randomElement(
                    using: &random)!
                text = String(decoding: bytes, as: UTF8.self)
            }
            let quick = Timestamp.parseCommonShape(text)
            let oracle = Timestamp.parseWithFoundation(text)
            if quick != nil { fast += 1 }
            if let quick, quick != oracle { mismatches.append("\(text): \(quick) vs \(String(describing: oracle))") }
            let expected = Timestamp.fieldsInRange(text) ? oracle : nil
            if Timestamp.parse(text) != expected { mismatches.append("\(text): parse differs") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(fast > 2_000, "the fast path answered only \(fast) of 20,000")
    }
}
