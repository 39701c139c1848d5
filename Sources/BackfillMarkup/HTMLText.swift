import CLibXML2

/// HTML → readable plain text, through libxml2's forgiving HTML parser.
///
/// What it does:
/// - `script`, `style`, `noscript`, `template`, `head` (and a few embeds: `svg`, `iframe`, `object`, `select`, …)
///   contribute no text; the first `<title>` is captured separately.
/// - Block elements (`p`, `div`, `br`, `li`, `tr`, `h1`–`h6`, `blockquote`, `pre`, `table`, …) become line breaks;
///   paragraph-like ones are separated by a blank line.
/// - List items get a `- ` prefix, indented two spaces per nesting level; table cells in a row are joined
///   with ` | `.
/// - Whitespace runs in inline text collapse to one space; text inside `<pre>` keeps its spacing.
/// - At most one blank line in a row; no trailing spaces; the result is trimmed.
/// - Entities are decoded by libxml2. Nothing is fetched: no network, no external entities.
///
/// Safe to call from several threads at once: each call owns its parser and document.
public enum HTMLText {
    /// The converted text and the document's `<title>`.
    public struct Result: Sendable, Hashable {
        /// The `<title>`, whitespace collapsed; nil when absent or empty.
        public var title: String?
        /// The readable text.
        public var text: String

        public init(title: String?, text: String) {
            self.title = title
            self.text = text
        }
    }

    /// `xmlInitParser` must run once before parsers are used from several threads.
    private static let parserInitialised: Bool = {
        xmlInitParser()
        return true
    }()

    private static let options: Int32 = {
        let flags: [htmlParserOption] = [
            HTML_PARSE_RECOVER, HTML_PARSE_NONET, HTML_PARSE_NOERROR, HTML_PARSE_NOWARNING,
        ]
        return Int32(bitPattern: flags.reduce(0) { $0 | $1.rawValue })
    }()

    /// Converts HTML bytes to text.
    /// - Parameters:
    ///   - bytes: the HTML document (or fragment).
    ///   - encoding: the bytes' character set when already known (e.g. `UTF-8`, or a MIME part's `charset`);
    ///     it then overrides any `<meta charset>`. Nil lets libxml2 detect it (BOM, `<meta>`, else Latin-1/UTF-8).
    ///   - shouldStop: asked every few thousand nodes; true ends the walk early (the run stops, the item's time is
    ///     up — the caller then gives the result up).
    public static func convert(
        _ bytes: [UInt8], encoding: String? = nil, shouldStop: (() -> Bool)? = nil
    ) -> Result {
        _ = parserInitialised
        guard !bytes.isEmpty else { return Result(title: nil, text: "") }
        // libxml2 takes an `int` length; documents this large are refused by callers long before.
        let length = Int32(clamping: bytes.count)
        var flags = options
        if encoding != nil { flags |= Int32(bitPattern: HTML_PARSE_IGNORE_ENC.rawValue) }
        let parsed: htmlDocPtr? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return nil }
            return htmlReadMemory(base, length, nil, encoding, flags)
        }
        guard let doc = parsed else { return Result(title: nil, text: "") }
        defer { xmlFreeDoc(doc) }
        var walker = TreeWalker()
        walker.walk(doc, shouldStop: shouldStop)
        return Result(title: walker.title, text: walker.builder.finish())
    }
}

// MARK: - Element classes

private enum ElementKind {
    /// Contributes no text.
    case hidden
    /// Separated from its neighbours by a blank line.
    case paragraph
    /// Starts and ends a line.
    case line
    case lineBreak
    case listItem
    case list
    case preformatted
    case cell
    case title
    case inline
}

