import BackfillCore
import BackfillMarkup
import Foundation

func skipped(
    _ adapter: String, _ file: String, _ position: RecordPosition, _ code: any SkipReason, _ message: String
) -> AdapterOutput {
    .skipped(SkippedRecord(adapter: adapter, file: file, position: position, code: code, message: message))
}

/// An adapter error (a stop check's, a budget's, a read's) as the skip of the item at `position`.
func skipped(_ adapter: String, _ error: AdapterError, file: String? = nil, at position: RecordPosition)
    -> AdapterOutput
{
    .skipped(SkippedRecord(adapter: adapter, error: error, file: file, position: position))
}

/// The skip of a message whose MIME walk gave up — over a budget (`--max-depth`, `--max-parts`), or out of time
/// (`--max-read-seconds`) — nil when it was read whole. Throws `CancellationError` when the run stops.
func budgetSkip(_ message: EmailMessage, adapter: String, file: String, position: RecordPosition) throws
    -> AdapterOutput?
{
    do {
        try StopCheck.check()
    } catch let error as AdapterError {
        return skipped(adapter, error, file: file, at: position)
    }
    guard let over = message.overBudget else { return nil }
    let error = InputBudgets.current.exceeded(over.budget, over.what, file: file, position: position)
    return skipped(adapter, error, file: file, at: position)
}

/// A byte source that drops its first `offset` bytes (resuming inside a stream that cannot seek).
final class SkippingByteSource: ByteSource {
    private let inner: any ByteSource
    private var toSkip: Int64
    init(_ inner: any ByteSource, skipping: Int64) {
        self.inner = inner
        self.toSkip = skipping
    }
    func read(maxLength: Int) throws -> [UInt8] {
        while toSkip > 0 {
            let chunk = try inner.read(maxLength: Int(min(toSkip, 1 << 20)))
            if chunk.isEmpty { return [] }
            toSkip -= Int64(chunk.count)
        }
        return try inner.read(maxLength: maxLength)
    }
    var canSeek: Bool { false }
    func seek(to offset: Int64) throws { try inner.seek(to: offset) }
}

/// The outputs of framed mbox records that are not messages.
func nonMessageOutput(_ framed: FramedMessage, file: String, index: Int, maxBytes: Int) -> AdapterOutput? {
    switch framed.kind {
    case .preamble:
        if framed.bytes.allSatisfy(ByteSearch.isWhitespace) { return nil }
        return skipped(
            MboxAdapter.name, file, RecordPosition(byteOffset: framed.offset), EmailSkipCode.noFromLine,
            "\(framed.length) bytes before the first From_ line (or with none at all) are not a message: the file is not an mbox or its start is damaged; an .eml file should be named .eml"
        )
    case .oversize:
        return skipped(
            MboxAdapter.name, file, RecordPosition(byteOffset: framed.offset, recordIndex: index),
            EmailSkipCode.messageTooLarge,
            "a message of \(framed.length) bytes is over the \(maxBytes)-byte limit; raise it with --adapter-option max-message-bytes=N"
        )
    case .message:
        return nil
    }
}

/// One .eml file (or a lone maildir message file).
final class EMLReader: RecordReader {
    private let input: SourceInput
    private let options: EmailOptions
    private let builder: EmailDocumentBuilder
    private var done = false

    init(input: SourceInput, context: AdapterContext) {
        self.input = input
        self.options = EmailOptions(context)
        self.builder = EmailDocumentBuilder(adapter: EMLAdapter.name, context: context)
    }

    func next() async throws -> AdapterOutput? {
        guard !done else { return nil }
        done = true
        let file = input.displayPath
        let raw: [UInt8]
        do {
            raw = try input.open().readAll(limit: options.maxMessageBytes, file: file)
        } catch let error as AdapterError where error.has(SkipCode.fileTooLarge) {
            return skipped(
                EMLAdapter.name, file, .wholeFile, EmailSkipCode.messageTooLarge,
                "the message is over the \(options.maxMessageBytes)-byte limit; raise it with --adapter-option max-message-bytes=N"
            )
        }
        guard let bytes = EMLReader.messageBytes(raw) else {
            return skipped(
                EMLAdapter.name, file, .wholeFile, SkipCode.emptyFile, "the file is empty; nothing to import")
        }
        let message = EmailMessage(bytes: bytes, encoding: options.encoding, strip: options.strip)
        if let skip = try budgetSkip(message, adapter: EMLAdapter.name, file: file, position: .wholeFile) {
            return skip
        }
        guard message.headerCount > 0 else {
            return skipped(
                EMLAdapter.name, file, .wholeFile, EmailSkipCode.noHeaders,
                "the file has no mail header fields; it is not an email message (rename it if it is another format)")
        }
        let source = MessageSource(
            file: file, archiveEntry: input.archiveEntry, position: .wholeFile, fileModified: input.modificationDate)
        return .document(
            builder.document(message, threadID: ThreadTracker().threadIDStateless(message), source: source))
    }

