import BackfillCore
import BackfillMarkup
import Foundation

/// The budgets of one message's MIME walk, shared by the collectors of its sub-trees. The walk's recursion is
/// bounded by `maxDepth`; parts past `maxParts` are not split out.
final class MIMEWalkBudget {
    let maxDepth: Int
    let maxParts: Int
    private(set) var parts = 0
    private(set) var exceeded: (budget: InputBudgets.Budget, what: String)?
    /// The run stopped or the item's time is up: nothing more is walked (the caller throws).
    private(set) var stopped = false

    init(_ budgets: InputBudgets) {
        maxDepth = max(1, budgets.maxDepth)
        maxParts = max(1, budgets.maxParts)
    }

    /// Whether a part at `depth` may be walked; counts it.
    func enter(depth: Int, quoted: Bool = false) -> Bool {
        guard exceeded == nil, !isStopped else { return false }
        if depth > maxDepth {
            exceeded = (
                .depth,
                quoted
                    ? "messages quoted inside messages (message/rfc822) nested deeper than \(maxDepth) levels"
                    : "MIME parts nested deeper than \(maxDepth) levels"
            )
            return false
        }
        parts += 1
        if parts > maxParts {
            exceeded = (.parts, "more than \(maxParts) MIME parts in one message")
            return false
        }
        return true
    }

    /// Whether the walk must end (over a budget, stopped, or out of time); looks at the clock.
    var isStopped: Bool {
        if !stopped && StopCheck.isRequested { stopped = true }
        return stopped || exceeded != nil
    }
}

/// Walks a MIME tree and collects the readable text, the attachments and the forwarded messages.
struct BodyCollector {
    let budget: MIMEWalkBudget
    /// `--encoding`, for parts without a trustworthy charset.
    var option: String?
    /// How each part Backfill had to decide was decoded.
    var charsets: [SourceCharset] = []
    var pieces: [String] = []
    var attachments: [AttachmentInfo] = []
    var forwarded: [ForwardedInfo] = []
    var warnings: [String] = []
    /// `--strip`: the quote and signature blocks HTML parts leave out, and what those held.
    var htmlStrip = HTMLText.Stripping.none
    var htmlStripped = HTMLText.Stripped()

    var text: String { pieces.filter { !$0.isEmpty }.joined(separator: "\n\n") }

    /// Recursion bounded by the depth budget.
    mutating func walk(_ entity: MIMEEntity, depth: Int, quoted: Bool = false) {
        guard budget.enter(depth: depth, quoted: quoted) else { return }
        let type = entity.contentType
        let disposition = entity.disposition
        let isAttachment = disposition.kind?.lowercased() == "attachment"
        if type.isMultipart {
            let (parts, closed) = entity.parts(limit: budget.maxParts)
            if parts.isEmpty {
                note("a \(type.mediaType) part without parts (missing or wrong boundary): its body is read as text")
                pieces.append(
                    Self.plainText(
                        entity, charset: nil, flowed: false, delSp: false, option: option, charsets: &charsets,
                        warnings: &warnings))
                return
            }
            if !closed { note("missing closing MIME boundary in a \(type.mediaType) part (message truncated?)") }
            switch type.mediaType {
            case "multipart/alternative":
                alternative(parts, depth: depth)
            case "multipart/related":
                let startID = type.parameters["start"].map { HeaderText.normaliseID(Array($0.utf8)) }
                let root =
                    parts.firstIndex { part in
                        guard let startID, let raw = part.headers.raw("content-id") else { return false }
                        return HeaderText.normaliseID(raw) == startID
                    } ?? 0
                walk(parts[root], depth: depth + 1)
                for (i, part) in parts.enumerated() where i != root { attach(part, inline: true, depth: depth + 1) }
            case "multipart/signed":
                walk(parts[0], depth: depth + 1)
                for part in parts.dropFirst() { attach(part, inline: false, depth: depth + 1) }
            case "multipart/encrypted":
                note("encrypted message: no readable text")
                for part in parts { attach(part, inline: false, depth: depth + 1) }
            default:
                for part in parts {
                    walk(part, depth: depth + 1)
                    if budget.isStopped { break }
                }
            }
            return
        }
        switch type.mediaType {
        case "message/rfc822", "message/global":
            forward(entity, depth: depth)
        case "text/plain", "text/html":
            if isAttachment {
                attach(entity, inline: false, depth: depth)
            } else {
                pieces.append(
                    Self.text(
                        of: entity, type: type, option: option, charsets: &charsets, warnings: &warnings,
                        strip: htmlStrip, stripped: &htmlStripped))
            }
        default:
            attach(entity, inline: !isAttachment && disposition.kind != nil, depth: depth)
        }
    }

