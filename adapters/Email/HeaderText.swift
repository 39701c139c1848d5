import Foundation

/// A mailbox in an address header.
package struct EmailAddress: Hashable {
    /// The display name, decoded; empty when none.
    var name: String
    /// The address as written (`local@domain`).
    var address: String

    /// `Name <addr>`, or the address alone.
    package var display: String {
        if name.isEmpty { return address }
        if address.isEmpty { return name }
        return "\(name) <\(address)>"
    }
}

/// Header value decoding: unfolding, RFC 2047 encoded words, addresses, message ids, labels.
package enum HeaderText {
    /// The value without folding line breaks, trimmed.
    static func unfoldBytes(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        for byte in raw where byte != 0x0D && byte != 0x0A { out.append(byte) }
        let range = ByteSearch.trimmed(out, 0..<out.count)
        return range.count == out.count ? out : Array(out[range])
    }

    /// The unfolded value as text (8-bit bytes as UTF-8, else windows-1252), encoded words left as they are.
    package static func unfold(_ raw: ArraySlice<UInt8>) -> String { ByteSearch.string(unfoldBytes(raw)) }

    /// Decodes RFC 2047 encoded words (`=?charset?B|Q?text?=`) anywhere in the value — also inside quotes, as
    /// mailers write them; whitespace between adjacent encoded words is dropped and their bytes are joined before
    /// charset decoding (a character split across words survives). Raw 8-bit text is read as UTF-8, else
    /// windows-1252.
    package static func decode(_ bytes: [UInt8]) -> String {
        guard ByteSearch.index(of: [0x3D, 0x3F], in: bytes, from: 0, to: bytes.count) != nil else {
            return ByteSearch.string(bytes)
        }
        var out = ""
        var literalStart = 0
        var index = 0
        // Pending encoded bytes (same charset) not yet decoded.
        var pending: [UInt8] = []
        var pendingCharset: String?
        func flushPending() {
            if let charset = pendingCharset {
                out += TextDecoding.decode(pending, label: charset).text
            }
            pending = []
            pendingCharset = nil
        }
        while index + 1 < bytes.count {
            guard bytes[index] == 0x3D, bytes[index + 1] == 0x3F, let word = encodedWord(bytes, at: index) else {
                index += 1
                continue
            }
            let literal = bytes[literalStart..<index]
            let onlySpace = literal.allSatisfy(ByteSearch.isWhitespace)
            if !(onlySpace && pendingCharset != nil) {
                flushPending()
                out += ByteSearch.string(literal)
            } else if pendingCharset != word.charset {
                flushPending()
            }
            pendingCharset = word.charset
            pending.append(contentsOf: word.decoded)
            index = word.end
            literalStart = index
        }
        flushPending()
        if literalStart < bytes.count { out += ByteSearch.string(bytes[literalStart...]) }
        return out
    }

    /// The encoded word starting at `start` (`=?`), if well-formed.
    private static func encodedWord(_ bytes: [UInt8], at start: Int) -> (charset: String, decoded: [UInt8], end: Int)? {
        var i = start + 2
        let limit = min(bytes.count, start + 4096)
        let charsetStart = i
        while i < limit && bytes[i] != 0x3F && !ByteSearch.isWhitespace(bytes[i]) { i += 1 }
        guard i + 2 < limit, bytes[i] == 0x3F, i > charsetStart else { return nil }
        var charset = String(decoding: bytes[charsetStart..<i], as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }  // RFC 2231 language
        let encoding = ByteSearch.lower(bytes[i + 1])
        guard encoding == 0x62 || encoding == 0x71, bytes[i + 2] == 0x3F else { return nil }
        let textStart = i + 3
        var j = textStart
        while j + 1 < limit && !(bytes[j] == 0x3F && bytes[j + 1] == 0x3D) {
            if bytes[j] == 0x20 || bytes[j] == 0x0A { return nil }
            j += 1
        }
        guard j + 1 < limit else { return nil }
        let text = bytes[textStart..<j]
        let decoded = encoding == 0x62 ? TransferDecoding.base64(text) : TransferDecoding.qEncoding(text)
        return (charset, decoded, j + 2)
    }

    /// The mailboxes of an address-list header (groups flattened), display names decoded.
    package static func addresses(_ raw: ArraySlice<UInt8>) -> [EmailAddress] {
        let bytes = unfoldBytes(raw)
        var result: [EmailAddress] = []
        var quoted = false
        var comment = 0
        var angle = false
        var start = 0
        func emit(_ end: Int) {
            if let address = mailbox(Array(bytes[start..<end])) { result.append(address) }
        }
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if quoted {
                if byte == 0x5C { i += 1 } else if byte == 0x22 { quoted = false }
            } else if comment > 0 {
                if byte == 0x28 { comment += 1 } else if byte == 0x29 { comment -= 1 }
            } else {
                switch byte {
                case 0x22: quoted = true
                case 0x28: comment = 1
                case 0x3C: angle = true
                case 0x3E: angle = false
                case 0x2C, 0x3B:  // , ;
                    if !angle {
                        emit(i)
                        start = i + 1
                    }
                case 0x3A:  // group name
                    if !angle { start = i + 1 }
                default: break
                }
            }
            i += 1
        }
        emit(bytes.count)
        return result
    }

    /// One mailbox: `"Name" <addr>`, `Name <addr>`, `addr (Name)`, `addr`.
    private static func mailbox(_ bytes: [UInt8]) -> EmailAddress? {
        let trimmedRange = ByteSearch.trimmed(bytes, 0..<bytes.count)
        guard !trimmedRange.isEmpty else { return nil }
        let part = Array(bytes[trimmedRange])
        // The last `<…>` outside quotes.
        var quoted = false
        var open: Int?
        var close: Int?
        for (i, byte) in part.enumerated() {
            if byte == 0x22 { quoted.toggle() }
            if quoted { continue }
            if byte == 0x3C { open = i }
            if byte == 0x3E, open != nil { close = i }
        }
        if let open, let close, close > open {
            let address = String(decoding: part[(open + 1)..<close], as: UTF8.self).asciiTrimmed
            let name = displayName(Array(part[0..<open]))
            return EmailAddress(name: name, address: address)
        }
        // `addr (Name)` or a bare address.
        var address: [UInt8] = []
        var commentText: [UInt8] = []
        var depth = 0
        for byte in part {
            if byte == 0x28 {
                depth += 1
                if depth == 1 { continue }
            }
            if byte == 0x29 && depth > 0 {
                depth -= 1
                if depth == 0 { continue }
            }
            if depth > 0 { commentText.append(byte) } else if !ByteSearch.isWhitespace(byte) { address.append(byte) }
        }
        let addressText = ByteSearch.string(address)
        if addressText.isEmpty && commentText.isEmpty { return nil }
        if !addressText.utf8.contains(0x40) && commentText.isEmpty {
            // A bare word (an undisclosed-recipients group name, a name without address).
            return EmailAddress(name: displayName(part), address: "")
        }
        return EmailAddress(name: displayName(commentText), address: addressText)
    }

    /// A display name: quotes and escapes removed, encoded words decoded, whitespace collapsed.
    private static func displayName(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x22 {
                i += 1
                continue
            }
            if byte == 0x5C && i + 1 < bytes.count {
                out.append(bytes[i + 1])
                i += 2
                continue
            }
            out.append(byte)
            i += 1
        }
        let decoded = decode(out)
        // Collapse whitespace runs only when there are any (the common name has none).
        var previousSpace = true
        var needsCollapse = false
        for byte in decoded.utf8 {
            let space = byte == 0x20 || byte == 0x09
            if space && (previousSpace || byte == 0x09) { needsCollapse = true; break }
            previousSpace = space
        }
        if !needsCollapse && !previousSpace { return decoded }
        return decoded.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// Message ids in a header (`<a@b> <c@d>`) as written: no angle brackets or whitespace, case kept (RFC 5322's
    /// id-left, like an address's local part, is case-sensitive). Compare and derive ids through ``idKey(_:)``.
    package static func messageIDs(_ raw: ArraySlice<UInt8>) -> [String] {
        let bytes = unfoldBytes(raw)
        var ids: [String] = []
        var i = 0
        var sawAngle = false
        while i < bytes.count {
            if bytes[i] == 0x3C {
                sawAngle = true
                guard let close = ByteSearch.index(of: 0x3E, in: bytes, from: i + 1, to: bytes.count) else { break }
                let id = normaliseID(bytes[(i + 1)..<close])
                if !id.isEmpty { ids.append(id) }
                i = close + 1
            } else {
                i += 1
            }
        }
        if !sawAngle {
            // Bare ids separated by whitespace.
            for token in bytes.split(whereSeparator: ByteSearch.isWhitespace) {
                let id = normaliseID(token)
                if id.utf8.contains(0x40) || !id.isEmpty && ids.isEmpty { ids.append(id) }
            }
        }
        return ids
    }

    static func normaliseID(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        for byte in bytes where !ByteSearch.isWhitespace(byte) && byte != 0x3C && byte != 0x3E {
            out.append(byte)
        }
        return ByteSearch.string(out)
    }

    /// The key a message id is matched and identified by: ASCII lower-case (what `document_id`s have always been
    /// built from, so ledgers written before ids were kept as written stay valid). Never shown as metadata.
    static func idKey(_ id: String) -> String {
        ByteSearch.string(id.utf8.map(ByteSearch.lower))
    }

    /// `X-Gmail-Labels: Inbox,Category Promotions,"Work, Q3"` → labels, encoded words decoded.
    package static func gmailLabels(_ raw: ArraySlice<UInt8>) -> [String] {
        let bytes = unfoldBytes(raw)
        var labels: [String] = []
        var current: [UInt8] = []
        var quoted = false
        func emit() {
            let label = decode(current).asciiTrimmed
            if !label.isEmpty { labels.append(label) }
            current = []
        }
        for byte in bytes {
            if byte == 0x22 {
                quoted.toggle()
                continue
            }
            if byte == 0x2C && !quoted { emit() } else { current.append(byte) }
        }
        emit()
        return labels
    }

    /// IMAP-style `X-GM-LABELS: "\\Inbox" Work/Projects "Category Updates"` → `Inbox`, `Work/Projects`, ….
    package static func imapLabels(_ raw: ArraySlice<UInt8>) -> [String] {
        let bytes = unfoldBytes(raw)
        var labels: [String] = []
        var i = 0
        while i < bytes.count {
            while i < bytes.count && ByteSearch.isWhitespace(bytes[i]) { i += 1 }
            guard i < bytes.count else { break }
            var token: [UInt8] = []
            if bytes[i] == 0x22 {
                i += 1
                while i < bytes.count && bytes[i] != 0x22 {
                    if bytes[i] == 0x5C && i + 1 < bytes.count { i += 1 }
                    token.append(bytes[i])
                    i += 1
                }
                i += 1
            } else {
                while i < bytes.count && !ByteSearch.isWhitespace(bytes[i]) {
                    token.append(bytes[i])
                    i += 1
                }
            }
            while token.first == 0x5C { token.removeFirst() }
            let label = decode(token).asciiTrimmed
            if !label.isEmpty { labels.append(label) }
        }
        return labels
    }
}