    /// The message bytes: a UTF-16 file transcoded to UTF-8, a UTF-8 BOM dropped; nil when empty.
    static func messageBytes(_ raw: [UInt8]) -> [UInt8]? {
        guard !raw.allSatisfy(ByteSearch.isWhitespace) else { return nil }
        if let bom = Charset.byteOrderMark(raw) {
            if bom.encoding == "UTF-8" { return Array(raw.dropFirst(3)) }
            if let text = Charset.decode(raw.dropFirst(bom.length), label: bom.encoding) { return Array(text.utf8) }
        }
        return raw
    }
}

extension ThreadTracker {
    /// The thread id of a message read alone.
    func threadIDStateless(_ message: EmailMessage) -> String? {
        message.gmThreadID ?? message.namedRoot.map(HeaderText.idKey)
    }
}

/// Maildir, one document per message.
final class MaildirMessageReader: RecordReader {
    private let store: MaildirStore
    private let builder: EmailDocumentBuilder
    private var index = 0
    private var tracker = ThreadTracker()

    init(store: MaildirStore, builder: EmailDocumentBuilder) {
        self.store = store
        self.builder = builder
    }

    func next() async throws -> AdapterOutput? {
        if index == 0 && store.members.isEmpty {
            index = 1
            return skipped(
                MaildirAdapter.name, store.bundle.displayPath, .wholeFile, EmailSkipCode.emptyMailbox,
                "the maildir holds no messages in cur/ or new/; nothing to import")
        }
        guard index < store.members.count else { return nil }
        let member = store.members[index]
        index += 1
        let bytes: [UInt8]?
        do {
            bytes = try store.read(member)
        } catch let error as AdapterError {
            return skipped(MaildirAdapter.name, error, at: RecordPosition(recordIndex: index))
        }
        if let problem = store.problem(member, bytes: bytes, index: index) { return problem }
        let message = EmailMessage(bytes: bytes ?? [], encoding: builder.encoding, strip: builder.strip)
        if let skip = try budgetSkip(
            message, adapter: MaildirAdapter.name, file: member.input.displayPath,
            position: RecordPosition(recordIndex: index))
        {
            return skip
        }
        guard message.headerCount > 0 else {
            return skipped(
                MaildirAdapter.name, member.input.displayPath, RecordPosition(recordIndex: index),
                EmailSkipCode.noHeaders,
                "the file has no mail header fields; it is not an email message")
        }
        return .document(
            builder.document(
                message, threadID: tracker.threadID(for: message), source: store.source(member, index: index)))
    }
}

/// `--group-by thread`: a header-only first pass builds the thread index, then each thread is read again and
/// yielded as one document (messages in date order). Memory: the index (about 100 bytes a message) plus one thread.
final class ThreadedReader: RecordReader {
    private let store: any MessageStore
    private let builder: EmailDocumentBuilder
    private var queue: [AdapterOutput] = []
    private var queueIndex = 0
    private var threads: [[Int]]?
    private var threadCursor = 0

    init(store: any MessageStore, builder: EmailDocumentBuilder) {
        self.store = store
        self.builder = builder
    }

    func next() async throws -> AdapterOutput? {
        if threads == nil {
            var index = ThreadIndex()
            // The header pass reads the whole mailbox in one pull: its time is bounded per message by the framing, not
            // by the item deadline (which would cut a large mailbox).
            let skips = try StopCheck.$deadline.withValue(nil) {
                try store.scan { bytes in
                    let entity = MIMEEntity(bytes: bytes, range: 0..<bytes.count)
                    guard !entity.headers.fields.isEmpty else { return false }
                    index.add(entity)
                    return true
                }
            }
            let grouped = index.threads()
            threads = grouped.threads
            queue = skips + grouped.duplicates.map(store.duplicateSkip)
        }
        while true {
            if queueIndex < queue.count {
                queueIndex += 1
                return queue[queueIndex - 1]
            }
            queue.removeAll(keepingCapacity: true)
            queueIndex = 0
            guard let threads, threadCursor < threads.count else { return nil }
            let thread = threads[threadCursor]
            threadCursor += 1
            var messages: [(message: EmailMessage, source: MessageSource)] = []
            var budgetSkips: [AdapterOutput] = []
            for n in thread {
                guard let fetched = try store.fetch(n) else { continue }
                let message = EmailMessage(bytes: fetched.bytes, encoding: builder.encoding, strip: builder.strip)
                // A message over a budget is left out of its thread's document and reported.
                if let skip = try budgetSkip(
                    message, adapter: builder.adapter, file: fetched.source.file, position: fetched.source.position)
                {
                    budgetSkips.append(skip)
                    continue
                }
                messages.append((message, fetched.source))
            }
            queue = budgetSkips + builder.threadDocuments(messages).map(AdapterOutput.document)
        }
    }
}
