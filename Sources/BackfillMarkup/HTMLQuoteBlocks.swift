import CLibXML2

extension HTMLText {
    /// Which mail-client blocks ``HTMLText/convert(_:encoding:strip:shouldStop:)`` leaves out.
    ///
    /// Quotes: Gmail's `div.gmail_quote` / `blockquote.gmail_quote` (with the `gmail_attr` attribution inside),
    /// Apple Mail's and Thunderbird's `blockquote[type=cite]` and Thunderbird's `div.moz-cite-prefix` attribution,
    /// and Outlook's `div#divRplyFwdMsg` (or `div#appendonsend`, or an `<hr>` directly before `divRplyFwdMsg`) with
    /// everything after it in document order (Outlook puts the quoted message there). Signatures: Gmail's
    /// `div.gmail_signature`, Thunderbird's `div.moz-signature`, Outlook's `div#Signature`.
    ///
    /// Forwarded messages stay: a `gmail_quote` whose `gmail_attr` opens with dashes (`---------- Forwarded message
    /// ---------`), and a `blockquote[type=cite]` right after Apple Mail's "Begin forwarded message:" line (in the
    /// 11 languages the text cleaner knows).
    public struct Stripping: Sendable, Hashable {
        public var quotes: Bool
        public var signatures: Bool

        public init(quotes: Bool = false, signatures: Bool = false) {
            self.quotes = quotes
            self.signatures = signatures
        }

        /// Nothing left out: the conversion as without the option.
        public static let none = Stripping()

        var isActive: Bool { quotes || signatures }
    }

    /// What the left-out blocks held, measured on the text they would have given: non-empty lines, and Unicode
    /// scalars without the line breaks.
    public struct Stripped: Sendable, Hashable {
        public var quotedLines = 0
        public var quotedCharacters = 0
        public var signatureLines = 0
        public var signatureCharacters = 0

        public init() {}

        public static func + (a: Stripped, b: Stripped) -> Stripped {
            var sum = a
            sum.quotedLines += b.quotedLines
            sum.quotedCharacters += b.quotedCharacters
            sum.signatureLines += b.signatureLines
            sum.signatureCharacters += b.signatureCharacters
            return sum
        }

        public var isEmpty: Bool {
            quotedLines == 0 && quotedCharacters == 0 && signatureLines == 0 && signatureCharacters == 0
        }
    }
}

/// Recognises the blocks of ``HTMLText/Stripping`` from an element's name and attributes.
enum QuoteBlocks {
    enum Role {
        case quote, signature, quoteToEnd

        /// The builder its text goes to.
        var index: Int { self == .signature ? 1 : 0 }
    }

    /// The block `node` starts, if it is one the options leave out. `previous` is the last line of text written
    /// before it (Apple Mail's forward introduction precedes its `blockquote`).
    static func role(of node: xmlNodePtr, strip: HTMLText.Stripping, after previous: ArraySlice<UInt8>) -> Role? {
        guard let name = node.pointee.name else { return nil }
        switch name[0] {
        case 0x64 where matches(name, "div"):
            return divRole(node, strip: strip)
        case 0x62 where strip.quotes && matches(name, "blockquote"):
            if hasClass(node, "gmail_quote") { return .quote }
            if attribute(node, "type") == "cite" && !isForwardIntroduction(previous) { return .quote }
            return nil
        case 0x68 where strip.quotes && matches(name, "hr"):
            var next = node.pointee.next
            while let sibling = next, sibling.pointee.type != XML_ELEMENT_NODE { next = sibling.pointee.next }
            guard let sibling = next, let siblingName = sibling.pointee.name, matches(siblingName, "div") else {
                return nil
            }
            return attribute(sibling, "id") == "divRplyFwdMsg" ? .quoteToEnd : nil
        default:
            return nil
        }
    }

