import BackfillCore
import Foundation

/// mbox, one document per message, streaming, resumable from a byte offset.
///
/// Framing is sequential (it is cheap: `memmem` for From_ lines); the expensive part, parsing each message (MIME
/// walk, transfer decoding, charsets, HTML) and building its document, runs on up to ``AdapterContext/parseJobs``
/// tasks at once, ahead of the message being returned. What depends on the messages before — the message's index
/// (given at framing), its thread id — is settled in file order when it is returned, so the documents are those
/// of a one-at-a-time read (`ParallelParseTests` compares them on generated mail). The window ahead holds at most
/// ``AdapterContext/parseLookaheadRecords(jobs:)`` messages and ``AdapterContext/parseLookaheadBytes(jobs:)`` of
/// them.
final class MboxMessageReader: RecordReader {
    private let input: SourceInput
    private let options: EmailOptions
    private let builder: EmailDocumentBuilder
    private let cursor: SourceCursor?
    private let jobs: Int
    private var framer: MboxFramer?
    private var index = 0
    private var outputs = 0
    private var finished = false
    private var framingDone = false
    private var tracker = ThreadTracker()
    /// Framed messages not yet returned, oldest first, each parsing or parsed.
    private var window: [Pending] = []
    /// Entries the window holds, handed on or not (bounded: the records ahead plus at most 257 handed on).
    var windowStorage: Int { window.count }
    private var windowHead = 0
    private var windowBytes = 0

    /// A framed record ahead of the one returned.
    private enum Pending {
        /// Not a message (a preamble, an oversize message): its output, if any.
        case other(AdapterOutput?)
        /// A message being parsed on its own task.
        case message(FramedMessage, Task<Parsed, any Error>)
    }

    /// What parsing a message gives: a skip (over a budget, no headers), or its document without the thread id
    /// and the ids the thread id is settled from.
    enum Parsed: Sendable {
        case skipped(AdapterOutput)
        case document(MemoryDocument, ThreadTracker.Keys)
    }

    init(input: SourceInput, context: AdapterContext, options: EmailOptions, cursor: SourceCursor?) {
        self.input = input
        self.options = options
        self.cursor = cursor
        self.jobs = max(1, context.parseJobs)
        self.builder = EmailDocumentBuilder(adapter: MboxAdapter.name, context: context)
    }

    private func open() throws -> MboxFramer {
        var source = try input.open()
        var start: Int64 = 0
        if let cursor, let offset = cursor.byteOffset, offset > 0 {
            if source.canSeek {
                try source.seek(to: offset)
            } else {
                source = SkippingByteSource(source, skipping: offset)
            }
            start = offset
            index = cursor.recordIndex ?? 0
        }
        return MboxFramer(
            source: source, startOffset: start, maxMessageBytes: options.maxMessageBytes, unescape: options.unescape)
    }

    func next() async throws -> AdapterOutput? {
        guard !finished else { return nil }
        if jobs == 1 { return try await nextInline() }
        try fillWindow()
        while windowHead < window.count {
            let pending = window[windowHead]
            window[windowHead] = .other(nil)
            windowHead += 1
            // Handed-on entries are dropped every 256 (a message returns below, so this must come first: kept after
            // the switch, the window grew by one entry per message — 190 MiB on the 2 GB mbox).
            if windowHead > 256 {
                window.removeFirst(windowHead)
                windowHead = 0
            }
            switch pending {
            case .other(let output):
                if let output {
                    outputs += 1
                    return output
                }
            case .message(let framed, let task):
                windowBytes -= framed.bytes.count
                try fillWindow()
                let parsed = try await task.value
                outputs += 1
                return threaded(parsed)
            }
        }
        return end()
    }

