import BackfillCore
import BackfillMarkup
import Foundation

/// The header block of a message or body part: field ranges into the message bytes, decoded on demand.
struct MIMEHeaders {
    struct Field {
        var name: Range<Int>
        var value: Range<Int>
    }

    let bytes: [UInt8]
    var fields: [Field] = []

    /// The raw (folded) value of the first field `name` (lower-case).
    func raw(_ name: String) -> ArraySlice<UInt8>? {
        let key = Array(name.utf8)
        for field in fields where ByteSearch.equalsLowercased(bytes, field.name, key) { return bytes[field.value] }
        return nil
    }

    /// Every raw value of `name` (lower-case), in order.
    func rawAll(_ name: String) -> [ArraySlice<UInt8>] {
        let key = Array(name.utf8)
        return fields.filter { ByteSearch.equalsLowercased(bytes, $0.name, key) }.map { bytes[$0.value] }
    }

    /// The unfolded value of the first field `name`, 8-bit bytes read as UTF-8 (else windows-1252), not
    /// RFC 2047-decoded; nil when absent.
    func unfolded(_ name: String) -> String? {
        raw(name).map { HeaderText.unfold($0) }
    }

    /// The unfolded, RFC 2047-decoded value; nil when absent.
    func text(_ name: String) -> String? {
        raw(name).map { HeaderText.decode(HeaderText.unfoldBytes($0)) }
    }
}

/// A message or body part: its headers and its body's range in the shared message bytes.
struct MIMEEntity {
    let bytes: [UInt8]
    let headers: MIMEHeaders
    let body: Range<Int>
    /// The content type a part has when it declares none (`message/rfc822` inside `multipart/digest`).
    let defaultType: String

    /// Parses the entity spanning `range` of `bytes`: headers up to the first empty line (or the first line that is
    /// not a header), the body after it.
    init(bytes: [UInt8], range: Range<Int>, defaultType: String = "text/plain") {
        self.bytes = bytes
        self.defaultType = defaultType
        var headers = MIMEHeaders(bytes: bytes)
        var index = range.lowerBound
        let end = range.upperBound
        var bodyStart = end
        bytes.withUnsafeBufferPointer { buffer in
            while index < end {
                let lineEnd = ByteSearch.index(of: 0x0A, in: buffer, from: index, to: end) ?? end
                var contentEnd = lineEnd
                if contentEnd > index && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                if contentEnd == index {
                    // The empty line ending the header block.
                    bodyStart = min(lineEnd + 1, end)
                    return
                }
                let first = buffer[index]
                if first == 0x20 || first == 0x09 {
                    if !headers.fields.isEmpty {
                        headers.fields[headers.fields.count - 1].value =
                            headers.fields[headers.fields.count - 1].value.lowerBound..<contentEnd
                    }
                } else if let colon = ByteSearch.index(of: 0x3A, in: buffer, from: index, to: contentEnd),
                    colon > index, Self.isFieldName(buffer, index..<colon)
                {
                    var nameEnd = colon
                    while nameEnd > index && ByteSearch.isSpace(buffer[nameEnd - 1]) { nameEnd -= 1 }
                    headers.fields.append(.init(name: index..<nameEnd, value: (colon + 1)..<contentEnd))
                } else if headers.fields.isEmpty && contentEnd - index >= 5 && buffer[index] == 0x46
                    && buffer[index + 1] == 0x72 && buffer[index + 2] == 0x6F && buffer[index + 3] == 0x6D
                    && buffer[index + 4] == 0x20
                {
                    // An envelope `From ` line at the top of an .eml file: not a header.
                } else {
                    // Not a header line: the body starts here (no blank line).
                    bodyStart = index
                    return
                }
                index = lineEnd + 1
            }
        }
        self.headers = headers
        self.body = min(bodyStart, end)..<end
    }

    private static func isFieldName(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var sawSpace = false
        for i in range {
            let byte = buffer[i]
            if byte == 0x20 || byte == 0x09 {
                sawSpace = true
            } else if byte <= 0x20 || byte >= 0x7F || sawSpace {
                return false
            }
        }
        return true
    }

