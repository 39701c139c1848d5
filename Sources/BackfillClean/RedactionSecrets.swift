/// Secrets: what is replaced, and what is kept around it.
///
/// - PEM private keys: `-----BEGIN [RSA |EC |OPENSSH |DSA |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----` to the
///   matching `-----END …-----`, the whole block one placeholder. A BEGIN without its END within 100 lines (and
///   64 KiB), or with another BEGIN first, is left alone: an unterminated block is more likely a quotation or a
///   truncated paste than a key, and redacting to the end of the text would swallow the rest of a message.
/// - `Authorization:` (or `Proxy-Authorization:`) values: the credential after the scheme (`Bearer`, `Basic`,
///   `token`, …; for `Digest` and `AWS4-HMAC-SHA256` the rest of the line); header name and scheme stay.
/// - URL passwords: `scheme://user:PASSWORD@host`, only the password.
/// - Assignments: a key ending in `password`, `passwd`, `pwd`, `passphrase`, `secret`, `token`, `apikey`, `api_key`,
///   `api-key`, `secret_key`, `access_key` (so `aws_secret_access_key`), `private_key` or `auth_key`, then `=`,
///   `:`, `:=` or `=>` (the key perhaps quoted, as in JSON), then the value (quoted, or up to a space, quote,
///   `,`, `;`, `<`, `>`, and `&` in a URL query): only the value. After an unquoted `:` the value must look like
///   one (6+ characters with a digit or symbol, or 8+ with inner capitals), so prose (`the secret: we …`) stays;
///   `null`, `true`, `false`, `${VAR}`, `{{var}}`, `****` and placeholders are not values.
/// - Token shapes, as whole words: AWS `AKIA`/`ASIA` + 16 of `A-Z 0-9`; GitHub `ghp_ gho_ ghu_ ghs_ ghr_` + 36
///   or more letters and digits, `github_pat_` + 22 or more; Slack `xox[abprse]-…`; Stripe `sk_live_ sk_test_
///   rk_live_ rk_test_` + 10 or more; Google `AIza` + 35; OpenAI `sk-…` (20 or more, with a digit, so `sk-proj-…`
///   too); JWTs `eyJ….eyJ….signature`.
///
/// Git hashes, UUIDs, base64 data and the word "password" in prose have none of these shapes.
extension RedactionScanner {
    /// What a secret assignment's key ends with (ASCII case-insensitive).
    static let secretKeys: [StaticString] = [
        "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key", "secret_key",
        "access_key", "private_key", "auth_key",
    ]
    /// Values that say there is none.
    static let nonValues: [StaticString] = ["null", "none", "nil", "true", "false", "undefined"]

    /// The end of the PEM private key block starting at `start`.
    func privateKeyBlock(_ start: Int) -> Int? {
        guard matches("-----BEGIN ", at: start) else { return nil }
        let label = start + 11
        var labelEnd = label
        while labelEnd < min(count, label + 40) && (isLetter(labelEnd) || at(labelEnd) == RedactionASCII.space) {
            labelEnd += 1
        }
        guard matches("-----", at: labelEnd),
            endsWith("PRIVATE KEY", at: labelEnd) || endsWith("PRIVATE KEY BLOCK", at: labelEnd)
        else { return nil }
        var index = labelEnd + 5
        var lines = 0
        let limit = min(count, index + 65536)
        while index < limit {
            let byte = bytes[index]
            if byte == RedactionASCII.newline {
                lines += 1
                if lines > 100 { return nil }
            } else if byte == RedactionASCII.hyphen && matches("-----", at: index) {
                if matches("-----BEGIN", at: index) { return nil }
                guard matches("-----END ", at: index) else { return nil }
                let endLabel = index + 9
                let size = labelEnd - label
                guard endLabel + size <= count, (0..<size).allSatisfy({ at(endLabel + $0) == at(label + $0) }),
                    matches("-----", at: endLabel + size)
                else { return nil }
                return endLabel + size + 5
            }
            index += 1
        }
        return nil
    }

    /// The password of `scheme://user:password@host` whose `:` (after the scheme) is at `colon`.
    func urlPassword(colon: Int) -> (Int, Int)? {
        guard at(colon + 1) == RedactionASCII.slash, at(colon + 2) == RedactionASCII.slash else { return nil }
        var scheme = colon
        while scheme > 0 && colon - scheme < 32
            && (isWord(scheme - 1) || at(scheme - 1) == RedactionASCII.plus || at(scheme - 1) == RedactionASCII.dot
                || at(scheme - 1) == RedactionASCII.hyphen)
        {
            scheme -= 1
        }
        guard scheme < colon, isLetter(scheme) else { return nil }
        let authority = colon + 3
        var end = authority
        var sign = -1
        while end < min(count, authority + 256) {
            let byte = bytes[end]
            if byte == RedactionASCII.at {
                sign = end
            } else if byte <= RedactionASCII.space || Self.isOneOf(byte, "/?#<>\"'") {
                break
            }
            end += 1
        }
        guard sign > authority, let separator = (authority..<sign).first(where: { at($0) == RedactionASCII.colon }),
            separator + 1 < sign, !isPlaceholder(at: separator + 1)
        else { return nil }
        return (separator + 1, sign)
    }

