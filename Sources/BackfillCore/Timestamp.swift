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
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard hasZone(trimmed) else { return nil }
        if let date = try? plain.parse(trimmed) { return date }
        if let date = try? withFraction.parse(trimmed) { return date }
        // Offsets without a colon and more than three fraction digits are common in exports.
        if let date = try? Date(trimmed, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)) {
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
}
