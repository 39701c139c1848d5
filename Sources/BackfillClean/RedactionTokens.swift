/// API token shapes at a word start (see ``RedactionScanner`` secrets for the list).
extension RedactionScanner {
    /// The end of the token starting at `start`; `inBase64` when the byte before is `/`, `+` or `=`, where the
    /// upper-case shapes (`AKIA…`, `AIza…`) could be a piece of base64 data.
    func token(_ start: Int, inBase64: Bool) -> Int? {
        let alphanumeric = RedactionClass.letter | RedactionClass.digit
        switch UInt16(at(start)) << 8 | UInt16(at(start + 1)) {  // the first two bytes, so most words cost one switch
        case 0x414B /* AK */, 0x4153 /* AS */:
            guard !inBase64, matches("AKIA", at: start) || matches("ASIA", at: start) else { return nil }
            let end = start + 20
            return end <= count && (start + 4..<end).allSatisfy({ isDigit($0) || isUpper($0) }) && !isWord(end)
                ? end : nil
        case 0x4149 /* AI */:
            guard !inBase64, matches("AIza", at: start) else { return nil }
            return wholeToken(from: start + 4, RedactionClass.token, minimum: 35, maximum: 35)
        case 0x6768 /* gh */:
            guard Self.isOneOf(at(start + 2), "pousr"), at(start + 3) == RedactionASCII.underscore else { return nil }
            return wholeToken(from: start + 4, alphanumeric, minimum: 36)
        case 0x6769 /* gi */:
            guard matches("github_pat_", at: start) else { return nil }
            return wholeToken(from: start + 11, RedactionClass.word, minimum: 22)
        case 0x786F /* xo */:
            guard matches("xox", at: start), Self.isOneOf(at(start + 3), "abprse"),
                at(start + 4) == RedactionASCII.hyphen
            else { return nil }
            return wholeToken(from: start + 5, RedactionClass.token, minimum: 10)
        case 0x736B /* sk */, 0x726B /* rk */:
            if matches("_live_", at: start + 2) || matches("_test_", at: start + 2) {
                return wholeToken(from: start + 8, alphanumeric, minimum: 10)
            }
            guard at(start) == UInt8(ascii: "s"), at(start + 2) == RedactionASCII.hyphen,
                let end = wholeToken(from: start + 3, RedactionClass.token, minimum: 20)
            else { return nil }
            return (start + 3..<end).contains { isDigit($0) } ? end : nil
        case 0x6579 /* ey */:
            return jsonWebToken(start)
        default:
            return nil
        }
    }

    @inline(__always) private func isUpper(_ index: Int) -> Bool { at(index) >= 0x41 && at(index) <= 0x5A }

    /// The end of a run of `bits` from `start` of `minimum`…`maximum` bytes that ends the word.
    private func wholeToken(from start: Int, _ bits: UInt8, minimum: Int, maximum: Int = 1024) -> Int? {
        let end = run(from: start, bits, limit: maximum + 1)
        let length = end - start
        return length >= minimum && length <= maximum && !has(end, RedactionClass.token) ? end : nil
    }

    /// `eyJ…` `.` `eyJ…` `.` signature: base64url JSON header and payload, at least 10 characters each, and a
    /// signature of at least 8.
    private func jsonWebToken(_ start: Int) -> Int? {
        guard matches("eyJ", at: start) else { return nil }
        let header = run(from: start, RedactionClass.token, limit: 4096)
        guard header - start >= 10, at(header) == RedactionASCII.dot, matches("eyJ", at: header + 1) else { return nil }
        let payload = run(from: header + 1, RedactionClass.token, limit: 16384)
        guard payload - header > 10, at(payload) == RedactionASCII.dot else { return nil }
        let signature = run(from: payload + 1, RedactionClass.token, limit: 1024)
        guard signature - payload > 8,
            !(at(signature) == RedactionASCII.dot && has(signature + 1, RedactionClass.token))
        else { return nil }
        return signature
    }
}