    /// The value of a secret assignment, or the credential of an `Authorization` header, whose `:` or `=` is at
    /// `separator`.
    func keyValue(separator: Int) -> (Int, Int)? {
        let isColon = at(separator) == RedactionASCII.colon
        let next = at(separator + 1)
        if isColon ? next == RedactionASCII.colon : next == RedactionASCII.equals { return nil }
        var keyEnd = separator
        if !isColon {
            if Self.isOneOf(at(keyEnd - 1), "!<>=") { return nil }
            if at(keyEnd - 1) == RedactionASCII.colon { keyEnd -= 1 }
        }
        keyEnd = skipSpacesBack(from: keyEnd)
        if at(keyEnd - 1) == RedactionASCII.quote || at(keyEnd - 1) == RedactionASCII.apostrophe { keyEnd -= 1 }
        guard Self.isOneOf(at(keyEnd - 1), "detnyDETNY") else { return nil }  // the last letters of the keys
        var keyStart = keyEnd
        while keyStart > 0 && keyEnd - keyStart < 64
            && (isWord(keyStart - 1) || at(keyStart - 1) == RedactionASCII.hyphen
                || at(keyStart - 1) == RedactionASCII.dot)
        {
            keyStart -= 1
        }
        if endsWith("authorization", at: keyEnd) {
            return keyEnd - keyStart == 13 || !isLetter(keyEnd - 14) ? authorizationCredential(after: separator) : nil
        }
        guard Self.secretKeys.contains(where: { endsWith($0, at: keyEnd) }) else { return nil }
        let query = at(keyStart - 1) == UInt8(ascii: "?") || at(keyStart - 1) == UInt8(ascii: "&")
        return secretValue(after: separator, strict: isColon, query: query)
    }

    /// The value after the `=` or `:` at `separator`; `strict` after `:`, where prose is likelier; `query` in a
    /// URL's query (`?token=…&`), where `&` ends it.
    private func secretValue(after separator: Int, strict: Bool, query: Bool) -> (Int, Int)? {
        var start = separator + 1
        if at(start) == (strict ? RedactionASCII.equals : UInt8(ascii: ">")) { start += 1 }
        while (at(start) == RedactionASCII.space || at(start) == RedactionASCII.tab) && start - separator < 8 {
            start += 1
        }
        let quote = at(start)
        let quoted = quote == RedactionASCII.quote || quote == RedactionASCII.apostrophe
        if quoted { start += 1 }
        var end = start
        let limit = min(count, start + 512)
        while end < limit {
            let byte = bytes[end]
            let stop =
                quoted
                ? byte == quote || byte == RedactionASCII.newline || byte == RedactionASCII.carriageReturn
                : byte <= RedactionASCII.space || Self.isOneOf(byte, "\"'<>`,;") || (query && byte == UInt8(ascii: "&"))
            if stop { break }
            end += 1
        }
        while !quoted && end > start && Self.isOneOf(at(end - 1), ".)]}") { end -= 1 }
        guard end > start, isCredible(start, end, strict: strict && !quoted) else { return nil }
        return (start, end)
    }

    /// Whether `start..<end` is a value rather than a template, a null, a mask, a placeholder or (when `strict`)
    /// a word of prose.
    private func isCredible(_ start: Int, _ end: Int, strict: Bool) -> Bool {
        guard !isPlaceholder(at: start), !matches("${", at: start), !matches("{{", at: start),
            !matches("$(", at: start), !(start..<end).allSatisfy({ at($0) == UInt8(ascii: "*") })
        else { return false }
        let length = end - start
        if length <= 9 {
            if Self.nonValues.contains(where: { $0.utf8CodeUnitCount == length && endsWith($0, at: end) }) {
                return false
            }
        }
        guard strict else { return true }
        let symbolOrDigit = (start..<end).contains { !isLetter($0) }
        let innerCapital = (start + 1..<end).contains { at($0) >= 0x41 && at($0) <= 0x5A }
        return (length >= 6 && symbolOrDigit) || (length >= 8 && innerCapital)
    }

    /// The credential after `Authorization:` (the `:` or `=` at `separator`).
    private func authorizationCredential(after separator: Int) -> (Int, Int)? {
        var start = separator + 1
        while at(start) == RedactionASCII.space && start - separator < 8 { start += 1 }
        let quoted = at(start) == RedactionASCII.quote || at(start) == RedactionASCII.apostrophe
        if quoted { start += 1 }
        let schemeEnd = run(from: start, RedactionClass.token, limit: 32)
        func credentialEnd(_ from: Int, wholeLine: Bool) -> Int {
            var end = from
            while end < min(count, from + 4096) {
                let byte = bytes[end]
                if byte == RedactionASCII.newline || byte == RedactionASCII.carriageReturn { break }
                // A quoted header value ends at its quote; Digest parameters hold quotes of their own.
                if (quoted || !wholeLine) && (byte == RedactionASCII.quote || byte == RedactionASCII.apostrophe) {
                    break
                }
                if !wholeLine
                    && (byte <= RedactionASCII.space || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">"))
                {
                    break
                }
                end += 1
            }
            while end > from && at(end - 1) == RedactionASCII.space { end -= 1 }
            return end
        }
        guard schemeEnd > start else { return nil }
        var credential = schemeEnd
        while at(credential) == RedactionASCII.space && credential - schemeEnd < 4 { credential += 1 }
        if isPlaceholder(at: credential) { return nil }  // already redacted
        if credential > schemeEnd && at(credential) > RedactionASCII.space {
            let wholeLine = endsWith("digest", at: schemeEnd) || matches("aws4-", at: start, caseInsensitive: true)
            let end = credentialEnd(credential, wholeLine: wholeLine)
            return end > credential ? (credential, end) : nil
        }
        let end = credentialEnd(start, wholeLine: false)  // no scheme: the value is the credential
        return end - start >= 8 && !isPlaceholder(at: start) ? (start, end) : nil
    }
}