    private mutating func note(_ warning: String) {
        if !warnings.contains(warning) { warnings.append(warning) }
    }

    /// Recursion bounded by the depth budget.
    private mutating func attach(_ entity: MIMEEntity, inline: Bool, depth: Int) {
        let type = entity.contentType
        if type.isMultipart {
            // An attachment that is itself multipart: list its leaves (within the walk's budgets).
            for part in entity.parts(limit: budget.maxParts).parts {
                guard budget.enter(depth: depth + 1) else { return }
                attach(part, inline: inline, depth: depth + 1)
            }
            return
        }
        attachments.append(
            AttachmentInfo(name: entity.fileName, contentType: type.mediaType, size: entity.decodedSize, inline: inline)
        )
    }

    /// multipart/alternative: the last text/plain (RFC 2046: the preferred format is last), else the last HTML,
    /// else the last part; an empty candidate gives way to the next.
    private mutating func alternative(_ parts: [MIMEEntity], depth: Int) {
        var order: [Int] = []
        for i in parts.indices.reversed() where contains(parts[i], "text/plain", depth: depth) { order.append(i) }
        for i in parts.indices.reversed() where !order.contains(i) && contains(parts[i], "text/html", depth: depth) {
            order.append(i)
        }
        for i in parts.indices.reversed() where !order.contains(i) { order.append(i) }
        var fallback: BodyCollector?
        for i in order {
            if budget.isStopped { return }
            var sub = BodyCollector(budget: budget, option: option, htmlStrip: htmlStrip)
            sub.walk(parts[i], depth: depth + 1)
            if !sub.text.isBlank {
                merge(sub)
                return
            }
            if fallback == nil { fallback = sub }
        }
        if let fallback { merge(fallback) }
    }

    private mutating func merge(_ other: BodyCollector) {
        pieces += other.pieces
        attachments += other.attachments
        forwarded += other.forwarded
        charsets += other.charsets
        for warning in other.warnings { note(warning) }
        htmlStripped = htmlStripped + other.htmlStripped
    }

    private func contains(_ entity: MIMEEntity, _ mediaType: String, depth: Int) -> Bool {
        guard depth <= budget.maxDepth, !budget.isStopped else { return false }
        let type = entity.contentType
        if type.isMultipart {
            return entity.parts(limit: budget.maxParts).parts.contains { contains($0, mediaType, depth: depth + 1) }
        }
        return type.mediaType == mediaType && entity.disposition.kind?.lowercased() != "attachment"
    }

    /// A forwarded message, rendered in place as a quoted block.
    private mutating func forward(_ entity: MIMEEntity, depth: Int) {
        let inner: MIMEEntity
        switch entity.transferEncoding {
        case "base64", "quoted-printable":
            let decoded = entity.decodedBody()
            inner = MIMEEntity(bytes: decoded, range: 0..<decoded.count)
        default:
            inner = MIMEEntity(bytes: entity.bytes, range: entity.body)
        }
        guard !inner.headers.fields.isEmpty || !inner.body.isEmpty else { return }
        var sub = BodyCollector(budget: budget, option: option, htmlStrip: htmlStrip)
        sub.walk(inner, depth: depth + 1, quoted: true)
        let headers = inner.headers
        let from = headers.raw("from").map { HeaderText.addresses($0).map(\.display).joined(separator: ", ") }
        let to = headers.raw("to").map { HeaderText.addresses($0).map(\.display).joined(separator: ", ") }
        let subject = headers.text("subject")
        var block = ["---------- Forwarded message ----------"]
        if let from, !from.isEmpty { block.append("From: " + from) }
        if let date = headers.text("date") { block.append("Date: " + date) }
        if let subject { block.append("Subject: " + subject) }
        if let to, !to.isEmpty { block.append("To: " + to) }
        var text = block.joined(separator: "\n")
        let body = sub.text
        if !body.isEmpty { text += "\n\n" + body }
        if !sub.attachments.isEmpty {
            text += "\n\nAttachments: " + sub.attachments.map { $0.name ?? "(unnamed)" }.joined(separator: "; ")
        }
        pieces.append(text)
        forwarded.append(
            ForwardedInfo(
                subject: subject, from: from,
                messageID: headers.raw("message-id").flatMap { HeaderText.messageIDs($0).first },
                attachments: sub.attachments.count))
        forwarded += sub.forwarded
        charsets += sub.charsets
        for warning in sub.warnings { note(warning) }
        htmlStripped = htmlStripped + sub.htmlStripped
    }

