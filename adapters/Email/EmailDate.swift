import BackfillCore
import Foundation

/// Mail dates without Foundation formatters: RFC 5322 `Date:` values (and their common deviations), `Received:`
/// stamps and mbox From_ line dates (ctime, double spaces, Takeout's `Fri Feb 04 17:10:22 +0000 2022`).
package enum EmailDate {
    /// Seconds since 1970 (UTC).
    package typealias Epoch = Int64

    private static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
        "nov": 11, "dec": 12,
    ]
    private static let weekdays: Set<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420,
        "mdt": -360, "pst": -480, "pdt": -420, "cet": 60, "cest": 120, "bst": 60, "ist": 330, "jst": 540,
        "eet": 120, "eest": 180, "wet": 0, "west": 60, "met": 60, "mest": 120, "hkt": 480, "aest": 600,
    ]

    private struct Parts {
        var year: Int?
        var month: Int?
        var day: Int?
        var hour = 0, minute = 0, second = 0
        var hasTime = false
        var zoneMinutes: Int?
    }

    /// A `Date:` header value: RFC 5322 with or without weekday and seconds, obsolete zones, comments, 2-digit
    /// years, asctime order, ISO 8601. Nil when no complete date can be read.
    package static func parse(_ text: String) -> Epoch? {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count && ByteSearch.isWhitespace(bytes[start]) { start += 1 }
        if bytes.count - start >= 10, ByteSearch.isDigit(bytes[start]), bytes[start + 4] == 0x2D {
            // ISO 8601 (`2015-01-05T10:01:43Z`).
            if let date = Timestamp.parse(text.asciiTrimmed) { return Epoch(date.timeIntervalSince1970.rounded(.down)) }
        }
        var parts = Parts()
        var depth = 0
        var tokenStart = -1
        for i in start...bytes.count {
            let byte: UInt8 = i < bytes.count ? bytes[i] : 0x20
            if byte == 0x28 {
                depth += 1
            } else if byte == 0x29 {
                depth = max(0, depth - 1)
                continue
            }
            let separator =
                depth > 0 || byte == 0x28 || byte == 0x20 || byte == 0x09 || byte == 0x2C || byte == 0x0D
                || byte == 0x0A
            if separator {
                if tokenStart >= 0 { absorb(bytes[tokenStart..<i], into: &parts) }
                tokenStart = -1
            } else if tokenStart < 0 {
                tokenStart = i
            }
        }
        return epoch(parts)
    }

    @inline(__always) private static func number(_ token: ArraySlice<UInt8>) -> Int? {
        guard !token.isEmpty, token.count <= 9 else { return nil }
        var value = 0
        for byte in token {
            guard ByteSearch.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// The lower-cased token as a string key (month, weekday and zone names).
    @inline(__always) private static func word(_ token: ArraySlice<UInt8>) -> String {
        String(decoding: token.map(ByteSearch.lower), as: UTF8.self)
    }

    private static func absorb(_ token: ArraySlice<UInt8>, into parts: inout Parts) {
        guard let first = token.first else { return }
        if token.contains(0x3A) {  // ':' → time
            let fields = token.split(separator: 0x3A, omittingEmptySubsequences: false)
            guard fields.count >= 2, let h = number(fields[0]), let m = number(fields[1]) else { return }
            var s = 0
            if fields.count >= 3 {
                // Fractions (`10:01:43.123`) are dropped.
                guard let whole = number(fields[2].prefix(while: ByteSearch.isDigit)) else { return }
                s = whole
            }
            parts.hour = h
            parts.minute = m
            parts.second = s
            parts.hasTime = true
            return
        }
        if first == 0x2B || first == 0x2D {  // ±hhmm
            let digits = token.dropFirst()
            guard digits.count == 4, let value = number(digits) else { return }
            let minutes = (value / 100) * 60 + value % 100
            parts.zoneMinutes = first == 0x2D ? -minutes : minutes
            return
        }
        if ByteSearch.isDigit(first) {
            guard let value = number(token) else {
                // `5-Jan-2015` style: split and absorb each.
                if token.contains(0x2D) { for piece in token.split(separator: 0x2D) { absorb(piece, into: &parts) } }
                return
            }
            if token.count >= 3 {
                parts.year = token.count == 3 ? 1900 + value : value
            } else if parts.day == nil {
                parts.day = value
            } else if parts.year == nil {
                parts.year = value < 50 ? 2000 + value : 1900 + value
            }
            return
        }
        guard token.count <= 9 else { return }
        let lower = word(token)
        let key = String(lower.prefix(3))
        if let month = months[key], parts.month == nil {
            parts.month = month
        } else if weekdays.contains(key) {
            return
        } else if let zone = zones[lower] {
            parts.zoneMinutes = zone
        }
    }

    private static func epoch(_ parts: Parts) -> Epoch? {
        guard let year = parts.year, let month = parts.month, let day = parts.day, parts.hasTime,
            (1900...2200).contains(year), (1...31).contains(day), (0...23).contains(parts.hour),
            (0...59).contains(parts.minute), (0...60).contains(parts.second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let local = Epoch(days) * 86400 + Epoch(parts.hour * 3600 + parts.minute * 60 + parts.second)
        return local - Epoch((parts.zoneMinutes ?? 0) * 60)
    }

    /// Whether `text` (what follows `From ` on a From_ line) is a sender token and a ctime-like date:
    /// `[weekday] month day time [zone] year`, `[weekday] day month year time [zone]`, with any spacing.
    /// Returns the date when it is one.
    package static func parseFromLine(_ rest: ArraySlice<UInt8>) -> (valid: Bool, epoch: Epoch?) {
        var tokens: [ArraySlice<UInt8>] = []
        var index = rest.startIndex
        while index < rest.endIndex && tokens.count < 10 {
            while index < rest.endIndex && ByteSearch.isWhitespace(rest[index]) { index += 1 }
            let start = index
            while index < rest.endIndex && !ByteSearch.isWhitespace(rest[index]) { index += 1 }
            if index > start { tokens.append(rest[start..<index]) }
        }
        guard tokens.count >= 5 else { return (false, nil) }
        // tokens[0] is the sender; the date follows.
        var i = 1
        func word(_ t: ArraySlice<UInt8>) -> String { String(decoding: t, as: UTF8.self).lowercased() }
        var parts = Parts()
        let w = word(tokens[i])
        if weekdays.contains(String(w.prefix(3))) && w.count <= 4 { i += 1 }
        guard i + 2 < tokens.count else { return (false, nil) }
        func number(_ t: ArraySlice<UInt8>) -> Int? {
            t.allSatisfy(ByteSearch.isDigit) && t.count <= 4 ? Int(String(decoding: t, as: UTF8.self)) : nil
        }
        if let month = months[word(tokens[i])], let day = number(tokens[i + 1]) {
            parts.month = month
            parts.day = day
            i += 2
        } else if let day = number(tokens[i]), let month = months[String(word(tokens[i + 1]).prefix(3))] {
            parts.day = day
            parts.month = month
            i += 2
            if i < tokens.count, let year = number(tokens[i]), tokens[i].count == 4 {
                parts.year = year
                i += 1
            }
        } else {
            return (false, nil)
        }
        // The time.
        guard i < tokens.count, tokens[i].contains(0x3A) else { return (false, nil) }
        absorb(tokens[i], into: &parts)
        guard parts.hasTime else { return (false, nil) }
        i += 1
        // Zone and year in either order (ctime has neither zone nor… Takeout puts the zone first).
        while i < tokens.count && (parts.year == nil || parts.zoneMinutes == nil) {
            let t = tokens[i]
            if let year = number(t), t.count == 4, parts.year == nil {
                parts.year = year
            } else if let f = t.first, f == 0x2B || f == 0x2D, t.count == 5 {
                absorb(t, into: &parts)
            } else if let zone = zones[word(t)] {
                parts.zoneMinutes = zone
            } else {
                break
            }
            i += 1
        }
        guard parts.year != nil else { return (false, nil) }
        return (true, epoch(parts))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        CivilDate.days(year: year, month: month, day: day)
    }

    /// `2015-01-05T10:01:43Z`.
    package static func iso(_ epoch: Epoch) -> String {
        var days = Int(epoch / 86400)
        var secs = Int(epoch % 86400)
        if secs < 0 {
            secs += 86400
            days -= 1
        }
        let (y, m, d) = CivilDate.date(days: days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = String(y)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return "\(paddedYear)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }
}