    /// The parsed Content-Type (the default when absent or unreadable).
    var contentType: ContentType {
        if let raw = headers.raw("content-type"), let parsed = ContentType(HeaderText.unfoldBytes(raw)) {
            return parsed
        }
        return ContentType(mediaType: defaultType, parameters: [:])
    }

    /// `attachment`, `inline`, or nil; and the disposition's parameters.
    var disposition: (kind: String?, parameters: [String: String]) {
        guard let raw = headers.raw("content-disposition") else { return (nil, [:]) }
        let parsed = ContentType.parseValue(HeaderText.unfoldBytes(raw))
        return (parsed.value.isEmpty ? nil : parsed.value, parsed.parameters)
    }

    /// `base64`, `quoted-printable`, `7bit`, …, lower-cased; `7bit` when absent.
    var transferEncoding: String {
        guard let value = headers.unfolded("content-transfer-encoding") else { return "7bit" }
        return value.asciiTrimmed.lowercased()
    }

    /// The body with its transfer encoding undone.
    func decodedBody() -> [UInt8] {
        switch transferEncoding {
        case "base64": return TransferDecoding.base64(bytes, body)
        case "quoted-printable": return TransferDecoding.quotedPrintable(bytes, body)
        default: return Array(bytes[body])
        }
    }

    /// The decoded body's size without decoding base64 (attachments are listed, never decoded).
    var decodedSize: Int {
        switch transferEncoding {
        case "base64": return TransferDecoding.base64Size(bytes, body)
        case "quoted-printable": return TransferDecoding.quotedPrintable(bytes, body).count
        default: return body.count
        }
    }

    /// The file name from Content-Disposition `filename`, else Content-Type `name`.
    var fileName: String? {
        if let name = disposition.parameters["filename"], !name.isEmpty { return name }
        if let name = contentType.parameters["name"], !name.isEmpty { return name }
        return nil
    }

    /// The body parts of a multipart entity, split on its boundary; `closed` is false when the closing delimiter
    /// is missing (the last part then runs to the end). Splitting ends after `limit` + 1 parts (the walk's parts
    /// budget), or when the run stops or the item's time is up.
    func parts(limit: Int = .max) -> (parts: [MIMEEntity], closed: Bool) {
        let type = contentType
        guard let boundary = type.parameters["boundary"], !boundary.isEmpty else { return ([], false) }
        let delimiter = Array(("--" + boundary).utf8)
        let childDefault = type.mediaType == "multipart/digest" ? "message/rfc822" : "text/plain"
        var parts: [MIMEEntity] = []
        var partStart: Int?
        var searchFrom = body.lowerBound
        let end = body.upperBound
        var closed = false
        var poll = StopCheck.Poll(every: 64)
        while let hit = ByteSearch.index(of: delimiter, in: bytes, from: searchFrom, to: end) {
            if parts.count > limit || poll.shouldStop() { return (parts, false) }
            searchFrom = hit + delimiter.count
            // A delimiter starts a line.
            guard hit == body.lowerBound || bytes[hit - 1] == 0x0A else { continue }
            let after = hit + delimiter.count
            let isClose = after + 1 < end && bytes[after] == 0x2D && bytes[after + 1] == 0x2D
            // The rest of the delimiter line must be whitespace (transport padding).
            var lineEnd = after + (isClose ? 2 : 0)
            var ok = true
            while lineEnd < end && bytes[lineEnd] != 0x0A {
                if !ByteSearch.isWhitespace(bytes[lineEnd]) {
                    ok = false
                    break
                }
                lineEnd += 1
            }
            guard ok else { continue }
            if let partStart {
                // The CRLF before the delimiter belongs to it.
                var partEnd = hit
                if partEnd > partStart && bytes[partEnd - 1] == 0x0A { partEnd -= 1 }
                if partEnd > partStart && bytes[partEnd - 1] == 0x0D { partEnd -= 1 }
                parts.append(
                    MIMEEntity(bytes: bytes, range: partStart..<max(partStart, partEnd), defaultType: childDefault))
            }
            if isClose {
                closed = true
                partStart = nil
                break
            }
            partStart = min(lineEnd + 1, end)
            searchFrom = partStart ?? end
        }
        if let partStart, partStart < end {
            parts.append(MIMEEntity(bytes: bytes, range: partStart..<end, defaultType: childDefault))
        }
        return (parts, closed)
    }
}

