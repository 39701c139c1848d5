import BackfillClean
import BackfillCore
import BackfillMarkup
import Foundation

/// An attachment listed in metadata (never uploaded).
struct AttachmentInfo {
    var name: String?
    var contentType: String
    var size: Int
    var inline: Bool

    var json: JSONValue {
        var object: [String: JSONValue] = ["content_type": .string(contentType), "size": .integer(Int64(size))]
        if let name { object["name"] = .string(name) }
        if inline { object["disposition"] = .string("inline") }
        return .object(object)
    }
}

/// A forwarded message (message/rfc822 part), rendered inline as quoted text.
struct ForwardedInfo {
    var subject: String?
    var from: String?
    var messageID: String?
    var attachments: Int

    var json: JSONValue {
        var object: [String: JSONValue] = ["rendered": .string("inline")]
        if let subject { object["subject"] = .string(subject) }
        if let from { object["from"] = .string(from) }
        if let messageID { object["message_id"] = .string(messageID) }
        if attachments > 0 { object["attachments"] = .integer(Int64(attachments)) }
        return .object(object)
    }
}

/// A message parsed for rendering: its header fields, and the body as a reader would see it.
package struct EmailMessage {
    var messageID: String?
    var from: [EmailAddress] = []
    var to: [EmailAddress] = []
    var cc: [EmailAddress] = []
    var subject: String?
    var dateText: String?
    var date: EmailDate.Epoch?
    var receivedDate: EmailDate.Epoch?
    var inReplyTo: [String] = []
    var references: [String] = []
    var gmThreadID: String?
    var labels: [String] = []
    var body = ""
    var attachments: [AttachmentInfo] = []
    var forwarded: [ForwardedInfo] = []
    var warnings: [String] = []
    /// Stable content for an id when there is no Message-ID.
    var identityBytes: [UInt8] = []
    /// How many header fields were read (0: not a message).
    var headerCount = 0

    /// A budget the message went over (MIME depth, quoted-message depth, parts): the message is skipped.
    var overBudget: (budget: InputBudgets.Budget, what: String)?

    /// How the body text was decoded when Backfill decided it (the least confident part's), for the report.
    var charset: SourceCharset?

    /// What `--strip` took out of the body (HTML blocks and plain-text quotes and signatures together).
    var stripped = StripCounts()

    /// Parses a whole message (headers and body), within the budgets of the reading task (``InputBudgets/current``).
    /// The MIME walk ends early when the run stops or the item's time is up: the caller checks ``StopCheck``.
    /// `encoding` (`--encoding`) replaces detection for parts that declare no charset or one that does not decode
    /// cleanly. `strip` (`--strip`) removes quoted replies and signatures from the body (``stripped`` says what).
    package init(
        bytes: [UInt8], encoding: String? = nil, strip: Set<StripKind> = [],
        budgets: InputBudgets = InputBudgets.current
    ) {
        let entity = MIMEEntity(bytes: bytes, range: 0..<bytes.count)
        let headers = entity.headers
        headerCount = headers.fields.count
        if let raw = headers.raw("message-id") { messageID = HeaderText.messageIDs(raw).first }
        if let raw = headers.raw("from") { from = HeaderText.addresses(raw) }
        for raw in headers.rawAll("to") { to += HeaderText.addresses(raw) }
        for raw in headers.rawAll("cc") { cc += HeaderText.addresses(raw) }
        subject = headers.text("subject")
        dateText = headers.text("date")
        if let dateText {
            date = EmailDate.parse(dateText)
            if date == nil { warnings.append("unreadable Date header '\(dateText.prefix(80))'") }
        }
        if let received = headers.raw("received") {
            let text = HeaderText.unfold(received)
            if let semicolon = text.lastIndex(of: ";") {
                receivedDate = EmailDate.parse(String(text[text.index(after: semicolon)...]))
            }
        }
        if let raw = headers.raw("in-reply-to") { inReplyTo = HeaderText.messageIDs(raw) }
        if let raw = headers.raw("references") { references = HeaderText.messageIDs(raw) }
        if let raw = headers.raw("x-gm-thrid") {
            let value = HeaderText.unfold(raw)
            if !value.isEmpty { gmThreadID = value }
        }
        if let raw = headers.raw("x-gmail-labels") {
            labels = HeaderText.gmailLabels(raw)
        } else if let raw = headers.raw("x-gm-labels") {
            labels = HeaderText.imapLabels(raw)
        }
        var collector = BodyCollector(
            budget: MIMEWalkBudget(budgets), option: encoding, htmlStrip: Self.htmlStripping(strip))
        collector.walk(entity, depth: 0)
        overBudget = collector.budget.exceeded
        body = collector.text
        if !strip.isEmpty { cleanBody(strip, html: collector.htmlStripped) }
        charset = collector.charsets.min { $0.confidence < $1.confidence }
        if let charset, charset.isLowConfidence {
            warnings.append(
                "charset guessed with low confidence: \(charset.name) (\(charset.confidence)); the text may be garbled — set --encoding if you know it"
            )
        }
        attachments = collector.attachments
        forwarded = collector.forwarded
        warnings += collector.warnings
        if messageID == nil {
            var stable: [UInt8] = []
            for name in ["from", "to", "cc", "date", "subject"] {
                stable += Array(name.utf8) + [0x3A]
                if let raw = headers.raw(name) { stable += HeaderText.unfoldBytes(raw) }
                stable.append(0x0A)
            }
            stable.append(0x0A)
            for byte in bytes[entity.body] where byte != 0x0D { stable.append(byte) }
            identityBytes = stable
        }
    }

    /// The HTML blocks `--strip` leaves out.
    private static func htmlStripping(_ strip: Set<StripKind>) -> HTMLText.Stripping {
        strip.isEmpty
            ? .none : HTMLText.Stripping(quotes: strip.contains(.quotes), signatures: strip.contains(.signatures))
    }

    /// The body without quoted replies and signatures: the HTML blocks left out already, then the plain-text pass
    /// over the whole body (the parts joined, forwarded messages rendered in place).
    private mutating func cleanBody(_ strip: Set<StripKind>, html: HTMLText.Stripped) {
        let (text, counts) = ReplyCleaner(kinds: strip).clean(body)
        body = text
        var fromHTML = StripCounts()
        fromHTML.quotedLines = html.quotedLines
        fromHTML.quotedCharacters = html.quotedCharacters
        fromHTML.signatureLines = html.signatureLines
        fromHTML.signatureCharacters = html.signatureCharacters
        stripped = counts + fromHTML
    }

    /// The thread root this message names: its first reference, else what it replies to, else itself.
    var namedRoot: String? { references.first ?? inReplyTo.first ?? messageID }

    /// The header lines and body, as a reader sees the message.
    package func rendered(fallbackDate: String?) -> String {
        var lines: [String] = []
        if !from.isEmpty { lines.append("From: " + from.map(\.display).joined(separator: ", ")) }
        if !to.isEmpty { lines.append("To: " + to.map(\.display).joined(separator: ", ")) }
        if !cc.isEmpty { lines.append("Cc: " + cc.map(\.display).joined(separator: ", ")) }
        if let date = dateText ?? fallbackDate { lines.append("Date: " + date) }
        if let subject { lines.append("Subject: " + subject) }
        var text = lines.joined(separator: "\n")
        if !body.isEmpty { text += "\n\n" + body }
        if !attachments.isEmpty {
            text +=
                "\n\nAttachments: "
                + attachments.map { "\($0.name ?? "(unnamed)") (\($0.contentType), \($0.size) bytes)" }
                .joined(separator: "; ")
        }
        return text
    }
}
