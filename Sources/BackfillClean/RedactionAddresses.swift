/// What a detector found where its shape starts.
enum RedactionCandidate {
    /// A value ending here.
    case match(Int)
    /// The value's shape, but not one (an IBAN with a wrong checksum, a Luhn-invalid 16-digit number), ending
    /// here: left alone, and its pieces are not numbers for other kinds.
    case lookAlike(Int)
    case none
}

/// E-mail addresses, IBANs and IPv6 addresses.
///
/// **email**: an addr-spec `local@domain`: the local part of `A-Z a-z 0-9 . _ % + -` and UTF-8 letters (at most
/// 64 bytes, no leading or trailing dot), the domain of at least two labels (letters, digits, hyphens inside, UTF-8 letters for
/// IDN domains), the last of at least two letters (or `xn--…`). So `<a@b.org>` and `mailto:a@b.org` match (the
/// brackets and the scheme stay); `@handle`, `@media`, `pkg@1.2.3` and, deliberately, dotless hosts like
/// `user@localhost` do not, nor image names like `logo@2x.png`.
///
/// **iban**: two letters naming a country of the SWIFT IBAN registry, two check digits, then letters and digits
/// up to that country's length, compact or in groups of four separated by single spaces; mod-97 == 1.
///
/// **ip** (IPv6): up to eight groups of 1–4 hex digits, at most one `::`, perhaps ending in an IPv4 address and a
/// zone (`%eth0`); it must hold a decimal digit (so `dead::beef` and C++ `a::b` do not match), and `::` alone,
/// times (`12:30:45`) and MAC addresses (six groups: not matched, not an IP) do not have the shape.
extension RedactionScanner {
    /// The address around the `@` at `sign`.
    func email(at sign: Int) -> (Int, Int)? {
        var start = sign
        let floor = max(claimed, sign - 64)
        while start > floor {
            if has(start - 1, RedactionClass.local) {
                start -= 1
                continue
            }
            var lead = start - 1  // a UTF-8 letter (RFC 6531 local parts: `müller@…`)?
            while lead > floor && start - lead < 4 && at(lead) & 0xC0 == 0x80 { lead -= 1 }
            guard lead >= floor, let size = letterScalarSize(at: lead), lead + size == start else { break }
            start = lead
        }
        if start == sign - 64 && start > claimed && has(start - 1, RedactionClass.local) { return nil }
        while start < sign && at(start) == RedactionASCII.dot { start += 1 }
        guard start < sign, at(sign - 1) != RedactionASCII.dot, let end = emailDomain(from: sign + 1) else {
            return nil
        }
        return (start, end)
    }

    /// The end of the domain starting at `first`.
    private func emailDomain(from first: Int) -> Int? {
        var index = first
        var labels = 0
        var lastLabel = first
        var lastIsLetters = true
        while true {
            let label = index
            var letters = true
            while index < count && index - first < 254 {
                let bits = classes[Int(bytes[index])]
                if bits & (RedactionClass.letter | RedactionClass.digit) != 0 || bytes[index] == RedactionASCII.hyphen {
                    letters = letters && bits & RedactionClass.letter != 0
                    index += 1
                } else if let size = letterScalarSize(at: index) {
                    index += size
                } else {
                    break
                }
            }
            guard index > label, at(label) != RedactionASCII.hyphen, at(index - 1) != RedactionASCII.hyphen else {
                return nil
            }
            labels += 1
            lastLabel = label
            lastIsLetters = letters
            let next = index + 1
            guard at(index) == RedactionASCII.dot,
                has(next, RedactionClass.letter | RedactionClass.digit)
                    || letterScalarSize(at: next) != nil
            else { break }
            index = next
        }
        guard labels >= 2, index - first <= 253, index - lastLabel >= 2,
            lastIsLetters || matches("xn--", at: lastLabel, caseInsensitive: true), !isImageName(lastLabel, index)
        else { return nil }
        return index
    }