/// A parsed `Content-Type`.
package struct ContentType {
    /// `type/subtype`, lower-case.
    var mediaType: String
    /// Parameters by lower-case name, RFC 2231 and RFC 2047 decoded.
    var parameters: [String: String]

    init(mediaType: String, parameters: [String: String]) {
        self.mediaType = mediaType
        self.parameters = parameters
    }

    init?(_ value: [UInt8]) {
        let parsed = Self.parseValue(value)
        let type = parsed.value.lowercased()
        guard type.utf8.contains(0x2F) else { return nil }  // not String.contains(String): Foundation, bridged
        mediaType = type
        parameters = parsed.parameters
    }

    var isMultipart: Bool { mediaType.hasPrefix("multipart/") }
    var charset: String? { parameters["charset"] }

    /// `value; a=b; c="d"; e*0*=utf-8''%41; e*1=…` → the value and the decoded parameters.
    package static func parseValue(_ bytes: [UInt8]) -> (value: String, parameters: [String: String]) {
        var index = 0
        let count = bytes.count
        func skipSpace() {
            while index < count && (ByteSearch.isWhitespace(bytes[index])) { index += 1 }
        }
        skipSpace()
        let valueStart = index
        while index < count && bytes[index] != 0x3B { index += 1 }
        let value = String(decoding: bytes[valueStart..<index], as: UTF8.self).asciiTrimmed
        var simple: [String: String] = [:]
        // name → [(section, encoded, raw value)]
        var extended: [String: [(section: Int, encoded: Bool, value: [UInt8])]] = [:]
        while index < count {
            index += 1  // ';'
            skipSpace()
            let nameStart = index
            while index < count && bytes[index] != 0x3D && bytes[index] != 0x3B { index += 1 }
            let rawName = String(decoding: bytes[nameStart..<index], as: UTF8.self)
                .asciiTrimmed.lowercased()
            guard index < count, bytes[index] == 0x3D else { continue }
            index += 1
            skipSpace()
            var raw: [UInt8] = []
            if index < count && bytes[index] == 0x22 {
                index += 1
                while index < count && bytes[index] != 0x22 {
                    if bytes[index] == 0x5C && index + 1 < count { index += 1 }
                    raw.append(bytes[index])
                    index += 1
                }
                index += 1
                while index < count && bytes[index] != 0x3B { index += 1 }
            } else {
                let start = index
                while index < count && bytes[index] != 0x3B { index += 1 }
                raw = Array(bytes[ByteSearch.trimmed(bytes, start..<index)])
            }
            guard !rawName.isEmpty else { continue }
            if let star = rawName.firstIndex(of: "*") {
                let base = String(rawName[..<star])
                let rest = rawName[rawName.index(after: star)...]
                let encoded = rest.hasSuffix("*") || rest.isEmpty
                let sectionText = rest.hasSuffix("*") ? rest.dropLast() : rest
                let section = sectionText.isEmpty ? 0 : (Int(sectionText) ?? 0)
                extended[base, default: []].append((section, encoded, raw))
            } else {
                simple[rawName] = HeaderText.decode(raw)
            }
        }
        for (name, segments) in extended { simple[name] = joined(segments) }
        return (value, simple)
    }

    /// An RFC 2231 parameter's segments (`name*0*=utf-8''%41`, `name*1=…`) joined in order and decoded.
    static func joined(_ segments: [(section: Int, encoded: Bool, value: [UInt8])]) -> String {
        let ordered = segments.sorted { $0.section < $1.section }
        var charset: String?
        var collected: [UInt8] = []
        for (position, segment) in ordered.enumerated() {
            var value = segment.value[...]
            if segment.encoded {
                if position == 0, let firstQuote = value.firstIndex(of: 0x27),
                    let secondQuote = value[(firstQuote + 1)...].firstIndex(of: 0x27)
                {
                    charset = String(decoding: value[value.startIndex..<firstQuote], as: UTF8.self)
                    value = value[(secondQuote + 1)...]
                }
                collected.append(contentsOf: TransferDecoding.percent(value))
            } else {
                collected.append(contentsOf: value)
            }
        }
        return TextDecoding.decode(collected, label: charset?.isEmpty == false ? charset : nil).text
    }
}
