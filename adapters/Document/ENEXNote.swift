import BackfillCore
import BackfillMarkup
import CLibXML2
import Foundation

/// One framed `<note>` of an Evernote export made into its document (or `#part-N` documents, or a skip).
enum ENEXNote {
    static func outputs(_ bytes: [UInt8], input: SourceInput, context: AdapterContext, position: RecordPosition)
        -> [AdapterOutput]
    {
        func skip(_ code: some SkipReason, _ message: String) -> AdapterOutput {
            .skipped(
                SkippedRecord(
                    adapter: EvernoteAdapter.name, file: input.displayPath, position: position, code: code,
                    message: message))
        }
        let parsed: Fields? =
            XMLSupport.withDocument(bytes) { doc, _ in
                guard let root = xmlDocGetRootElement(doc), XMLSupport.name(root) == "note",
                    !XMLSupport.nestsDeeper(root, than: max(8, context.budgets.maxDepth))
                else { return nil }
                return Fields(root)
            } ?? nil
        guard let note = parsed else {
            return [
                skip(
                    DocumentSkipCode.unreadableNote,
                    "note \(position.recordIndex ?? 0) could not be read as XML, or nests deeper than --max-depth; skipped, the other notes go on"
                )
            ]
        }
        let enml = Array(todos(note.content).utf8)
        let body =
            enml.isEmpty ? "" : HTMLText.convert(enml, encoding: "UTF-8", shouldStop: { StopCheck.isRequested }).text
        let text = [note.title, body].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n\n")
        guard !text.isEmpty else {
            return [
                skip(
                    DocumentSkipCode.emptyNote,
                    "note \(position.recordIndex ?? 0) has no title and no text; nothing to import")
            ]
        }
        var metadata: [String: JSONValue] = ["notebook": .string(notebook(input.fileName))]
        if let title = note.title { metadata["title"] = .string(title) }
        if !note.tags.isEmpty { metadata["tags"] = .array(note.tags.map(JSONValue.string)) }
        if let updated = note.updated.flatMap(date) { metadata["updated_at"] = .string(Timestamp.format(updated)) }
        if let author = note.author { metadata["author"] = .string(author) }
        if let url = note.sourceURL { metadata["source_url"] = .string(url) }
        if !note.attachments.isEmpty { metadata["attachments"] = .array(note.attachments) }
        let created = note.created.flatMap(date) ?? note.updated.flatMap(date)
        // The id from what the note says, not where the file is: the same note in two exports is one document.
        let identity = Array(([note.title ?? "", note.created ?? "", note.content].joined(separator: "\u{1F}")).utf8)
        let request = CreateMemoryRequest(
            document: text, documentType: .note,
            documentID: DocumentID.contentHash(prefix: "evernote", content: identity),
            documentCreatedAt: created.map(Timestamp.format), metadata: metadata)
        let document = MemoryDocument(
            request: request,
            provenance: Provenance(
                adapter: EvernoteAdapter.name, file: input.displayPath, archiveEntry: input.archiveEntry,
                position: position),
            createdAtOrigin: created == nil ? .missing : (note.created.flatMap(date) == nil ? .fallback : .source),
            createdAtFallback: note.created.flatMap(date) == nil && created != nil ? "the note's updated date" : nil)
        return document.splitIntoParts(maxBytes: context.maxDocumentBytes).map(AdapterOutput.document)
    }

    /// The note's fields, read from its element children.
    struct Fields {
        var title: String?
        var content = ""
        var created: String?
        var updated: String?
        var tags: [String] = []
        var author: String?
        var sourceURL: String?
        var attachments: [JSONValue] = []

        init(_ root: xmlNodePtr) {
            func first(_ node: xmlNodePtr, _ name: String) -> String? {
                XMLSupport.elements(node, name).first.map(XMLSupport.content).map { $0.whitespaceTrimmed }
                    .flatMap { $0.isEmpty ? nil : $0 }
            }
            title = first(root, "title")
            content = XMLSupport.elements(root, "content").first.map(XMLSupport.content) ?? ""
            created = first(root, "created")
            updated = first(root, "updated")
            tags = XMLSupport.elements(root, "tag").map(XMLSupport.content).map { $0.whitespaceTrimmed }
                .filter { !$0.isEmpty }
            if let attributes = XMLSupport.elements(root, "note-attributes").first {
                author = first(attributes, "author")
                sourceURL = first(attributes, "source-url")
            }
            for resource in XMLSupport.elements(root, "resource") {
                var entry: [String: JSONValue] = [:]
                if let mime = first(resource, "mime") { entry["mime_type"] = .string(mime) }
                if let attributes = XMLSupport.elements(resource, "resource-attributes").first,
                    let name = first(attributes, "file-name")
                {
                    entry["file_name"] = .string(name)
                }
                if !entry.isEmpty { attachments.append(.object(entry)) }
            }
        }
    }

    /// ENML's check boxes (`<en-todo checked="true"/>`) as `[x] ` and `[ ] `, which the HTML walk would drop.
    static func todos(_ enml: String) -> String {
        guard enml.contains("<en-todo") else { return enml }
        var out = ""
        var rest = enml[...]
        while let open = rest.range(of: "<en-todo") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: ">") else {
                rest = rest[open.lowerBound...]
                break
            }
            let tag = rest[open.upperBound..<close].replacingOccurrences(of: " ", with: "")
            out += tag.contains("checked=\"true\"") || tag.contains("checked='true'") ? "[x] " : "[ ] "
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// `20130730T205204Z` (ENEX's only date shape): UTC. Nil for anything else.
    static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        return Timestamp.parse(
            String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute, second))
    }

    /// The notebook's name: the export's file name without `.enex` (Evernote names the file after the notebook).
    static func notebook(_ fileName: String) -> String {
        fileName.lowercased().hasSuffix(".enex") ? String(fileName.dropLast(5)) : fileName
    }
}