private let elementKinds: [String: ElementKind] = {
    var kinds: [String: ElementKind] = [:]
    for name in [
        "script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object", "embed", "canvas",
        "audio", "video", "select", "datalist", "map",
    ] {
        kinds[name] = .hidden
    }
    for name in [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "dl", "hr", "section", "article", "header",
        "footer", "figure", "form", "fieldset", "details", "address", "main", "nav", "aside", "center",
    ] {
        kinds[name] = .paragraph
    }
    for name in [
        "div", "tr", "dt", "dd", "caption", "thead", "tbody", "tfoot", "figcaption", "summary", "legend", "body",
        "html", "option", "frameset", "frame", "noframes", "menu", "dir", "hgroup",
    ] {
        kinds[name] = .line
    }
    kinds["br"] = .lineBreak
    kinds["li"] = .listItem
    kinds["ul"] = .list
    kinds["ol"] = .list
    kinds["pre"] = .preformatted
    kinds["listing"] = .preformatted
    kinds["xmp"] = .preformatted
    kinds["plaintext"] = .preformatted
    kinds["textarea"] = .preformatted
    kinds["td"] = .cell
    kinds["th"] = .cell
    kinds["title"] = .title
    return kinds
}()

// MARK: - Tree walk

/// Walks the parsed tree without recursion (hostile input can nest deeply) and feeds a ``TextBuilder``.
private struct TreeWalker {
    var builder = TextBuilder()
    var title: String?
    private var listDepth = 0
    private var preDepth = 0

    mutating func walk(_ doc: htmlDocPtr, shouldStop: (() -> Bool)?) {
        var current: xmlNodePtr? = doc.pointee.children
        var countdown = 4096
        while let node = current {
            countdown -= 1
            if countdown == 0 {
                countdown = 4096
                if shouldStop?() == true { return }
            }
            var entered = false
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                entered = enter(node)
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    text(content)
                }
            default:
                break
            }
            if entered {
                if let child = node.pointee.children {
                    current = child
                    continue
                }
                exit(node)
            }
            // Next sibling, else climb to the first ancestor with one, closing the elements left behind.
            var climbing = node
            current = nil
            while true {
                if let next = climbing.pointee.next {
                    current = next
                    break
                }
                guard let parent = climbing.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { break }
                exit(parent)
                climbing = parent
            }
        }
    }

    private func kind(of node: xmlNodePtr) -> ElementKind {
        guard let name = node.pointee.name else { return .inline }
        return elementKinds[String(cString: name)] ?? .inline
    }

    /// Handles an element's start; returns whether its children are to be visited.
    private mutating func enter(_ node: xmlNodePtr) -> Bool {
        switch kind(of: node) {
        case .hidden:
            if title == nil, let name = node.pointee.name, String(cString: name) == "head" {
                captureTitle(in: node)
            }
            return false
        case .title:
            if title == nil { title = Self.collapsedText(of: node) }
            return false
        case .paragraph:
            builder.requestBreaks(2)
        case .line:
            builder.requestBreaks(1)
        case .lineBreak:
            builder.lineBreak()
            return false
        case .list:
            builder.requestBreaks(listDepth > 0 ? 1 : 2)
            listDepth += 1
        case .listItem:
            builder.requestBreaks(1)
            let indent = String(repeating: "  ", count: max(0, listDepth - 1))
            builder.setPrefix(indent + "- ")
        case .preformatted:
            builder.requestBreaks(2)
            preDepth += 1
        case .cell:
            builder.cellStart()
        case .inline:
            break
        }
        return true
    }

    private mutating func exit(_ node: xmlNodePtr) {
        switch kind(of: node) {
        case .paragraph:
            builder.requestBreaks(2)
        case .line, .listItem:
            builder.requestBreaks(1)
        case .list:
            listDepth -= 1
            builder.requestBreaks(listDepth > 0 ? 1 : 2)
        case .preformatted:
            preDepth -= 1
            builder.requestBreaks(2)
        case .hidden, .title, .lineBreak, .cell, .inline:
            break
        }
    }

    private mutating func text(_ content: UnsafePointer<xmlChar>) {
        let length = Int(xmlStrlen(content))
        let bytes = UnsafeBufferPointer(start: content, count: length)
        if preDepth > 0 {
            builder.appendPreformatted(bytes)
        } else {
            builder.appendInline(bytes)
        }
    }

    private mutating func captureTitle(in head: xmlNodePtr) {
        var child = head.pointee.children
        while let node = child {
            if node.pointee.type == XML_ELEMENT_NODE, let name = node.pointee.name, String(cString: name) == "title" {
                title = Self.collapsedText(of: node)
                return
            }
            child = node.pointee.next
        }
    }

    /// The element's text content with whitespace collapsed; nil when empty.
    private static func collapsedText(of node: xmlNodePtr) -> String? {
        guard let content = xmlNodeGetContent(node) else { return nil }
        defer { backfill_xmlFree(content) }
        var builder = TextBuilder()
        builder.appendInline(UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
        let text = builder.finish()
        return text.isEmpty ? nil : text
    }
}

