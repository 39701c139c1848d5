import BackfillCore
import BackfillMarkup
import Foundation

/// Settings read from `--group-by` and `--adapter-option`.
struct EmailOptions {
    /// `--group-by thread` (or `conversation`): one document per thread.
    var groupByThread: Bool
    /// `--adapter-option max-message-bytes=N`: larger messages are skipped (default 512 MiB).
    var maxMessageBytes: Int
    /// `--adapter-option mbox-unescape=false`: keep `>From ` lines as they are (mboxcl2 files, which never quote).
    var unescape: Bool
    /// `--encoding`: the charset of parts that declare none (or one that does not decode cleanly).
    var encoding: String?

    init(_ context: AdapterContext) {
        encoding = context.options["encoding"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let group = context.options["group-by"]?.lowercased()
        groupByThread = group == "thread" || group == "conversation"
        maxMessageBytes = context.options["max-message-bytes"].flatMap { Int($0) }.map { max(1024, $0) } ?? 512 << 20
        let unescapeOption = context.options["mbox-unescape"]?.lowercased()
        unescape = !(unescapeOption == "false" || unescapeOption == "no" || unescapeOption == "0")
    }
}

/// Unix mailboxes: mboxo, mboxrd, mboxcl/cl2, Google Takeout. See `adapters/Email/README.md`.
public struct MboxAdapter: SourceAdapter {
    public init() {}
    public static let name = "mbox"

    public let descriptor = AdapterDescriptor(
        name: MboxAdapter.name, family: "email", fileExtensions: ["mbox", "mbx", "mboxrd"],
        summary: "Unix mailboxes (mboxo, mboxrd, mboxcl/cl2, Google Takeout), one email per message or per thread",
        supportsCursor: true)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.head
        if head.starts(with: Array("From ".utf8)) {
            let lineEnd = head.firstIndex(of: 0x0A) ?? head.count
            if EmailDate.parseFromLine(head[5..<lineEnd]).valid { return .certain }
        }
        return descriptor.fileExtensions.contains(where: probe.hasExtension) ? .likely : .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        let options = EmailOptions(context)
        if options.groupByThread {
            return AdapterOutputs {
                ThreadedReader(
                    store: MboxStore(input: input, options: options),
                    builder: EmailDocumentBuilder(adapter: MboxAdapter.name, context: context))
            }
        }
        return AdapterOutputs { MboxMessageReader(input: input, context: context, options: options, cursor: cursor) }
    }
}

/// Single messages: `.eml` files (UTF-8, 8-bit, or UTF-16 with a byte-order mark).
public struct EMLAdapter: SourceAdapter {
    public init() {}
    public static let name = "eml"

    public let descriptor = AdapterDescriptor(
        name: EMLAdapter.name, family: "email", fileExtensions: ["eml"],
        summary: "single email messages (.eml, also UTF-16 with a BOM; header-sniffed files without extension)",
        supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let headerLike = Self.looksLikeHeaders(probe.head)
        if probe.hasExtension("eml") {
            return headerLike || Charset.byteOrderMark(probe.head) != nil ? .certain : .likely
        }
        return headerLike ? .possible : .no
    }

    static let knownHeaders: Set<String> = [
        "return-path", "received", "from", "to", "date", "subject", "message-id", "mime-version", "delivered-to",
        "dkim-signature", "authentication-results", "reply-to", "content-type", "x-gm-thrid", "x-gmail-labels",
        "arc-seal", "x-received", "cc", "sender", "in-reply-to", "references", "x-mailer", "user-agent",
    ]

    /// The first lines are RFC 5322 header fields, one of them a well-known one.
    static func looksLikeHeaders(_ head: [UInt8]) -> Bool {
        var bytes = head[...]
        if let bom = Charset.byteOrderMark(head), bom.encoding.hasPrefix("UTF-16") {
            let text = Charset.decode(head.dropFirst(bom.length).prefix(2048), label: bom.encoding) ?? ""
            bytes = Array(text.utf8)[...]
        } else if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes = head.dropFirst(3)
        }
        var fields = 0
        var known = false
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(8) {
            if line.isEmpty || line == [0x0D] { break }
            if let first = line.first, first == 0x20 || first == 0x09 { continue }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                if fields == 0 && line.starts(with: Array("From ".utf8)) { continue }
                return false
            }
            fields += 1
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            if knownHeaders.contains(name) || name.hasPrefix("x-") { known = known || knownHeaders.contains(name) }
        }
        return fields >= 2 && known
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { EMLReader(input: input, context: context) }
    }
}

