import BackfillCore
import BackfillMarkup
import Foundation

/// Plain text, Markdown and HTML files, one `document` each (`#part-N` documents when over the size limit).
///
/// See `adapters/Document/README.md` for the mapping, identity rule and limits.
public struct TextAdapter: SourceAdapter {
    public init() {}

    public static let name = "text"

    public let descriptor = AdapterDescriptor(
        name: TextAdapter.name, family: "document",
        fileExtensions: ["txt", "text", "md", "markdown", "html", "htm", "xhtml"],
        summary: "plain text, Markdown and HTML files (HTML converted to text), one document per file, split when long",
        supportsCursor: false)

    /// The extension decides, even when the head looks binary: ``read(_:context:resumeFrom:)`` then skips the file
    /// with a reason, so the user sees why it was not imported.
    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        SourceFormat(fileName: probe.fileName) == nil ? .no : .likely
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { WholeFileReader(input: input, context: context) }
    }
}

/// How a file's text is interpreted, from its extension.
enum SourceFormat: String {
    case text, markdown, html

    init?(fileName: String) {
        let lower = fileName.lowercased()
        guard let dot = lower.lastIndex(of: ".") else { return nil }
        switch lower[lower.index(after: dot)...] {
        case "txt", "text": self = .text
        case "md", "markdown": self = .markdown
        case "html", "htm", "xhtml": self = .html
        default: return nil
        }
    }
}

/// Yields the outputs of a file: its document, or its `#part-N` documents when its text is over the size limit.
final class WholeFileReader: RecordReader {
    private let input: SourceInput
    private let context: AdapterContext
    private var done = false
    private var pending: [AdapterOutput] = []

    init(input: SourceInput, context: AdapterContext) {
        self.input = input
        self.context = context
    }

    func next() async throws -> AdapterOutput? {
        if !done {
            done = true
            pending = try convert().reversed()
            // The HTML walk ends early when the run stops or the item's time is up.
            try StopCheck.check()
        }
        return pending.popLast()
    }

    private func skip(_ code: some SkipReason, _ message: String, at position: RecordPosition = .wholeFile)
        -> AdapterOutput
    {
        .skipped(
            SkippedRecord(
                adapter: TextAdapter.name, file: input.displayPath, position: position, code: code, message: message))
    }

    private func convert() throws -> [AdapterOutput] {
        let format = SourceFormat(fileName: input.fileName) ?? .text
        let limit = max(1, context.maxDocumentBytes) &* 4
        if let size = input.size, size > Int64(limit) {
            return [skip(SkipCode.fileTooLarge, Self.tooLargeMessage(size: size, limit: limit))]
        }
        let raw: [UInt8]
        do {
            raw = try input.open().readAll(limit: limit, file: input.displayPath)
        } catch let error as AdapterError where error.has(SkipCode.fileTooLarge) {
            return [skip(SkipCode.fileTooLarge, Self.tooLargeMessage(size: nil, limit: limit))]
        }

        let decoded: [UInt8]
        let charset: SourceCharset?
        switch decode(raw, format: format) {
        case .text(let bytes, let found): (decoded, charset) = (bytes, found)
        case .done(let output): return output
        }
        let normalised = TextDecoding.normaliseNewlines(decoded)
        if normalised.allSatisfy(TextDecoding.isASCIIWhitespace) {
            return [skip(SkipCode.emptyFile, "the file is empty or holds only whitespace; nothing to import")]
        }
        switch format {
        case .html:
            return document(fromHTML: normalised, encoding: "UTF-8", identity: normalised, charset: charset)
        case .markdown, .text:
            let text = String(decoding: normalised, as: UTF8.self)
            let title = format == .markdown ? Self.markdownTitle(text) : nil
            return document(text: text, format: format, title: title, identity: normalised, charset: charset)
        }
    }

    /// What reading the bytes gave: the text in UTF-8 with the charset it was read in, or the output that ends the
    /// reading (a skip, or an HTML document libxml2 decodes in the charset it declares).
    private enum Decoded {
        case text([UInt8], SourceCharset?)
        case done([AdapterOutput])
    }