// MARK: - Output

/// Accumulates UTF-8 output with pending breaks and spaces, so that whitespace is decided only when the next
/// visible character arrives.
private struct TextBuilder {
    private var out: [UInt8] = []
    private var pendingBreaks = 0
    private var pendingSpace = false
    private var pendingSeparator = false
    private var prefix: [UInt8] = []
    private var atLineStart = true

    mutating func requestBreaks(_ count: Int) {
        pendingBreaks = max(pendingBreaks, count)
        pendingSpace = false
        pendingSeparator = false
    }

    /// `<br>`: each one counts, so `<br><br>` leaves a blank line.
    mutating func lineBreak() {
        if out.isEmpty { return }
        pendingBreaks = min(2, pendingBreaks + 1)
        pendingSpace = false
        pendingSeparator = false
    }

    mutating func setPrefix(_ text: String) { prefix = Array(text.utf8) }

    mutating func cellStart() {
        if !atLineStart && pendingBreaks == 0 { pendingSeparator = true }
    }

    /// Writes what is pending before a visible character.
    private mutating func flushPending() {
        if pendingBreaks > 0 {
            if !out.isEmpty {
                for _ in 0..<pendingBreaks { out.append(0x0A) }
                atLineStart = true
            }
            pendingBreaks = 0
            pendingSpace = false
            pendingSeparator = false
        }
        if !prefix.isEmpty {
            if !atLineStart { out.append(0x0A) }
            out.append(contentsOf: prefix)
            prefix = []
            atLineStart = false
            pendingSpace = false
            pendingSeparator = false
        }
        if pendingSeparator {
            out.append(contentsOf: [0x20, 0x7C, 0x20])  // " | "
            pendingSeparator = false
            pendingSpace = false
        }
        if pendingSpace && !atLineStart { out.append(0x20) }
        pendingSpace = false
        atLineStart = false
    }

    mutating func appendInline(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                pendingSpace = true
                index += 1
            case 0xC2 where index + 1 < count && bytes[index + 1] == 0xA0:
                // A no-break space reads as a space.
                pendingSpace = true
                index += 2
            default:
                flushPending()
                out.append(byte)
                index += 1
            }
        }
    }

    mutating func appendPreformatted(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return }
        flushPending()
        out.append(contentsOf: bytes)
        atLineStart = bytes.last == 0x0A
    }

    /// The text: trailing spaces removed from every line, at most one blank line in a row, trimmed.
    mutating func finish() -> String {
        var result: [UInt8] = []
        result.reserveCapacity(out.count)
        var blankRun = 0
        for line in out.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var end = line.endIndex
            while end > line.startIndex, Self.isSpace(line[end - 1]) { end -= 1 }
            let trimmed = line[line.startIndex..<end]
            if trimmed.isEmpty {
                blankRun += 1
                continue
            }
            if !result.isEmpty { result.append(contentsOf: blankRun > 0 ? [0x0A, 0x0A] : [0x0A]) }
            blankRun = 0
            result.append(contentsOf: trimmed)
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0C
    }
}