/// Maildir and Maildir++ folders (`cur/`, `new/`, `.Folder/`), read whole as bundles.
public struct MaildirAdapter: SourceAdapter {
    public init() {}
    public static let name = "maildir"

    public let descriptor = AdapterDescriptor(
        name: MaildirAdapter.name, family: "email", fileExtensions: [],
        summary:
            "Maildir and Maildir++ folders (cur/, new/, .Folder/; flags after 2,), one email per message or thread",
        supportsCursor: false, readsBundles: true)

    /// Maildir bookkeeping files, not messages.
    static func isBookkeeping(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("dovecot") || lower.hasPrefix("courierimap") || lower == "subscriptions"
            || lower == "maildirfolder" || lower == "maildirsize" || lower.hasPrefix(".")
    }

    public func sniff(_ probe: SourceProbe) -> SniffConfidence { .no }

    public func claimsBundle(memberPaths: [String]) -> Bool {
        let set = Set(memberPaths)
        // A folder's immediate children.
        if set.contains("cur/") && (set.contains("new/") || set.contains("tmp/")) { return true }
        if set.contains("new/") && set.contains("tmp/") { return true }
        // An archive's member paths: every file lies in a cur/, new/ or tmp/ folder (or is bookkeeping).
        var messages = 0
        for path in memberPaths where !path.hasSuffix("/") {
            let components = path.split(separator: "/")
            guard let name = components.last else { continue }
            if components.count >= 2, ["cur", "new", "tmp"].contains(components[components.count - 2]) {
                messages += 1
            } else if !Self.isBookkeeping(String(name)) {
                return false
            }
        }
        return messages > 0
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { EMLReader(input: input, context: context) }
    }

    public func read(bundle: SourceBundle, context: AdapterContext) -> AdapterOutputs {
        let options = EmailOptions(context)
        let builder = EmailDocumentBuilder(adapter: MaildirAdapter.name, context: context)
        if options.groupByThread {
            return AdapterOutputs {
                ThreadedReader(store: MaildirStore(bundle: bundle, options: options), builder: builder)
            }
        }
        return AdapterOutputs {
            MaildirMessageReader(store: MaildirStore(bundle: bundle, options: options), builder: builder)
        }
    }
}

// MARK: - Readers

func skipped(
    _ adapter: String, _ file: String, _ position: RecordPosition, _ code: String, _ message: String
) -> AdapterOutput {
    .skipped(SkippedRecord(adapter: adapter, file: file, position: position, code: code, message: message))
}

/// The skip of a message whose MIME walk gave up — over a budget (`--max-depth`, `--max-parts`), or out of time
/// (`--max-read-seconds`) — nil when it was read whole. Throws `CancellationError` when the run stops.
func budgetSkip(_ message: EmailMessage, adapter: String, file: String, position: RecordPosition) throws -> AdapterOutput? {
    do {
        try StopCheck.check()
    } catch let error as AdapterError {
        return skipped(adapter, file, position, error.code, error.message)
    }
    guard let over = message.overBudget else { return nil }
    let error = InputBudgets.current.exceeded(over.budget, over.what, file: file, position: position)
    return skipped(adapter, file, position, error.code, error.message)
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
            MboxAdapter.name, file, RecordPosition(byteOffset: framed.offset), "no_from_line",
            "\(framed.length) bytes before the first From_ line (or with none at all) are not a message: the file is not an mbox or its start is damaged; an .eml file should be named .eml"
        )
    case .oversize:
        return skipped(
            MboxAdapter.name, file, RecordPosition(byteOffset: framed.offset, recordIndex: index), "message_too_large",
            "a message of \(framed.length) bytes is over the \(maxBytes)-byte limit; raise it with --adapter-option max-message-bytes=N"
        )
    case .message:
        return nil
    }
}

/// mbox, one document per message, streaming, resumable from a byte offset.
final class MboxMessageReader: RecordReader {
    private let input: SourceInput
    private let options: EmailOptions
    private let builder: EmailDocumentBuilder
    private let cursor: SourceCursor?
    private var framer: MboxFramer?
    private var index = 0
    private var outputs = 0
    private var finished = false
    private var tracker = ThreadTracker()