    private func decode(_ raw: [UInt8], format: SourceFormat) -> Decoded {
        // A BOM wins; then `--encoding`; then valid UTF-8; anything else goes to the charset detector.
        let option = context.options["encoding"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let bom = Charset.byteOrderMark(raw)
        func detected() -> Decoded {
            let result = Charset.decodeDetecting(raw, option: option)
            return .text(Array(result.text.utf8), result.charset)
        }
        if bom?.encoding.hasPrefix("UTF-32") == true || (bom == nil && option != nil) {
            return detected()
        } else {
            switch TextDecoding.decode(raw) {
            case .text(let utf8) where bom == nil && utf8.contains(0x1B) && !utf8.contains(where: { $0 >= 0x80 }):
                // ASCII with escapes: a 7-bit stateful charset (ISO-2022-JP) is valid UTF-8 too; the detector knows.
                return detected()
            case .text(let utf8):
                let origin: SourceCharset.Origin = bom == nil ? .detected : .bom
                return .text(utf8, SourceCharset(name: bom?.encoding ?? "UTF-8", origin: origin, confidence: 1))
            case .binary(let offset):
                if bom == nil, Charset.utf16WithoutBOM(raw) != nil {
                    return detected()
                } else {
                    return .done([
                        skip(
                            SkipCode.binaryContent,
                            "the file looks binary (NUL byte at offset \(offset)); it is not imported — remove it or rename it",
                            at: RecordPosition(byteOffset: Int64(offset)))
                    ])
                }
            case .invalidUTF8(let offset):
                if format == .html, let charset = TextDecoding.declaredCharset(raw), !charset.hasPrefix("utf") {
                    // An HTML file in the charset its <meta> declares: libxml2 converts it.
                    return .done(document(fromHTML: raw, encoding: nil, identity: raw, charset: nil))
                }
                if bom != nil {
                    // The BOM says UTF-8 and wins: the bad bytes are the file's fault, not a charset to guess.
                    return .done([
                        skip(
                            DocumentSkipCode.invalidUTF8,
                            "invalid UTF-8 after a UTF-8 byte-order mark at byte offset \(offset); convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8) and import it again",
                            at: RecordPosition(byteOffset: Int64(offset)))
                    ])
                }
                return detected()
            case .invalidUTF16(let offset):
                return .done([
                    skip(
                        DocumentSkipCode.invalidUTF16,
                        "the file starts with a UTF-16 byte-order mark but is not valid UTF-16 (at byte offset \(offset)); convert it to UTF-8 and import it again",
                        at: RecordPosition(byteOffset: Int64(offset)))
                ])
            }
        }
    }

    private func document(fromHTML bytes: [UInt8], encoding: String?, identity: [UInt8], charset: SourceCharset?)
        -> [AdapterOutput]
    {
        let result = HTMLText.convert(bytes, encoding: encoding, shouldStop: { StopCheck.isRequested })
        if result.text.isEmpty {
            return [
                skip(
                    SkipCode.emptyFile,
                    "the HTML has no readable text once scripts, styles and markup are removed; nothing to import")
            ]
        }
        return document(text: result.text, format: .html, title: result.title, identity: identity, charset: charset)
    }

    /// The file's document, or its `#part-N` documents when the text is over `--max-document-bytes`: cut at
    /// paragraph, line or word boundaries (``TextParts``), the pieces concatenated being the whole text; each part
    /// has the file's date, title and metadata, with `part`, `parts` and `parent_document_id`
    /// (``MemoryDocument/splitIntoParts(maxBytes:)``).
    /// - Parameter identity: the normalised file text the id is derived from (path-independent).
    private func document(
        text: String, format: SourceFormat, title: String?, identity: [UInt8], charset: SourceCharset?
    ) -> [AdapterOutput] {
        var metadata: [String: JSONValue] = [
            "source_format": .string(format.rawValue),
            "file_name": .string(input.fileName),
        ]
        if let title { metadata["title"] = .string(title) }
        if let charset, charset.name != "UTF-8" { metadata["encoding"] = .string(charset.name) }
        let createdAt = input.modificationDate.map(Timestamp.format)
        let request = CreateMemoryRequest(
            document: text, documentType: .document,
            documentID: DocumentID.contentHash(prefix: "text", content: identity),
            documentCreatedAt: createdAt, metadata: metadata)
        let provenance = Provenance(
            adapter: TextAdapter.name, file: input.displayPath, archiveEntry: input.archiveEntry,
            position: .wholeFile, contentSHA256: "")
        var document = MemoryDocument(
            request: request, provenance: provenance,
            createdAtOrigin: createdAt == nil ? .missing : .fallback,
            createdAtFallback: createdAt == nil ? nil : "file modification time")
        document.charset = charset
        return document.splitIntoParts(maxBytes: context.maxDocumentBytes).map(AdapterOutput.document)
    }

    private static func tooLargeMessage(size: Int64?, limit: Int) -> String {
        let what = size.map { "the file is \($0) bytes" } ?? "the file is larger than \(limit) bytes"
        return
            "\(what), over the \(limit)-byte read limit (4 × --max-document-bytes); split it or raise --max-document-bytes"
    }

    /// The first level-1 ATX heading (`# Title`) outside fenced code blocks.
    static func markdownTitle(_ text: String) -> String? {
        var inFence = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence.toggle()
                continue
            }
            // An ATX heading may be indented by up to three spaces.
            guard !inFence, line.count - trimmed.count <= 3, trimmed.hasPrefix("# ") else { continue }
            var title = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
            // A closing sequence of #s is not part of the heading.
            while title.hasSuffix("#") { title.removeLast() }
            title = title.trimmingCharacters(in: .whitespaces)
            if !title.isEmpty { return title }
        }
        return nil
    }
}