    /// Frames messages until the window is full, starting the parse of each.
    private func fillWindow() throws {
        let framer = try self.framer ?? open()
        self.framer = framer
        while !framingDone && window.count - windowHead < AdapterContext.parseLookaheadRecords(jobs: jobs)
            && (windowBytes < AdapterContext.parseLookaheadBytes(jobs: jobs) || window.count == windowHead)
        {
            // Framing is outside the item's wall-time budget (see `nextInline`).
            guard let framed = try StopCheck.$deadline.withValue(nil, operation: { try framer.next() }) else {
                framingDone = true
                return
            }
            if framed.kind != .preamble { index += 1 }
            guard framed.kind == .message else {
                window.append(
                    .other(
                        nonMessageOutput(
                            framed, file: input.displayPath, index: index, maxBytes: options.maxMessageBytes)))
                continue
            }
            let task = Self.startParse(
                framed.bytes, encoding: options.encoding, source: source(of: framed), builder: builder)
            windowBytes += framed.bytes.count
            window.append(.message(framed, task))
        }
    }

    /// A message's parse on a task of its own, which inherits the reading task's locals: the stop request, the
    /// budgets and the item's deadline (restarted for this message).
    static func startParse(
        _ bytes: [UInt8], encoding: String?, source: MessageSource, builder: EmailDocumentBuilder
    ) -> Task<Parsed, any Error> {
        Task {
            try StopCheck.withFreshDeadline(file: source.file) {
                try parse(bytes, encoding: encoding, source: source, builder: builder)
            }
        }
    }

    /// Where the framed message sits, and what to fall back on for its date.
    private func source(of framed: FramedMessage) -> MessageSource {
        MessageSource(
            file: input.displayPath, archiveEntry: input.archiveEntry,
            position: RecordPosition(byteOffset: framed.offset, recordIndex: index),
            cursorAfter: SourceCursor(byteOffset: framed.nextOffset, recordIndex: index),
            fallbackDates: [("mbox From_ line", framed.envelopeDate)], fileModified: input.modificationDate)
    }

    /// The work that needs no other message: the message parsed and its document built, or why it is skipped.
    static func parse(_ bytes: [UInt8], encoding: String?, source: MessageSource, builder: EmailDocumentBuilder) throws
        -> Parsed
    {
        let (file, position) = (source.file, source.position)
        let message = EmailMessage(bytes: bytes, encoding: encoding, strip: builder.strip)
        if let skip = try budgetSkip(message, adapter: MboxAdapter.name, file: file, position: position) {
            return .skipped(skip)
        }
        guard message.headerCount > 0 else {
            return .skipped(
                skipped(
                    MboxAdapter.name, file, position, EmailSkipCode.noHeaders,
                    "the message after the From_ line has no header fields (binary data or a damaged message); check the file around this byte offset"
                ))
        }
        return .document(builder.document(message, threadID: nil, source: source), ThreadTracker.Keys(message))
    }

    /// The work in file order: the thread id, from the messages before.
    private func threaded(_ parsed: Parsed) -> AdapterOutput {
        switch parsed {
        case .skipped(let output):
            return output
        case .document(var document, let keys):
            if let threadID = tracker.threadID(for: keys) { EmailDocumentBuilder.setThreadID(threadID, of: &document) }
            return .document(document)
        }
    }

    /// One message at a time (`--parse-jobs 1`).
    private func nextInline() async throws -> AdapterOutput? {
        let framer = try self.framer ?? open()
        self.framer = framer
        // Framing is outside the item's wall-time budget: it is linear, bounded per message by
        // `--max-message-bytes`, and a slow one must not cost the messages after it (the stop signal still ends it).
        // The message's own clock starts once it is framed.
        while let framed = try StopCheck.$deadline.withValue(nil, operation: { try framer.next() }) {
            if framed.kind != .preamble { index += 1 }
            if framed.kind != .message {
                guard
                    let output = nonMessageOutput(
                        framed, file: input.displayPath, index: index, maxBytes: options.maxMessageBytes)
                else { continue }
                outputs += 1
                return output
            }
            outputs += 1
            let source = source(of: framed)
            return try StopCheck.withFreshDeadline(file: input.displayPath) {
                threaded(try Self.parse(framed.bytes, encoding: options.encoding, source: source, builder: builder))
            }
        }
        return end()
    }

    private func end() -> AdapterOutput? {
        finished = true
        if outputs == 0 && cursor == nil {
            return skipped(
                MboxAdapter.name, input.displayPath, .wholeFile, EmailSkipCode.emptyMailbox,
                "the mailbox holds no messages; nothing to import")
        }
        return nil
    }
}