    /// A text part as readable text: transfer and charset decoding, line ends, format=flowed, HTML → text (leaving
    /// out the blocks of `strip`, what they held added to `stripped`).
    static func text(
        of entity: MIMEEntity, type: ContentType, option: String?, charsets: inout [SourceCharset],
        warnings: inout [String], strip: HTMLText.Stripping, stripped: inout HTMLText.Stripped
    ) -> String {
        if type.mediaType == "text/html" {
            let raw = entity.decodedBody()
            // Decoding ends early when the run stops or the item's time is up: the rest is not worth doing.
            if StopCheck.isRequested { return "" }
            let (decoded, unknown, charset) = TextDecoding.decodeBody(raw, label: type.charset, option: option)
            if let unknown { warnings.append("unknown charset '\(unknown)': detected instead") }
            if let charset { charsets.append(charset) }
            let result = HTMLText.convert(
                Array(decoded.utf8), encoding: "UTF-8", strip: strip, shouldStop: { StopCheck.isRequested })
            stripped = stripped + result.stripped
            return result.text
        }
        let flowed = type.parameters["format"]?.lowercased() == "flowed"
        let delSp = type.parameters["delsp"]?.lowercased() == "yes"
        return plainText(
            entity, charset: type.charset, flowed: flowed, delSp: delSp, option: option, charsets: &charsets,
            warnings: &warnings)
    }

    static func plainText(
        _ entity: MIMEEntity, charset: String?, flowed: Bool, delSp: Bool, option: String?,
        charsets: inout [SourceCharset], warnings: inout [String]
    ) -> String {
        var raw = entity.decodedBody()
        // Decoding ends early when the run stops or the item's time is up: the rest is not worth doing.
        if StopCheck.isRequested { return "" }
        let label = charset?.lowercased() ?? ""
        let wideBOM = label.isEmpty && Charset.byteOrderMark(raw).map { $0.encoding != "UTF-8" } == true
        let asciiCompatible =
            !(label.hasPrefix("utf-16") || label.hasPrefix("utf-32") || label.hasPrefix("ucs") || wideBOM)
        if asciiCompatible && raw.contains(0x0D) { raw = Self.withoutCR(raw) }
        var (text, unknown, decidedCharset) = TextDecoding.decodeBody(raw, label: charset, option: option)
        if let unknown { warnings.append("unknown charset '\(unknown)': detected instead") }
        if let decidedCharset { charsets.append(decidedCharset) }
        if !asciiCompatible && text.contains("\r") {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        if flowed { text = unflow(text, delSp: delSp) }
        return trimmed(text)
    }

    /// CRLF → LF, lone CR → LF.
    static func withoutCR(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        var poll = StopCheck.Poll(every: 1 << 20)
        while i < bytes.count {
            if poll.shouldStop() { break }
            let byte = bytes[i]
            if byte == 0x0D {
                out.append(0x0A)
                if i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(byte)
            }
            i += 1
        }
        return out
    }

    /// Trailing whitespace and leading blank lines removed.
    static func trimmed(_ text: String) -> String {
        var utf8 = Substring(text).utf8[...]
        while let last = utf8.last, ByteSearch.isWhitespace(last) { utf8 = utf8.dropLast() }
        // Leading blank lines only (indentation of the first line is kept).
        var start = utf8.startIndex
        var index = utf8.startIndex
        while index < utf8.endIndex, ByteSearch.isWhitespace(utf8[index]) {
            if utf8[index] == 0x0A { start = utf8.index(after: index) }
            index = utf8.index(after: index)
        }
        return String(Substring(utf8[start...]))
    }

    /// RFC 3676 format=flowed: soft-broken lines (ending in a space) joined, space-stuffing removed.
    static func unflow(_ text: String, delSp: Bool) -> String {
        var out: [String] = []
        var current: String?
        var currentDepth = 0
        var currentPrefix = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine)
            var depth = 0
            while line.hasPrefix(">") {
                depth += 1
                line = line.dropFirst()
            }
            // The quote marks (and the stuffing space after them) are kept as written.
            let stuffed = line.hasPrefix(" ")
            let prefix = String(repeating: ">", count: depth) + (stuffed && depth > 0 ? " " : "")
            if stuffed { line = line.dropFirst() }
            let isSignature = line == "-- "
            let soft = !isSignature && line.hasSuffix(" ")
            var content = String(line)
            if soft && delSp { content.removeLast() }
            if let existing = current, depth == currentDepth {
                current = existing + content
            } else {
                if let existing = current { out.append(currentPrefix + existing) }
                current = content
                currentDepth = depth
                currentPrefix = prefix
            }
            if !soft, let existing = current {
                out.append(currentPrefix + existing)
                current = nil
            }
        }
        if let existing = current { out.append(currentPrefix + existing) }
        return out.joined(separator: "\n")
    }
}
