/// One value found: the bytes `start..<end` of the text, of `kind`.
struct RedactionMatch: Equatable {
    var start: Int
    var end: Int
    var kind: RedactionKind
}

/// One forward pass over a text's UTF-8 bytes that finds the values to redact.
///
/// Hand-written, not regular expressions: NSRegularExpression or Swift Regex over a whole text, with this many
/// alternatives, runs at a few to a few tens of MB/s, far below the 150 MB/s per core the cleaning step may cost.
/// Here a byte costs one table look-up; the detectors run only where a cheap test fires — a word's first byte (a
/// digit, two letters and two digits, a token prefix), `@`, `:`, `=`, `-----BEGIN`, `+`, `(` — and each verifies
/// its candidate (Luhn, mod-97, registry lengths, octet ranges, label words) in a bounded number of bytes, so any
/// input costs linear time.
///
/// Where kinds overlap the first to claim bytes wins and claimed bytes are not scanned again. Secrets are found at
/// the start of what introduces them (`-----BEGIN`, `://`, the `:` or `=` after a key), so before anything inside
/// them; a number followed by `@` is left to the address it starts; an IBAN is tried before the numbers it holds;
/// at one start, a card is tried before an IPv4 address, which is tried before a phone number. Kinds that are not
/// enabled are still detected (and their bytes skipped), so enabling a kind never changes what another finds.
struct RedactionScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// ``RedactionClass/table``.
    let classes: UnsafeBufferPointer<UInt8>
    let count: Int
    let enabled: Set<RedactionKind>
    /// Where the last match (of any kind, enabled or not) ended: no match starts before it.
    var claimed = 0
    var matches: [RedactionMatch] = []

    init(bytes: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<UInt8>, enabled: Set<RedactionKind>) {
        self.bytes = bytes
        self.classes = classes
        self.count = bytes.count
        self.enabled = enabled
    }

    mutating func scan() {
        var index = 0
        while index < count {
            let bits = classes[Int(bytes[index])]
            if bits & (RedactionClass.word | RedactionClass.trigger) == 0 {
                index += 1
                continue
            }
            if bits & RedactionClass.word != 0 {
                // Most words start with a letter, have no digit third (an IBAN's check digits) and no token prefix.
                let next: Int
                if bits & RedactionClass.digit != 0 {
                    next = numberStart(index)
                } else if bits & RedactionClass.tokenStart != 0 || has(index + 2, RedactionClass.digit) {
                    next = wordStart(index)
                } else {
                    next = index
                }
                index = next > index ? next : run(from: index + 1, RedactionClass.word)
                continue
            }
            index = max(punctuation(index), index + 1)
        }
    }

    /// Records a match of `kind` (if enabled) and returns its end.
    mutating func take(_ start: Int, _ end: Int, _ kind: RedactionKind) -> Int {
        if enabled.contains(kind) { matches.append(RedactionMatch(start: start, end: end, kind: kind)) }
        claimed = end
        return end
    }

    /// Claims bytes that look like a value but are not one (an IBAN with a wrong checksum, a Luhn-invalid card
    /// shape), so no other kind matches their pieces; returns their end.
    mutating func skip(to end: Int) -> Int {
        claimed = end
        return end
    }

    /// A word starting with a digit: a card, an IPv4 address or a phone number. Returns `index` if nothing.
    mutating func numberStart(_ index: Int) -> Int {
        guard index >= claimed else { return index }
        if numberMayStart(at: index) {
            switch card(index) {
            case .match(let end): return take(index, end, .card)
            case .lookAlike(let end): return skip(to: end)
            case .none: break
            }
            if let end = ipv4(index), !followsVersionWord(index) { return take(index, end, .ip) }
            if let end = phone(index) { return take(index, end, .phone) }
        } else if at(index - 1) == RedactionASCII.colon || at(index - 1) == RedactionASCII.dot,
            phoneLabel(endingBefore: index), let end = phone(index)
        {
            return take(index, end, .phone)  // `Tel:030 1234567`, `Tel.030 …`
        }
        return index
    }

    /// A word starting with a letter or `_`: an IBAN or an API token. Returns `index` if nothing.
    mutating func wordStart(_ index: Int) -> Int {
        guard index >= claimed, !isWord(index - 1) else { return index }
        let before = at(index - 1)
        let inBase64 =
            before == RedactionASCII.slash || before == RedactionASCII.plus || before == RedactionASCII.equals
        if !inBase64 && isLetter(index) && isLetter(index + 1) && isDigit(index + 2) && isDigit(index + 3) {
            switch iban(index) {
            case .match(let end): return take(index, end, .iban)
            case .lookAlike(let end): return skip(to: end)
            case .none: break
            }
        }
        if classes[Int(bytes[index])] & RedactionClass.tokenStart != 0, let end = token(index, inBase64: inBase64) {
            return take(index, end, .secret)
        }
        return index
    }

    /// `@`, `:`, `=`, `-`, `+` or `(`. Returns the end of a match, or `index` if nothing.
    mutating func punctuation(_ index: Int) -> Int {
        switch bytes[index] {
        case RedactionASCII.at:
            if let (start, end) = email(at: index) { return take(start, end, .email) }
        case RedactionASCII.colon:
            if let (start, end) = urlPassword(colon: index) ?? keyValue(separator: index) {
                return take(start, end, .secret)
            }
            if let (start, end) = ipv6(colon: index) { return take(start, end, .ip) }
        case RedactionASCII.equals:
            if let (start, end) = keyValue(separator: index) { return take(start, end, .secret) }
        case RedactionASCII.hyphen:
            if at(index + 1) == RedactionASCII.hyphen, let end = privateKeyBlock(index) {
                return take(index, end, .secret)
            }
        default:  // `+` or `(`
            guard index >= claimed, !isWord(index - 1), at(index - 1) != RedactionASCII.plus else { break }
            if let end = phone(index) { return take(index, end, .phone) }
        }
        return index
    }
}
