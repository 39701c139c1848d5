import Foundation

/// ISO 8601 timestamps as the targets want them: always with a zone.
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let plain = Date.ISO8601FormatStyle()

    /// Formats a date in UTC (`2024-01-05T10:00:00Z`, or with milliseconds when it has a fraction).
    public static func format(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
        return whole ? plain.format(date) : withFraction.format(date)
    }

    /// Parses an ISO 8601 timestamp that carries a zone (`Z` or `±hh:mm`); nil when it cannot.
    public static func parse(_ text: String) -> Date? {
        guard fieldsInRange(text) else { return nil }
        if let date = parseCommonShape(text) { return date }
        return parseWithFoundation(text)
    }

    /// Whether the date and time fields a text starts with (`YYYY-MM-DD`, then `THH:MM`, then `:SS`) are ones a
    /// calendar has: Foundation's parser rolls `2023-02-29` over to 1 March and reads `24:00`, `10:61` and
    /// `23:59:60`, which the target's official SDK (pydantic) refuses — and the service with it. A text of another
    /// shape is left to the parsers.
    package static func fieldsInRange(_ text: String) -> Bool {
        let bytes = Array(text.utf8.drop { $0 == 0x20 || $0 == 0x09 })
        func number(_ start: Int, _ count: Int) -> Int? { decimal(bytes, start, count) }
        guard bytes.count >= 10, bytes[4] == 0x2D, bytes[7] == 0x2D, let year = number(0, 4),
            let month = number(5, 2), let day = number(8, 2)
        else { return true }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return false }
        guard bytes.count >= 16, [0x54, 0x74, 0x20].contains(bytes[10]), bytes[13] == 0x3A,
            let hour = number(11, 2), let minute = number(14, 2)
        else { return true }
        guard hour <= 23, minute <= 59 else { return false }
        guard bytes.count >= 19, bytes[16] == 0x3A, let second = number(17, 2) else { return true }
        return second <= 59
    }

    /// ``parse(_:)`` without the fast path for the common shape: Foundation's ISO 8601 parsers, then lenient forms.
    /// The fast path's oracle (TimestampTests).
    package static func parseWithFoundation(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard hasZone(trimmed) else { return nil }
        if let date = try? plain.parse(trimmed) { return date }
        if let date = try? withFraction.parse(trimmed) { return date }
        // Offsets without a colon and more than three fraction digits are common in exports.
        if let date = try? Date(
            trimmed,
            strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        ) {
            return date
        }
        return parseLenient(trimmed)
    }

    /// Parses an ISO 8601 date and time with or without a zone offset, as the request contract accepts both
    /// (`2020-01-01T10:00:00` is valid ISO 8601); a time without an offset is read as UTC here. nil when the
    /// text is not a date and time (a date alone is not).
    public static func parseDateTime(_ text: String) -> Date? {
        if let date = parse(text) { return date }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !hasZone(trimmed) else { return nil }
        return parse(trimmed + "Z")
    }

    /// Whether an ISO 8601 date and time carries a zone (`Z` or an offset).
    public static func hasZone(_ text: String) -> Bool {
        guard let tIndex = text.firstIndex(where: { $0 == "T" || $0 == "t" || $0 == " " }) else { return false }
        let time = text[tIndex...]
        return time.hasSuffix("Z") || time.hasSuffix("z") || time.contains("+") || time.dropFirst().contains("-")
    }

    /// Microsecond fractions (`2025-10-01T18:42:27.303515Z`) and space separators, by trimming the fraction.
    private static func parseLenient(_ text: String) -> Date? {
        var value = text.replacingOccurrences(of: " ", with: "T")
        var fraction = 0.0
        if let dot = value.firstIndex(of: ".") {
            var end = value.index(after: dot)
            while end < value.endIndex, value[end].isNumber { end = value.index(after: end) }
            fraction = Double("0" + value[dot..<end]) ?? 0
            value.removeSubrange(dot..<end)
        }
        guard let date = try? plain.parse(value) else { return nil }
        return date.addingTimeInterval(fraction)
    }

    /// The shape almost every request carries, `YYYY-MM-DDTHH:MM:SS` then `Z` or `±HH:MM`, read from its bytes:
    /// Foundation's parser was a third of a request's validation. nil for anything else — other shapes, values out
    /// of range, years before 1600 (Foundation's calendar is Julian before 1582) — which the full parser then
    /// reads, so the answer is Foundation's either way (TimestampTests compares them).
    package static func parseCommonShape(_ text: String) -> Date? {
        let answer = text.utf8.withContiguousStorageIfAvailable { bytes -> Date? in
            guard bytes.count == 20 || bytes.count == 25 else { return nil }
            func number(_ start: Int, _ count: Int) -> Int? { decimal(bytes, start, count) }
            guard bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
                let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                (1600...9999).contains(year), (1...12).contains(month), day >= 1,
                day <= daysIn(month: month, year: year), hour <= 23, minute <= 59, second <= 59
            else { return nil }
            var offset = 0
            if bytes.count == 20 {
                guard bytes[19] == 0x5A else { return nil }
            } else {
                guard bytes[19] == 0x2B || bytes[19] == 0x2D, bytes[22] == 0x3A,
                    let offsetHours = number(20, 2), let offsetMinutes = number(23, 2),
                    offsetHours <= 14, offsetMinutes <= 59
                else { return nil }
                offset = (offsetHours * 3600 + offsetMinutes * 60) * (bytes[19] == 0x2D ? -1 : 1)
            }
            let days = daysSinceEpoch(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        return answer ?? nil
    }

    /// The decimal number of `count` ASCII digits at `start`; nil when one is not a digit or the bytes end first.
    private static func decimal(_ bytes: some RandomAccessCollection<UInt8>, _ start: Int, _ count: Int) -> Int? {
        guard start >= 0, start + count <= bytes.count else { return nil }
        var value = 0
        for offset in start..<start + count {
            let digit = Int(bytes[bytes.index(bytes.startIndex, offsetBy: offset)]) &- 0x30
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