    init(input: SourceInput, context: AdapterContext, options: EmailOptions, cursor: SourceCursor?) {
        self.input = input
        self.options = options
        self.cursor = cursor
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
            return try StopCheck.withFreshDeadline(file: input.displayPath) { try output(framed) }
        }
        finished = true
        if outputs == 0 && cursor == nil {
            return skipped(
                MboxAdapter.name, input.displayPath, .wholeFile, "empty_mailbox",
                "the mailbox holds no messages; nothing to import")
        }
        return nil
    }

    private func output(_ framed: FramedMessage) throws -> AdapterOutput {
        let position = RecordPosition(byteOffset: framed.offset, recordIndex: index)
        let message = EmailMessage(bytes: framed.bytes, encoding: options.encoding)
        if let skip = try budgetSkip(message, adapter: MboxAdapter.name, file: input.displayPath, position: position) {
            return skip
        }
        guard message.headerCount > 0 else {
            return skipped(
                MboxAdapter.name, input.displayPath, position, "no_headers",
                "the message after the From_ line has no header fields (binary data or a damaged message); check the file around this byte offset"
            )
        }
        let source = MessageSource(
            file: input.displayPath, archiveEntry: input.archiveEntry, position: position,
            cursorAfter: SourceCursor(byteOffset: framed.nextOffset, recordIndex: index),
            fallbackDates: [("mbox From_ line", framed.envelopeDate)], fileModified: input.modificationDate)
        return .document(builder.document(message, threadID: tracker.threadID(for: message), source: source))
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
        } catch let error as AdapterError where error.code == "file_too_large" {
            return skipped(
                EMLAdapter.name, file, .wholeFile, "message_too_large",
                "the message is over the \(options.maxMessageBytes)-byte limit; raise it with --adapter-option max-message-bytes=N"
            )
        }
        guard let bytes = EMLReader.messageBytes(raw) else {
            return skipped(EMLAdapter.name, file, .wholeFile, "empty_file", "the file is empty; nothing to import")
        }
        let message = EmailMessage(bytes: bytes, encoding: options.encoding)
        if let skip = try budgetSkip(message, adapter: EMLAdapter.name, file: file, position: .wholeFile) { return skip }
        guard message.headerCount > 0 else {
            return skipped(
                EMLAdapter.name, file, .wholeFile, "no_headers",
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

// MARK: - Stores for thread grouping and maildir

/// Messages a thread grouping reads twice: once for the index (headers), once to render a thread.
protocol MessageStore: AnyObject {
    /// Visits every message (bytes) in order; returns the skips met on the way. `visit` returns whether the
    /// message was kept (it has headers).
    func scan(_ visit: (_ bytes: [UInt8]) -> Bool) throws -> [AdapterOutput]
    /// The `n`-th kept message (0-based, in scan order) again, with where it came from.
    func fetch(_ n: Int) throws -> (bytes: [UInt8], source: MessageSource)?
    /// A skip for a message dropped as a repeat of another in its thread.
    func duplicateSkip(_ n: Int) -> AdapterOutput
}

/// An mbox for thread grouping: message offsets from a first pass, then random access (a stream that cannot seek
/// is first copied to a temporary file).
final class MboxStore: MessageStore {
    private let input: SourceInput
    private let options: EmailOptions
    private var source: (any ByteSource)?
    private var spill: URL?
    private var locations: [(offset: Int64, length: Int64, index: Int, envelope: EmailDate.Epoch?)] = []

    init(input: SourceInput, options: EmailOptions) {
        self.input = input
        self.options = options
    }

    deinit { if let spill { try? FileManager.default.removeItem(at: spill) } }

    private func seekableSource() throws -> any ByteSource {
        if let source { return source }
        let opened = try input.open()
        if opened.canSeek {
            source = opened
            return opened
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-mbox-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        spill = url
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        while true {
            let chunk = try opened.read(maxLength: 1 << 20)
            if chunk.isEmpty { break }
            try handle.write(contentsOf: chunk)
        }
        let file = try FileByteSource(path: url.path)
        source = file
        return file
    }

    func scan(_ visit: ([UInt8]) -> Bool) throws -> [AdapterOutput] {
        let source = try seekableSource()
        try source.seek(to: 0)
        let framer = MboxFramer(
            source: source, startOffset: 0, maxMessageBytes: options.maxMessageBytes, unescape: options.unescape)
        var skips: [AdapterOutput] = []
        var index = 0
        while let framed = try framer.next() {
            if framed.kind != .preamble { index += 1 }
            if framed.kind != .message {
                if let skip = nonMessageOutput(
                    framed, file: input.displayPath, index: index, maxBytes: options.maxMessageBytes)
                {
                    skips.append(skip)
                }
                continue
            }
            if visit(framed.bytes) {
                locations.append((framed.offset, framed.length, index, framed.envelopeDate))
            } else {
                skips.append(
                    skipped(
                        MboxAdapter.name, input.displayPath,
                        RecordPosition(byteOffset: framed.offset, recordIndex: index),
                        "no_headers",
                        "the message after the From_ line has no header fields (binary data or a damaged message); check the file around this byte offset"
                    ))
            }
        }
        if index == 0 && skips.isEmpty {
            skips.append(
                skipped(
                    MboxAdapter.name, input.displayPath, .wholeFile, "empty_mailbox",
                    "the mailbox holds no messages; nothing to import"))
        }
        return skips
    }

    func fetch(_ n: Int) throws -> (bytes: [UInt8], source: MessageSource)? {
        let location = locations[n]
        let source = try seekableSource()
        try source.seek(to: location.offset)
        var raw: [UInt8] = []
        raw.reserveCapacity(Int(location.length))
        while raw.count < Int(location.length) {
            let chunk = try source.read(maxLength: Int(location.length) - raw.count)
            if chunk.isEmpty { break }
            raw += chunk
        }
        let framer = MboxFramer(
            source: MemoryByteSource(raw), startOffset: location.offset, maxMessageBytes: Int.max,
            unescape: options.unescape)
        guard let framed = try framer.next(), framed.kind == .message else { return nil }
        return (
            framed.bytes,
            MessageSource(
                file: input.displayPath, archiveEntry: input.archiveEntry,
                position: RecordPosition(byteOffset: location.offset, recordIndex: location.index),
                fallbackDates: [("mbox From_ line", location.envelope)], fileModified: input.modificationDate)
        )
    }

    func duplicateSkip(_ n: Int) -> AdapterOutput {
        let location = locations[n]
        return skipped(
            MboxAdapter.name, input.displayPath,
            RecordPosition(byteOffset: location.offset, recordIndex: location.index),
            "duplicate_message",
            "the same Message-ID appears earlier in this thread; the copy is left out of the thread document")
    }
}

/// A maildir's messages: `cur/` and `new/` of the root and of every sub-folder (`tmp/` is ignored).
final class MaildirStore: MessageStore {
    struct Member {
        var path: String
        var input: SourceInput
        var folder: String
        var flags: [String]
        var delivered: EmailDate.Epoch?
    }

    let bundle: SourceBundle
    let options: EmailOptions
    private(set) var members: [Member] = []
    private var kept: [Int] = []

    init(bundle: SourceBundle, options: EmailOptions) {
        self.bundle = bundle
        self.options = options
        var prefixes = Set<String>()
        var found: [(prefix: String, name: String, path: String, input: SourceInput)] = []
        for (path, input) in bundle.members {
            let components = path.split(separator: "/").map(String.init)
            guard components.count >= 2, ["cur", "new"].contains(components[components.count - 2]) else { continue }
            let name = components[components.count - 1]
            guard !MaildirAdapter.isBookkeeping(name) else { continue }
            let prefix = components.dropLast(2).joined(separator: "/")
            prefixes.insert(prefix)
            found.append((prefix, name, path, input))
        }
        let root = prefixes.min { $0.count != $1.count ? $0.count < $1.count : $0 < $1 } ?? ""
        func folder(_ prefix: String) -> String {
            if prefix == root { return "INBOX" }
            let last = prefix.split(separator: "/").last.map(String.init) ?? prefix
            if last.hasPrefix(".") {
                return last.dropFirst().split(separator: ".").joined(separator: "/")
            }
            return root.isEmpty ? prefix : String(prefix.dropFirst(root.count + 1))
        }
        members = found.sorted { ($0.prefix, $0.name) < ($1.prefix, $1.name) }.map { item in
            Member(
                path: item.path, input: item.input, folder: folder(item.prefix), flags: Self.flags(item.name),
                delivered: Self.deliveryTime(item.name))
        }
    }

    /// Flags after `2,` (`:2,` or `;2,` or `!2,`): P passed, R replied, S seen, T trashed, D draft, F flagged.
    static func flags(_ name: String) -> [String] {
        guard let range = name.range(of: "2,", options: .backwards), range.lowerBound > name.startIndex else {
            return []
        }
        let separator = name[name.index(before: range.lowerBound)]
        guard !separator.isLetter && !separator.isNumber else { return [] }
        let names: [Character: String] = [
            "P": "passed", "R": "replied", "S": "seen", "T": "trashed", "D": "draft", "F": "flagged",
        ]
        return name[range.upperBound...].compactMap { names[$0] }
    }

    /// The delivery time maildir names start with (`1420452103.M…`).
    static func deliveryTime(_ name: String) -> EmailDate.Epoch? {
        let digits = name.prefix { $0.isNumber }
        guard digits.count >= 9 && digits.count <= 10, let value = Int64(digits) else { return nil }
        return value
    }

    func read(_ member: Member) throws -> [UInt8]? {
        do {
            return EMLReader.messageBytes(
                try member.input.open().readAll(limit: options.maxMessageBytes, file: member.input.displayPath))
        } catch let error as AdapterError where error.code == "file_too_large" {
            return nil
        }
    }

    func source(_ member: Member, index: Int) -> MessageSource {
        MessageSource(
            file: member.input.displayPath, archiveEntry: member.input.archiveEntry,
            position: RecordPosition(recordIndex: index),
            fallbackDates: [("maildir delivery time", member.delivered)], fileModified: member.input.modificationDate,
            folder: member.folder, flags: member.flags)
    }

    /// A message's output in message mode, or its skip.
    func problem(_ member: Member, bytes: [UInt8]?, index: Int) -> AdapterOutput? {
        let position = RecordPosition(recordIndex: index)
        guard let bytes else {
            return skipped(
                MaildirAdapter.name, member.input.displayPath, position, "message_too_large",
                "the message is over the \(options.maxMessageBytes)-byte limit (or empty); raise it with --adapter-option max-message-bytes=N"
            )
        }
        if bytes.isEmpty {
            return skipped(
                MaildirAdapter.name, member.input.displayPath, position, "empty_file", "the message file is empty")
        }
        return nil
    }

    func scan(_ visit: ([UInt8]) -> Bool) throws -> [AdapterOutput] {
        var skips: [AdapterOutput] = []
        for (i, member) in members.enumerated() {
            let bytes = try? read(member)
            if let problem = problem(member, bytes: bytes ?? nil, index: i + 1) {
                skips.append(problem)
                continue
            }
            if let bytes = bytes ?? nil, visit(bytes) {
                kept.append(i)
            } else {
                skips.append(
                    skipped(
                        MaildirAdapter.name, member.input.displayPath, RecordPosition(recordIndex: i + 1), "no_headers",
                        "the file has no mail header fields; it is not an email message"))
            }
        }
        return skips
    }

    func fetch(_ n: Int) throws -> (bytes: [UInt8], source: MessageSource)? {
        let i = kept[n]
        guard let bytes = try read(members[i]) else { return nil }
        return (bytes, source(members[i], index: i + 1))
    }

    func duplicateSkip(_ n: Int) -> AdapterOutput {
        let i = kept[n]
        return skipped(
            MaildirAdapter.name, members[i].input.displayPath, RecordPosition(recordIndex: i + 1), "duplicate_message",
            "the same Message-ID appears earlier in this thread; the copy is left out of the thread document")
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
                MaildirAdapter.name, store.bundle.displayPath, .wholeFile, "empty_mailbox",
                "the maildir holds no messages in cur/ or new/; nothing to import")
        }
        guard index < store.members.count else { return nil }
        let member = store.members[index]
        index += 1
        let bytes: [UInt8]?
        do {
            bytes = try store.read(member)
        } catch let error as AdapterError {
            return skipped(
                MaildirAdapter.name, error.file, RecordPosition(recordIndex: index), error.code, error.message)
        }
        if let problem = store.problem(member, bytes: bytes, index: index) { return problem }
        let message = EmailMessage(bytes: bytes ?? [], encoding: builder.encoding)
        if let skip = try budgetSkip(
            message, adapter: MaildirAdapter.name, file: member.input.displayPath,
            position: RecordPosition(recordIndex: index))
        {
            return skip
        }
        guard message.headerCount > 0 else {
            return skipped(
                MaildirAdapter.name, member.input.displayPath, RecordPosition(recordIndex: index), "no_headers",
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
                let message = EmailMessage(bytes: fetched.bytes, encoding: builder.encoding)
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
