/// The digit groups of a phone-number candidate: up to 8 groups of digits (the first or second perhaps in
/// parentheses) joined by nothing or one of ` - . /`.
struct RedactionPhoneRun {
    let start: Int
    var plus = false
    var groups = 0
    var digits = 0
    /// Per group, 8 bits each: its digit count, its end (offset from `start`, after a `)`), the separator before it.
    private var lengths: UInt64 = 0
    private var ends: UInt64 = 0
    private var separators: UInt64 = 0
    private var parens: UInt8 = 0

    init(start: Int) { self.start = start }

    func length(_ group: Int) -> Int { Int((lengths >> (8 * group)) & 0xFF) }
    func end(_ group: Int) -> Int { start + Int((ends >> (8 * group)) & 0xFF) }
    func separator(before group: Int) -> UInt8 { UInt8((separators >> (8 * group)) & 0xFF) }
    func isParenthesized(_ group: Int) -> Bool { parens & (1 << group) != 0 }
    /// Where the group's first digit is.
    func digitStart(_ group: Int) -> Int { end(group) - length(group) - (isParenthesized(group) ? 1 : 0) }
    func digits(inFirst count: Int) -> Int { (0..<count).reduce(0) { $0 + length($1) } }

    mutating func append(length: Int, end: Int, separator: UInt8, parenthesized: Bool) {
        lengths |= UInt64(length) << (8 * groups)
        ends |= UInt64(end - start) << (8 * groups)
        separators |= UInt64(separator) << (8 * groups)
        if parenthesized { parens |= 1 << groups }
        groups += 1
        digits += length
    }
}

/// Phone numbers. No phone-number library (libphonenumber) is usable from Swift on Linux here, so these shapes,
/// each of 7–15 digits and ending where a number may end:
///
/// - international: `+` and 7–15 digits in any grouping by spaces, dots, hyphens and parentheses (`+49 30 1234567`,
///   `+49-30-123 4567`, `+44 (0)20 7946 0958`, `+1 (555) 123-4567`, `+493012345678`), or `00` and a country code
///   in a group followed by at least one more (`0049 30 1234567`);
/// - NANP: `(555) 123-4567`, `555-123-4567`, `555.123.4567`, `555 123 4567`, with an optional leading `1-`; the
///   area code starts with 2–9;
/// - national with a trunk `0`: `0` and a non-zero digit starting a group of 2–5 digits (or `(030)`), then
///   groups of 2 or more digits separated by spaces, hyphens, dots or one `/` after the first: 9–12 digits in all
///   (`030 1234567`, `(030) 1234567`, `030/1234567`, `020 7946 0958`, `06 12 34 56 78`), or Russian `8 (495) …`;
/// - national without a trunk prefix: three digits (not starting with 0) and groups of 2–7, all joined by spaces
///   or all by hyphens, 9–11 digits (`612 34 56 78`, `347 1234567`, `512-345-678`, `138 1234 5678`);
/// - after a label (``phoneLabels``: `Tel`, `Tél`, `Phone`, `Mobile`, `Fax`, `Telefon`, `Teléfono`, `Тел`, `電話`,
///   `M`, `T`, …, then perhaps `.`, `:` or `：`) any grouping of 6–15 digits, compact too.
///
/// Never: a run starting with a date (`2024-01-05`, `05.01.2024`, `2024/01/05`), a valid ISBN-13 starting
/// 978/979 or a valid ISBN after `ISBN` (`ISBN 0-306-40615-2`), plain digit runs without a label (`Order
/// #123456789`, `ticket 4815162342`), numbers inside words or hyphenated codes (`INV-2024-000123`, `1920x1080`),
/// times, prices and versions (which the shapes above do not cover). A space-grouped run that is too long is
/// tried without its last groups (`030 1234567 12 items`).
extension RedactionScanner {
    /// The end of a phone number starting at `start` (a digit, `+` or `(`).
    func phone(_ start: Int) -> Int? {
        guard let run = phoneRun(start), !startsWithDate(run), !isISBN(run) else { return nil }
        var labelled: Bool?  // looked up once, and only if a shape needs it
        var groups = cardFreeGroups(run)
        while groups >= 1 {
            let end = run.end(groups - 1)
            if numberMayEnd(at: end) {
                if isPhoneShape(run, groups: groups) { return end }
                let digits = run.digits(inFirst: groups)
                // After a label any grouping, but a compact 7+ digits is the whole number (`Tel: 4815162342 2024`).
                if digits >= 6 && digits <= 15 && (groups == 1 || run.length(0) < 7) {
                    if labelled == nil { labelled = phoneLabel(endingBefore: start) }
                    if labelled == true { return end }
                }
            }
            guard groups > 1, run.separator(before: groups - 1) == RedactionASCII.space else { return nil }
            groups -= 1
        }
        return nil
    }

