/// Cards and IPv4 addresses.
///
/// **card**: 13–19 digits, compact or grouped by one kind of separator (single spaces or single hyphens) as
/// 4-4-4-4, 4-4-4-4-3, 4-4-4-1…4 or 4-6-5 / 4-6-4 (Amex, Diners); Luhn-valid; a real issuer prefix (Visa 4;
/// Mastercard 51–55, 2221–2720; Amex 34, 37; Discover 6011, 644–649, 65; JCB 3528–3589; Diners 36, 38, 300–305;
/// UnionPay 62; Maestro 50, 56–69). A space-grouped run that is longer (`4111 1111 1111 1111 2024`) is also tried
/// without its last groups. A compact run right after `#` or after `order`, `invoice`, `ticket`, `tracking`, `ref`
/// or `reference` is an order number, not a card.
///
/// **ip** (IPv4): four decimal octets 0–255 without leading zeros, joined by dots; not part of a longer dotted run
/// (`1.2.3.4.5`), not inside a word (`v1.2.3.4`), not right after the word `version`, `ver` or `v`
/// (`version 10.0.0.1` is a version). A port or prefix length after it (`:8080`, `/24`) is kept, not replaced.
extension RedactionScanner {
    /// The card number starting at `start`; a grouped run of a card's shape that fails the checks is a
    /// look-alike (so `4964 0421 6446 8021` does not leave a phone number `0421 6446 8021` behind).
    func card(_ start: Int) -> RedactionCandidate {
        let first = run(from: start, RedactionClass.digit, limit: 20)
        let length = first - start
        if length >= 13 {
            guard length <= 19, numberMayEnd(at: first), !followsOrderLabel(start) else { return .none }
            return isCardNumber(start, first) ? .match(first) : .none
        }
        let separator = at(first)
        guard length == 4, separator == RedactionASCII.space || separator == RedactionASCII.hyphen else { return .none }
        var ends = [first]
        var end = first
        while ends.count < 6 && at(end) == separator && isDigit(end + 1) {
            end = run(from: end + 1, RedactionClass.digit, limit: 8)
            ends.append(end)
        }
        // The whole run, then (spaces only: a space also separates words) the run without its last groups.
        var shaped: Int?
        for groups in stride(from: ends.count, through: 3, by: -1) {
            let end = ends[groups - 1]
            let whole = groups == ends.count
            guard whole || separator == RedactionASCII.space else { break }
            guard whole ? numberMayEnd(at: end) : true, isCardShape(start, Array(ends.prefix(groups))) else { continue }
            if isCardNumber(start, end) { return .match(end) }
            shaped = shaped ?? end
        }
        return shaped.map { .lookAlike($0) } ?? .none
    }

    /// Whether the groups ending at `ends` (the first has 4 digits) are 4-4-4-[4-]1…4 or 4-6-4…5.
    private func isCardShape(_ start: Int, _ ends: [Int]) -> Bool {
        var lengths: [Int] = []
        var groupStart = start
        for end in ends {
            lengths.append(end - groupStart)
            groupStart = end + 1
        }
        let digits = lengths.reduce(0, +)
        guard digits >= 13 && digits <= 19 else { return false }
        if lengths.count == 3 && lengths[1] == 6 { return lengths[2] == 4 || lengths[2] == 5 }
        let last = lengths[lengths.count - 1]
        return lengths.dropLast().allSatisfy { $0 == 4 } && last >= 1 && last <= 4
    }

    /// Luhn and issuer prefix over the digits of `start..<end` (separators skipped).
    private func isCardNumber(_ start: Int, _ end: Int) -> Bool {
        var sum = 0
        var double = false
        var index = end - 1
        while index >= start {
            if isDigit(index) {
                let value = digit(index)
                sum += double ? (value * 2 > 9 ? value * 2 - 9 : value * 2) : value
                double.toggle()
            }
            index -= 1
        }
        guard sum % 10 == 0 else { return false }
        var prefix = 0
        index = start
        while index < end && prefix < 1000 {
            if isDigit(index) { prefix = prefix * 10 + digit(index) }
            index += 1
        }
        return Self.isIssuerPrefix(prefix)
    }

    /// Whether the first four digits `prefix` belong to a card issuer.
    static func isIssuerPrefix(_ prefix: Int) -> Bool {
        switch prefix / 1000 {
        case 4, 5, 6: return true  // Visa; Mastercard 51–55 and Maestro 50, 56–59; Maestro 60–69 (Discover, UnionPay)
        case 2: return prefix >= 2221 && prefix <= 2720
        case 3:
            let two = prefix / 100
            return two == 34 || two == 36 || two == 37 || two == 38 || (prefix >= 3000 && prefix <= 3059)
                || (prefix >= 3528 && prefix <= 3589)
        default: return false
        }
    }

    /// Whether `#`, `order`, `invoice`, `ticket`, `tracking`, `ref` or `reference` (then a space, `:`, `.` or
    /// `#`) comes right before `start`.
    private func followsOrderLabel(_ start: Int) -> Bool {
        var end = skipSpacesBack(from: start)
        if at(end - 1) == RedactionASCII.hash { return true }
        if at(end - 1) == RedactionASCII.colon || at(end - 1) == RedactionASCII.dot {
            end = skipSpacesBack(from: end - 1)
        }
        let word = letterRunStart(endingAt: end)
        guard end - word >= 3 else { return false }
        return endsWith("order", at: end) || endsWith("invoice", at: end) || endsWith("ticket", at: end)
            || endsWith("tracking", at: end) || (end - word == 3 && endsWith("ref", at: end))
            || endsWith("reference", at: end)
    }

    /// The end of an IPv4 address starting at `start`.
    func ipv4(_ start: Int) -> Int? {
        var index = start
        for octet in 0..<4 {
            guard isDigit(index) else { return nil }
            let end = run(from: index, RedactionClass.digit, limit: 4)
            let length = end - index
            guard length <= 3, length == 1 || at(index) != RedactionASCII.zero else { return nil }
            var value = 0
            for offset in index..<end { value = value * 10 + digit(offset) }
            guard value <= 255 else { return nil }
            index = end
            if octet < 3 {
                guard at(index) == RedactionASCII.dot else { return nil }
                index += 1
            }
        }
        let portOrPrefix =
            (at(index) == RedactionASCII.colon || at(index) == RedactionASCII.slash) && isDigit(index + 1)
        return portOrPrefix || numberMayEnd(at: index) ? index : nil
    }

    /// Whether `version`, `ver` or `v` (then spaces, perhaps a `:`) comes right before `start`.
    func followsVersionWord(_ start: Int) -> Bool {
        var end = skipSpacesBack(from: start)
        if at(end - 1) == RedactionASCII.colon { end = skipSpacesBack(from: end - 1) }
        let word = letterRunStart(endingAt: end)
        switch end - word {
        case 1: return endsWith("v", at: end)
        case 3: return endsWith("ver", at: end)
        case 7: return endsWith("version", at: end)
        default: return false
        }
    }
}
