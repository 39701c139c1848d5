import BackfillCore
import CLibXML2

/// libxml2 helpers. Every call owns its parser context and document, so they are safe from several tasks.
public enum XMLSupport {
    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// An HTML 4 named character reference (`eacute`, `hellip`, …) through libxml2's table.
    public static func htmlEntity(_ name: String) -> Unicode.Scalar? {
        _ = initialised
        guard !name.isEmpty, name.utf8.count < 32 else { return nil }
        let found: UnsafePointer<htmlEntityDesc>? = name.withCString { pointer in
            pointer.withMemoryRebound(to: xmlChar.self, capacity: name.utf8.count + 1) { htmlEntityLookup($0) }
        }
        guard let found else { return nil }
        return Unicode.Scalar(found.pointee.value)
    }

    /// Parses XML without network access, without loading a DTD and without declaring, loading or expanding any
    /// entity (only the five predefined ones are read): no external entity (`file:///etc/passwd`), no fetch, no
    /// entity-expansion bomb. `XML_PARSE_NOENT`, `XML_PARSE_DTDLOAD` and `XML_PARSE_HUGE` are never set, so
    /// libxml2's own limits hold (element depth 256, text node 10 MB). Malformed or truncated input is recovered as
    /// far as libxml2 can. Returns nil when nothing at all could be parsed.
    public static func withDocument<T>(_ bytes: [UInt8], _ body: (xmlDocPtr, _ wellFormed: Bool) -> T) -> T? {
        _ = initialised
        guard !bytes.isEmpty, let context = xmlNewParserCtxt() else { return nil }
        defer { xmlFreeParserCtxt(context) }
        if let sax = context.pointee.sax {
            // Entity declarations in an internal subset are ignored: a reference to them is then undefined and
            // kept out of the text (recovered), whatever the entity says.
            sax.pointee.entityDecl = nil
            sax.pointee.unparsedEntityDecl = nil
            sax.pointee.externalSubset = nil
            sax.pointee.resolveEntity = nil
        }
        let flags: [xmlParserOption] = [XML_PARSE_RECOVER, XML_PARSE_NONET, XML_PARSE_NOERROR, XML_PARSE_NOWARNING]
        let options = Int32(bitPattern: flags.reduce(0) { $0 | $1.rawValue })
        let length = Int32(clamping: bytes.count)
        let parsed: xmlDocPtr? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return nil }
            return xmlCtxtReadMemory(context, base, length, nil, nil, options)
        }
        guard let doc = parsed else { return nil }
        defer { xmlFreeDoc(doc) }
        return body(doc, context.pointee.wellFormed != 0)
    }

    public static func name(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    /// An attribute by local name, whatever its namespace prefix (TTML files use `ttp:`, `ttm:`, old DFXP
    /// namespaces, or none).
    public static func attribute(_ node: xmlNodePtr, _ localName: String) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if let name = current.pointee.name, String(cString: name) == localName {
                guard let value = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1) else {
                    return ""
                }
                defer { backfill_xmlFree(value) }
                return String(cString: value)
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// `xml:id` / `id`.
    public static func identifier(_ node: xmlNodePtr) -> String? { attribute(node, "id") }

    public static func children(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            out.append(current)
            child = current.pointee.next
        }
        return out
    }

    public static func text(_ node: xmlNodePtr) -> String {
        node.pointee.content.map { String(cString: $0) } ?? ""
    }

    /// Whether the elements under `root` nest deeper than `limit` levels (`root` is level 1); walked without
    /// recursion, so the recursive walks after it are bounded by `limit`.
    public static func nestsDeeper(_ root: xmlNodePtr, than limit: Int) -> Bool {
        var depth = 1
        var node: xmlNodePtr? = root.pointee.children
        var poll = StopCheck.Poll(every: 4096)
        while var current = node {
            if poll.shouldStop() { return false }
            if current.pointee.type == XML_ELEMENT_NODE, let child = current.pointee.children {
                depth += 1
                if depth > limit { return true }
                node = child
                continue
            }
            while current.pointee.next == nil {
                guard let parent = current.pointee.parent, parent != root else { return false }
                depth -= 1
                current = parent
            }
            node = current.pointee.next
        }
        return false
    }

    /// The text of an element and everything under it (text and CDATA nodes), as libxml2 concatenates it.
    public static func content(_ node: xmlNodePtr) -> String {
        guard let value = xmlNodeGetContent(node) else { return "" }
        defer { backfill_xmlFree(value) }
        return String(cString: value)
    }

    /// The element children of `node` named `localName`.
    public static func elements(_ node: xmlNodePtr, _ localName: String) -> [xmlNodePtr] {
        children(node).filter { $0.pointee.type == XML_ELEMENT_NODE && name($0) == localName }
    }
}
