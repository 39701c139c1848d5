import BackfillCore
import BackfillMarkup
import CLibXML2
import Foundation

/// Evernote exports (`.enex`): each `<note>` a `note` document (sent as `document` through the type map). The ENML
/// in `<content>` becomes text through libxml2's HTML parser; `<created>` (else `<updated>`) is the date; the title,
/// tags, the notebook (the file's name), `note-attributes` (author, source URL) and the attachments' names go into
/// metadata. Streamed note by note (``ENEXFramer``): attachments' bytes are never held. See
/// `adapters/Document/README.md#evernote`.
public struct EvernoteAdapter: SourceAdapter {
    public init() {}

    public static let name = "evernote"

    public let descriptor = AdapterDescriptor(
        name: EvernoteAdapter.name, family: "document", fileExtensions: ["enex"],
        summary: "Evernote exports (.enex), one note document per note", supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        // An XML document whose root is `<en-export>` (a tar or a stored zip holding an export has its bytes in its
        // head too, after a header: only a head that starts with markup counts).
        let trimmed = probe.trimmedHead
        if trimmed.first == UInt8(ascii: "<"),
            String(decoding: trimmed.prefix(4096), as: UTF8.self).contains("<en-export")
        {
            return .certain
        }
        return probe.fileName.lowercased().hasSuffix(".enex") ? .likely : .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { ENEXReader(input: input, context: context) }
    }
}

/// Reads the notes of one `.enex` file in order.
final class ENEXReader: RecordReader {
    private let input: SourceInput
    private let context: AdapterContext
    private var framer: ENEXFramer?
    private var index = 0
    private var pending: [AdapterOutput] = []
    private var sawExport = false
    private var done = false

    init(input: SourceInput, context: AdapterContext) {
        self.input = input
        self.context = context
    }

    private var maxNoteBytes: Int { max(1, context.maxDocumentBytes) &* 4 }

    func next() async throws -> AdapterOutput? {
        if let output = pending.popLast() { return output }
        guard !done else { return nil }
        if framer == nil {
            let source = try input.open()
            let head = try source.read(maxLength: 64 << 10)
            sawExport = String(decoding: head, as: UTF8.self).contains("<en-export")
            framer = ENEXFramer(source: PrefixedSource(head, then: source), maxNoteBytes: maxNoteBytes)
        }
        guard let framer else { return nil }
        while let item = try framer.next() {
            index += 1
            let position: RecordPosition
            switch item {
            case .note(let bytes, let offset):
                position = RecordPosition(byteOffset: offset, recordIndex: index)
                let outputs = ENEXNote.outputs(bytes, input: input, context: context, position: position)
                guard !outputs.isEmpty else { continue }
                pending = outputs.reversed()
                return pending.popLast()
            case .tooLarge(let offset):
                return skip(
                    DocumentSkipCode.noteTooLarge,
                    "note \(index) is over \(maxNoteBytes) bytes of XML without its attachments; skipped — raise --max-document-bytes to read it",
                    at: RecordPosition(byteOffset: offset, recordIndex: index))
            case .truncated(let offset):
                done = true
                return skip(
                    DocumentSkipCode.truncatedNote,
                    "the file ends inside note \(index) (it starts at byte \(offset)); the notes before it were read — export the notebook again to get the rest",
                    at: RecordPosition(byteOffset: offset, recordIndex: index))
            }
        }
        done = true
        if index == 0 && !sawExport {
            return skip(
                DocumentSkipCode.notAnExport,
                "the file holds no <en-export> element; it is not an Evernote export (export the notebook as .enex)",
                at: .wholeFile)
        }
        return nil
    }

    private func skip(_ code: some SkipReason, _ message: String, at position: RecordPosition) -> AdapterOutput {
        .skipped(
            SkippedRecord(
                adapter: EvernoteAdapter.name, file: input.displayPath, position: position, code: code,
                message: message))
    }
}

/// A byte source that first hands back bytes already read.
final class PrefixedSource: ByteSource {
    private var prefix: [UInt8]
    private let rest: any ByteSource
    init(_ prefix: [UInt8], then rest: any ByteSource) {
        self.prefix = prefix
        self.rest = rest
    }
    func read(maxLength: Int) throws -> [UInt8] {
        guard prefix.isEmpty else {
            defer { prefix = [] }
            return prefix
        }
        return try rest.read(maxLength: maxLength)
    }
    var canSeek: Bool { false }
    func seek(to offset: Int64) throws {
        throw AdapterError(code: SkipCode.seekError, file: "", position: .wholeFile, message: "cannot seek")
    }
}