    /// The groups before the first space-separated group that starts a card number (cards come before phones).
    private func cardFreeGroups(_ run: RedactionPhoneRun) -> Int {
        for group in 1..<max(run.groups, 1) where run.separator(before: group) == RedactionASCII.space {
            if case .match = card(run.digitStart(group)) { return group }
        }
        return run.groups
    }

    /// The groups from `start` (at most 17 digits), or nil if there are none or a group is a long digit run.
    private func phoneRun(_ start: Int) -> RedactionPhoneRun? {
        var run = RedactionPhoneRun(start: start)
        var index = start
        if at(index) == RedactionASCII.plus {
            run.plus = true
            index += 1
        }
        var separator: UInt8 = 0
        while run.groups < 8 {
            let parenthesized = at(index) == RedactionASCII.openParen
            if parenthesized && run.groups > 1 { break }  // `(030)`, `+44 (0)20`, `8 (495)`: first or second only
            let groupStart = parenthesized ? index + 1 : index
            let groupEnd = self.run(from: groupStart, RedactionClass.digit, limit: 16)
            let length = groupEnd - groupStart
            guard length > 0, !parenthesized || at(groupEnd) == RedactionASCII.closeParen else { break }
            guard length < 16 else { return nil }  // a long digit run is no phone number
            guard run.digits + length <= 17 else { break }  // the number ends before this group
            index = parenthesized ? groupEnd + 1 : groupEnd
            run.append(length: length, end: index, separator: separator, parenthesized: parenthesized)
            var next = index
            separator = 0
            switch at(next) {
            case RedactionASCII.space, RedactionASCII.hyphen, RedactionASCII.dot, RedactionASCII.slash:
                separator = at(next)
                next += 1
            default: break
            }
            guard isDigit(next) || (at(next) == RedactionASCII.openParen && isDigit(next + 1)) else { break }
            index = next
        }
        return run.groups > 0 ? run : nil
    }

    /// Whether the first `groups` groups are a phone number without a label.
    private func isPhoneShape(_ run: RedactionPhoneRun, groups: Int) -> Bool {
        let digits = run.digits(inFirst: groups)
        if run.plus {
            return digits >= 7 && digits <= 15 && !run.isParenthesized(0) && (groups == 1 || run.length(0) <= 4)
        }
        let first = run.digitStart(0)
        if at(first) == RedactionASCII.zero && at(first + 1) == RedactionASCII.zero && !run.isParenthesized(0) {
            return groups >= 2 && run.length(0) >= 3 && run.length(0) <= 5 && digits - 2 >= 7 && digits - 2 <= 15
        }
        return isNANP(run, groups: groups) || isNational(run, groups: groups) || isGroupedNational(run, groups: groups)
    }

    private func isNANP(_ run: RedactionPhoneRun, groups: Int) -> Bool {
        var area = 0
        if groups == 4 && run.length(0) == 1 && at(run.start) == UInt8(ascii: "1") {
            let separator = run.separator(before: 1)
            guard
                separator == RedactionASCII.space || separator == RedactionASCII.hyphen
                    || separator == RedactionASCII.dot
            else { return false }
            area = 1
        }
        guard groups - area == 3, run.length(area) == 3, run.length(area + 1) == 3, run.length(area + 2) == 4,
            !run.isParenthesized(area + 1), !run.isParenthesized(area + 2), digit(run.digitStart(area)) >= 2
        else { return false }
        let first = run.separator(before: area + 1)
        let second = run.separator(before: area + 2)
        if run.isParenthesized(area) {
            return (first == 0 || first == RedactionASCII.space)
                && (second == RedactionASCII.hyphen || second == RedactionASCII.space || second == RedactionASCII.dot)
        }
        return first == second
            && (first == RedactionASCII.hyphen || first == RedactionASCII.dot || first == RedactionASCII.space)
    }

    private func isNational(_ run: RedactionPhoneRun, groups: Int) -> Bool {
        let digits = run.digits(inFirst: groups)
        let first = run.digitStart(0)
        if groups >= 3 && run.length(0) == 1 && at(first) == UInt8(ascii: "8") && run.isParenthesized(1) {
            return digits == 11 && run.length(1) >= 3 && run.length(1) <= 5  // 8 (495) 123-45-67
        }
        guard groups >= 2, digits >= 9, digits <= 12, at(first) == RedactionASCII.zero, digit(first + 1) > 0,
            run.length(0) >= 2, run.length(0) <= 5
        else { return false }
        for group in 1..<groups {
            let separator = run.separator(before: group)
            let allowed =
                separator == RedactionASCII.space || separator == RedactionASCII.hyphen
                || separator == RedactionASCII.dot || (group == 1 && separator == RedactionASCII.slash)
                || (group == 1 && separator == 0 && run.isParenthesized(0))
            guard allowed, run.length(group) >= 2, !run.isParenthesized(group) else { return false }
        }
        return true
    }