/// Byte-level decoding of a text file into UTF-8.
enum TextDecoding {
    enum Outcome: Equatable {
        case text([UInt8])
        case binary(offset: Int)
        case invalidUTF8(offset: Int)
        case invalidUTF16(offset: Int)
    }

    /// UTF-16 (with a BOM) → UTF-8; a UTF-8 BOM dropped; NUL bytes → binary; invalid UTF-8 → its first bad offset.
    static func decode(_ raw: [UInt8]) -> Outcome {
        if raw.starts(with: [0xFF, 0xFE]) { return decodeUTF16(raw, bigEndian: false) }
        if raw.starts(with: [0xFE, 0xFF]) { return decodeUTF16(raw, bigEndian: true) }
        let bomLength = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        if let nul = raw.firstIndex(of: 0) { return .binary(offset: nul) }
        let body = raw[bomLength...]
        if let bad = firstInvalidUTF8(body) { return .invalidUTF8(offset: bad) }
        return .text(Array(body))
    }

    /// Offset (in the whole buffer) of the first byte that is not valid UTF-8, nil when all is valid.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        // Fast path: the standard library validates in bulk.
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = bytes.startIndex
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private static func decodeUTF16(_ raw: [UInt8], bigEndian: Bool) -> Outcome {
        let body = raw.dropFirst(2)
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index + 1 < body.endIndex {
            let first = UInt16(body[index]), second = UInt16(body[index + 1])
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        if index < body.endIndex { return .invalidUTF16(offset: index) }
        var out: [UInt8] = []
        out.reserveCapacity(units.count)
        var parser = Unicode.UTF16.ForwardParser()
        var iterator = units.makeIterator()
        var unitOffset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF16.decode(encoded)
                if scalar.value == 0 { return .binary(offset: 2 + unitOffset * 2) }
                out.append(contentsOf: Unicode.UTF8.encode(scalar).map(Array.init) ?? [])
                unitOffset += encoded.count
            case .emptyInput:
                return .text(out)
            case .error:
                return .invalidUTF16(offset: 2 + unitOffset * 2)
            }
        }
    }

    /// CRLF and lone CR → LF.
    static func normaliseNewlines(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x0D) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D {
                out.append(0x0A)
                if index + 1 < bytes.count && bytes[index + 1] == 0x0A { index += 1 }
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    /// The `charset` an HTML file declares in its first 2 KB (`<meta charset=…>` or `content="…; charset=…"`),
    /// lower-cased.
    static func declaredCharset(_ raw: [UInt8]) -> String? {
        let head = String(decoding: raw.prefix(2048), as: UTF8.self).lowercased()
        guard let range = head.range(of: "charset=") else { return nil }
        let value = head[range.upperBound...].drop(while: { $0 == "\"" || $0 == "'" || $0 == " " })
        let name = value.prefix(while: { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        return name.isEmpty ? nil : String(name)
    }
}