    /// Whether the label `start..<end` is an image file's extension (`logo@2x.png`).
    private func isImageName(_ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 3:
            return endsWith("png", at: end) || endsWith("jpg", at: end) || endsWith("gif", at: end)
                || endsWith("svg", at: end)
        case 4: return endsWith("jpeg", at: end) || endsWith("webp", at: end)
        default: return false
        }
    }

    /// The length of the UTF-8 sequence at `index` if it encodes a letter or digit (IDN labels), else nil.
    func letterScalarSize(at index: Int) -> Int? {
        let lead = at(index)
        guard lead >= 0xC2 else { return nil }
        let size = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard index + size <= count else { return nil }
        var value = UInt32(lead) & (size == 2 ? 0x1F : size == 3 ? 0x0F : 0x07)
        for offset in 1..<size {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.generalCategory == .decimalNumber ? size : nil
    }

    /// An IBAN of a registered country starting at `start` (two letters, two digits checked by the caller).
    func iban(_ start: Int) -> RedactionCandidate {
        let country = Int(Self.lower(at(start)) - 0x61) * 26 + Int(Self.lower(at(start + 1)) - 0x61)
        let length = Int(RedactionIBANRegistry.lengths[country])
        guard length > 0 else { return .none }  // not a registry country
        let alphanumeric = RedactionClass.letter | RedactionClass.digit
        var end = start + 4
        if at(end) == RedactionASCII.space && has(end + 1, alphanumeric) {
            var characters = 4
            while characters < length {
                guard at(end) == RedactionASCII.space else { return ibanLookAlike(start) }
                let groupEnd = run(from: end + 1, alphanumeric, limit: 5)
                let size = groupEnd - end - 1
                guard size >= 1, size <= 4, characters + size <= length, size == 4 || characters + size == length
                else { return ibanLookAlike(start) }
                characters += size
                end = groupEnd
            }
        } else {
            end = run(from: end, alphanumeric, limit: length - 3)
            guard end - start == length else { return ibanLookAlike(start) }
        }
        guard !isWord(end), at(end) != RedactionASCII.at else { return ibanLookAlike(start) }
        return ibanChecksum(start, end) == 1 ? .match(end) : .lookAlike(end)
    }

    /// What to do with an IBAN-shaped run of a registered country that is not one: from `start` (the country
    /// code), alphanumeric groups joined by single spaces; at least 8 characters and not an address's local part
    /// (then its pieces are not numbers for other kinds), else nothing.
    private func ibanLookAlike(_ start: Int) -> RedactionCandidate {
        let alphanumeric = RedactionClass.letter | RedactionClass.digit
        var end = run(from: start, alphanumeric, limit: 40)
        while end - start < 48 && at(end) == RedactionASCII.space && has(end + 1, alphanumeric) {
            end = run(from: end + 1, alphanumeric, limit: 40)
        }
        return end - start >= 8 && at(end) != RedactionASCII.at && !isWord(end) ? .lookAlike(end) : .none
    }

    /// ISO 7064 mod 97-10 of `start..<end` (spaces skipped) with the first four characters moved to the end.
    private func ibanChecksum(_ start: Int, _ end: Int) -> Int {
        var remainder = 0
        func add(_ index: Int) {
            let byte = at(index)
            if isDigit(index) {
                remainder = (remainder * 10 + Int(byte) - 0x30) % 97
            } else if isLetter(index) {
                remainder = (remainder * 100 + Int(Self.lower(byte)) - 0x61 + 10) % 97
            }
        }
        for index in (start + 4)..<end { add(index) }
        for index in start..<(start + 4) { add(index) }
        return remainder
    }

    /// The IPv6 address whose first `:` (or the hex group before it) is at `colon`.
    func ipv6(colon: Int) -> (Int, Int)? {
        var start = colon
        while start > colon - 4 && has(start - 1, RedactionClass.hex) { start -= 1 }
        if start == colon && at(colon + 1) != RedactionASCII.colon { return nil }
        guard start >= claimed, !isWord(start - 1), at(start - 1) != RedactionASCII.colon,
            at(start - 1) != RedactionASCII.dot, let end = ipv6End(from: start)
        else { return nil }
        return (start, end)
    }

    private func ipv6End(from start: Int) -> Int? {
        var index = start
        var groups = 0
        var compressed = false
        var decimal = false
        if at(index) == RedactionASCII.colon {
            compressed = true
            index += 2
        }
        while groups < 8 {
            let end = run(from: index, RedactionClass.hex, limit: 5)
            guard end > index else { break }
            if at(end) == RedactionASCII.dot, let v4 = ipv4(index) {
                groups += 2
                decimal = true
                index = v4
                break
            }
            guard end - index <= 4 else { return nil }
            decimal = decimal || (index..<end).contains { isDigit($0) }
            groups += 1
            index = end
            guard at(index) == RedactionASCII.colon else { break }
            if at(index + 1) == RedactionASCII.colon {
                guard !compressed else { return nil }
                compressed = true
                index += 2
            } else if has(index + 1, RedactionClass.hex) {
                index += 1
            } else {
                break
            }
        }
        guard decimal, compressed ? groups <= 7 : groups == 8 else { return nil }
        if at(index) == RedactionASCII.percent && isWord(index + 1) {
            index = run(from: index + 1, RedactionClass.token)
        }
        guard !isWord(index), !(at(index) == RedactionASCII.colon && has(index + 1, RedactionClass.hex)),
            !(at(index) == RedactionASCII.dot && isDigit(index + 1))
        else { return nil }
        return index
    }
}