    private static func divRole(_ node: xmlNodePtr, strip: HTMLText.Stripping) -> Role? {
        guard node.pointee.properties != nil else { return nil }
        if strip.quotes {
            if let id = attribute(node, "id"), id == "divRplyFwdMsg" || id == "appendonsend" { return .quoteToEnd }
            if hasClass(node, "gmail_quote") { return isGmailForward(node) ? nil : .quote }
            if hasClass(node, "moz-cite-prefix") { return .quote }
        }
        if strip.signatures {
            if hasClass(node, "gmail_signature") || hasClass(node, "moz-signature") { return .signature }
            if attribute(node, "id") == "Signature" || attribute(node, "data-smartmail") == "gmail_signature" {
                return .signature
            }
        }
        return nil
    }

    /// Gmail wraps forwarded messages in `gmail_quote` too; their `gmail_attr` is the dashed separator.
    private static func isGmailForward(_ node: xmlNodePtr) -> Bool {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                guard hasClass(current, "gmail_attr"), let content = xmlNodeGetContent(current) else { return false }
                defer { backfill_xmlFree(content) }
                var p = content
                while p.pointee == 0x20 || p.pointee == 0x0A || p.pointee == 0x09 || p.pointee == 0x0D { p += 1 }
                return p[0] == 0x2D && p[1] == 0x2D && p[2] == 0x2D
            }
            child = current.pointee.next
        }
        return false
    }

    /// Apple Mail's "Begin forwarded message:" (and the other languages'; the text cleaner in BackfillClean holds
    /// the same list, BackfillMarkup cannot depend on it).
    private static let forwardIntroductions: Set<[UInt8]> = Set(
        [
            "begin forwarded message", "anfang der weitergeleiteten nachricht", "début du message réexpédié",
            "inicio del mensaje reenviado", "comienzo del mensaje reenviado", "inizio messaggio inoltrato",
            "begin doorgestuurd bericht", "início da mensagem reencaminhada", "início da mensagem encaminhada",
            "początek przekazywanej wiadomości", "начало переадресованного сообщения",
            "Начало переадресованного сообщения", "転送されたメッセージ", "以下为转发的邮件", "以下是转发的邮件",
        ].map { Array($0.utf8) })

    private static func isForwardIntroduction(_ line: ArraySlice<UInt8>) -> Bool {
        var text = line
        if text.last == 0x3A {
            text = text.dropLast()
        } else if text.count >= 3 && text.suffix(3).elementsEqual([0xEF, 0xBC, 0x9A]) {
            text = text.dropLast(3)
        }
        while let last = text.last, last == 0x20 || last == 0x09 { text = text.dropLast() }
        if text.count >= 2 && text.suffix(2).elementsEqual([0xC2, 0xA0]) { text = text.dropLast(2) }
        guard text.count <= 60 else { return false }
        return forwardIntroductions.contains(text.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 })
    }

    /// Whether the element's `class` holds `name` as one of its words.
    private static func hasClass(_ node: xmlNodePtr, _ name: String) -> Bool {
        guard let value = attribute(node, "class") else { return false }
        return value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).contains { $0 == name }
    }

    /// An attribute's value, read from the parsed tree without copying through libxml2 (nil when absent).
    private static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if let attributeName = current.pointee.name, matches(attributeName, name) {
                guard let text = current.pointee.children, let content = text.pointee.content else { return "" }
                return String(cString: content)
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// A C string equal to `name` (ASCII case ignored: libxml2 lower-cases HTML names already).
    private static func matches(_ cString: UnsafePointer<xmlChar>, _ name: String) -> Bool {
        var i = 0
        for byte in name.utf8 {
            let c = cString[i]
            if c != byte && (c &- 0x41 >= 26 || c | 0x20 != byte) { return false }
            i += 1
        }
        return cString[i] == 0
    }

    /// Non-empty lines and Unicode scalars (line breaks not counted) of a dropped block's text.
    static func measure(_ text: String) -> (lines: Int, characters: Int) {
        var lines = 0
        var characters = 0
        var lineHasText = false
        for byte in text.utf8 {
            if byte == 0x0A {
                if lineHasText { lines += 1 }
                lineHasText = false
            } else if byte & 0xC0 != 0x80 {
                characters += 1
                lineHasText = true
            }
        }
        if lineHasText { lines += 1 }
        return (lines, characters)
    }
}