    /// Three digits (not starting with 0) and 2–7-digit groups, all joined by spaces or all by hyphens, 9–11
    /// digits: national numbers without a trunk prefix (`612 34 56 78`, `347 1234567`, `512-345-678`,
    /// `138 1234 5678`).
    private func isGroupedNational(_ run: RedactionPhoneRun, groups: Int) -> Bool {
        let digits = run.digits(inFirst: groups)
        let separator = run.separator(before: 1)
        guard groups >= 2, digits >= 9, digits <= 11, run.length(0) == 3, !run.isParenthesized(0),
            at(run.start) != RedactionASCII.zero,
            separator == RedactionASCII.space || separator == RedactionASCII.hyphen
        else { return false }
        return (1..<groups).allSatisfy { group in
            run.separator(before: group) == separator && run.length(group) >= 2 && run.length(group) <= 7
                && !run.isParenthesized(group)
        }
    }

    /// Whether the run starts with a date: three groups joined by one of `- . /`, year first or last, and nothing
    /// after them but a space (`05.01.2024 10:30`).
    private func startsWithDate(_ run: RedactionPhoneRun) -> Bool {
        guard !run.plus, run.groups >= 3, run.groups == 3 || run.separator(before: 3) == RedactionASCII.space else {
            return false
        }
        let separator = run.separator(before: 1)
        guard separator == run.separator(before: 2),
            separator == RedactionASCII.hyphen || separator == RedactionASCII.dot || separator == RedactionASCII.slash
        else { return false }
        func value(_ group: Int) -> Int {
            let start = run.digitStart(group)
            return (start..<(start + min(run.length(group), 4))).reduce(0) { $0 * 10 + digit($1) }
        }
        let (a, b, c) = (value(0), value(1), value(2))
        if run.length(0) == 4 {
            return run.length(1) <= 2 && run.length(2) <= 2 && (1...12).contains(b) && (1...31).contains(c)
        }
        return run.length(0) <= 2 && run.length(1) <= 2 && (run.length(2) == 4 || run.length(2) == 2)
            && (1...31).contains(a) && (1...31).contains(b) && (a <= 12 || b <= 12) && c >= 0
    }

    /// Whether the run is a valid ISBN-13 starting 978 or 979, or a valid ISBN-10 or -13 after `ISBN`.
    private func isISBN(_ run: RedactionPhoneRun) -> Bool {
        guard !run.plus, run.digits == 10 || run.digits == 13 else { return false }
        var sum10 = 0
        var sum13 = 0
        var position = 0
        var prefix = 0
        for index in run.start..<run.end(run.groups - 1) where isDigit(index) {
            let value = digit(index)
            sum10 += value * (10 - position)
            sum13 += value * (position % 2 == 0 ? 1 : 3)
            if position < 3 { prefix = prefix * 10 + value }
            position += 1
        }
        if run.digits == 13 {
            guard sum13 % 10 == 0 else { return false }
            return prefix == 978 || prefix == 979 || followsISBNLabel(run.start)
        }
        return sum10 % 11 == 0 && followsISBNLabel(run.start)
    }

    /// Whether `ISBN`, `ISBN:`, `ISBN-10:` or `ISBN-13` (then spaces) comes right before `start`.
    private func followsISBNLabel(_ start: Int) -> Bool {
        var end = skipSpacesBack(from: start)
        if at(end - 1) == RedactionASCII.colon { end = skipSpacesBack(from: end - 1) }
        if at(end - 3) == RedactionASCII.hyphen && (endsWith("10", at: end) || endsWith("13", at: end)) { end -= 3 }
        return endsWith("isbn", at: end) && !isWord(end - 5)
    }

    /// Phone labels, lower-case (`Tel. kom.:` ends in `kom`).
    static let phoneLabels: Set<String> = [
        "tel", "tél", "phone", "telephone", "téléphone", "mob", "mobile", "mobil", "mobiel", "móvil", "movil", "cell",
        "celular", "telemóvel", "fax", "telefon", "teléfono", "telefono", "handy", "kom", "m", "t", "тел", "моб",
        "телефон", "電話", "携帯", "电话", "手机",
    ]

    /// Whether a phone label (then perhaps `.`, `:` or `：` and spaces) comes right before `start`.
    func phoneLabel(endingBefore start: Int) -> Bool {
        var end = skipSpacesBack(from: start)
        if at(end - 1) == RedactionASCII.colon {
            end = skipSpacesBack(from: end - 1)
        } else if at(end - 3) == 0xEF && at(end - 2) == 0xBC && at(end - 1) == 0x9A {
            end -= 3  // a full-width colon
        }
        if at(end - 1) == RedactionASCII.dot { end -= 1 }
        let word = letterRunStart(endingAt: end, limit: 20)
        guard end > word, !isWord(word - 1) else { return false }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[word..<end]), as: UTF8.self)
        return Self.phoneLabels.contains(text.lowercased())
    }
}
