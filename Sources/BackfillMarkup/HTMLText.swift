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
/// - With a ``Stripping`` (email's `--strip`), mail clients' quote and signature blocks are left out and what they
///   held is reported in ``Result/stripped`` (see HTMLQuoteBlocks.swift).
///
/// Safe to call from several threads at once: each call owns its parser and document.
public enum HTMLText {
    /// The converted text and the document's `<title>`.
    public struct Result: Sendable, Hashable {
        /// The `<title>`, whitespace collapsed; nil when absent or empty.
        public var title: String?
        /// The readable text.
        public var text: String
        /// What the blocks left out by a ``Stripping`` held (zero without one).
        public var stripped = Stripped()

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
    ///   - strip: the quote and signature blocks to leave out (none by default).
    ///   - shouldStop: asked every few thousand nodes; true ends the walk early (the run stops, the item's time is
    ///     up — the caller then gives the result up).
    public static func convert(
        _ bytes: [UInt8], encoding: String? = nil, strip: Stripping = .none, shouldStop: (() -> Bool)? = nil
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
        var walker = TreeWalker(strip: strip)
        walker.walk(doc, shouldStop: shouldStop)
        // The blocks first: a block left out up to the end still has the text's builder swapped out.
        let stripped = strip.isActive ? walker.finishDropped() : Stripped()
        var result = Result(title: walker.title, text: walker.builder.finish())
        result.stripped = stripped
        return result
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
    let strip: HTMLText.Stripping
    /// The quote and signature blocks' text (``QuoteBlocks/Role/index``), written while `builder` is swapped out
    /// (none without a `Stripping`).
    private var dropped: [TextBuilder] = []
    /// The block being left out (its element; nil for the rest of the document) and where its text goes.
    private var diversion: (node: xmlNodePtr?, index: Int)?

    init(strip: HTMLText.Stripping) {
        self.strip = strip
        if strip.isActive { dropped = [TextBuilder(), TextBuilder()] }
    }

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

    /// Handles an element's start; returns whether its children are to be visited. A block to leave out has its
    /// breaks written to the text, then its content to a builder of its own.
    private mutating func enter(_ node: xmlNodePtr) -> Bool {
        guard strip.isActive, diversion == nil,
            let role = QuoteBlocks.role(of: node, strip: strip, after: builder.lastLine)
        else { return enterElement(node) }
        let visit = enterElement(node)
        if visit || role == .quoteToEnd {
            diversion = (role == .quoteToEnd ? nil : node, role.index)
            swap(&builder, &dropped[role.index])
        }
        return visit
    }

    private mutating func enterElement(_ node: xmlNodePtr) -> Bool {
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
        if let current = diversion, current.node == node {
            swap(&builder, &dropped[current.index])
            diversion = nil
        }
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

    /// The left-out blocks' lines and characters (Unicode scalars, line breaks not counted).
    mutating func finishDropped() -> HTMLText.Stripped {
        if let current = diversion { swap(&builder, &dropped[current.index]) }
        diversion = nil
        var stripped = HTMLText.Stripped()
        (stripped.quotedLines, stripped.quotedCharacters) = QuoteBlocks.measure(dropped[0].finish())
        (stripped.signatureLines, stripped.signatureCharacters) = QuoteBlocks.measure(dropped[1].finish())
        return stripped
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
