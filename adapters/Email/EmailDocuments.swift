import BackfillClean
import BackfillCore
import Foundation

/// Where a message came from and the dates to fall back on, for building its document.
struct MessageSource {
    var file: String
    var archiveEntry: String?
    var position: RecordPosition
    var cursorAfter: SourceCursor?
    /// Fallback dates in order, after `Date:` and `Received:` (`mbox From_ line`, `maildir delivery time`, …).
    var fallbackDates: [(label: String, epoch: EmailDate.Epoch?)] = []
    var fileModified: Date?
    var folder: String?
    var flags: [String] = []
}

/// Builds documents from parsed messages: the field mapping, identity rule and scope mapping.
struct EmailDocumentBuilder {
    let adapter: String
    let context: AdapterContext
    /// `--strip`: what each message's body loses (read once, not per message).
    let strip: Set<StripKind>

    init(adapter: String, context: AdapterContext) {
        self.adapter = adapter
        self.context = context
        strip = EmailOptions.stripKinds(context.options["strip"])
    }

    /// `--encoding`, for parts without a trustworthy charset.
    var encoding: String? { EmailOptions(context).encoding }

    /// `email:<message-id lower-cased>`, else `email:<sha256 prefix>` of the stable content. The lower-casing is
    /// the identity rule ledgers were written with: it must not change (metadata keeps the id as written).
    static func documentID(_ message: EmailMessage) -> String {
        if let id = message.messageID { return "email:" + HeaderText.idKey(id) }
        return DocumentID.contentHash(prefix: "email", content: message.identityBytes)
    }

    /// The created-at date, its origin and the fallback used.
    static func createdAt(_ message: EmailMessage, source: MessageSource) -> (
        epoch: EmailDate.Epoch?, origin: TimestampOrigin, fallback: String?
    ) {
        if let date = message.date { return (date, .source, nil) }
        if let received = message.receivedDate { return (received, .fallback, "first Received header") }
        for candidate in source.fallbackDates {
            if let epoch = candidate.epoch { return (epoch, .fallback, candidate.label) }
        }
        if let modified = source.fileModified {
            return (EmailDate.Epoch(modified.timeIntervalSince1970.rounded(.down)), .fallback, "file modification time")
        }
        return (nil, .missing, nil)
    }

    static func addresses(_ list: [EmailAddress]) -> JSONValue {
        .array(list.filter { !$0.address.isEmpty }.map { .string($0.address) })
    }

    /// The metadata of one message.
    static func metadata(_ message: EmailMessage, threadID: String?, source: MessageSource) -> [String: JSONValue] {
        var metadata: [String: JSONValue] = [:]
        if let id = message.messageID { metadata["message_id"] = .string(id) }
        if let threadID { metadata["thread_id"] = .string(threadID) }
        if let reply = message.inReplyTo.first { metadata["in_reply_to"] = .string(reply) }
        if let sender = message.from.first {
            metadata["from"] = .string(sender.address)
            if !sender.name.isEmpty { metadata["from_name"] = .string(sender.name) }
        }
        if !message.to.isEmpty { metadata["to"] = addresses(message.to) }
        if !message.cc.isEmpty { metadata["cc"] = addresses(message.cc) }
        if let subject = message.subject { metadata["subject"] = .string(subject) }
        if !message.labels.isEmpty { metadata["labels"] = .array(message.labels.map(JSONValue.string)) }
        if let folder = source.folder { metadata["folder"] = .string(folder) }
        if !source.flags.isEmpty { metadata["flags"] = .array(source.flags.map(JSONValue.string)) }
        if !message.attachments.isEmpty { metadata["attachments"] = .array(message.attachments.map(\.json)) }
        if !message.forwarded.isEmpty { metadata["forwarded_messages"] = .array(message.forwarded.map(\.json)) }
        if !message.warnings.isEmpty { metadata["warnings"] = .array(message.warnings.map(JSONValue.string)) }
        if !message.stripped.isEmpty { metadata["stripped"] = message.stripped.metadataValue }
        return metadata
    }

    /// Sets the thread id of a message document built without one (as ``metadata(_:threadID:source:)`` would have).
    static func setThreadID(_ threadID: String, of document: inout MemoryDocument) {
        guard case .object(var metadata) = document.request.metadata else { return }
        document.request.metadata = nil
        metadata["thread_id"] = .string(threadID)
        document.request.metadata = .object(metadata)
    }

    /// Applies the identity map: From, then To, then Cc.
    func applyIdentity(_ request: inout CreateMemoryRequest, people: [EmailAddress]) {
        guard !context.identities.isEmpty,
            let identity = context.identities.firstIdentity(among: people.map(\.address).filter { !$0.isEmpty })
        else { return }
        if let user = identity.userID { request.userID = user }
        if let customer = identity.customerID { request.customerID = customer }
    }

    func document(_ message: EmailMessage, threadID: String?, source: MessageSource) -> MemoryDocument {
        let created = Self.createdAt(message, source: source)
        let iso = created.epoch.map(EmailDate.iso)
        var text = message.rendered(fallbackDate: created.origin == .source ? nil : iso)
        if ByteSearch.containsNUL(&text) { text.removeAll { $0 == "\u{0}" } }
        var request = CreateMemoryRequest(
            document: text, documentType: .email, documentID: Self.documentID(message), documentCreatedAt: iso,
            metadata: Self.metadata(message, threadID: threadID, source: source))
        applyIdentity(&request, people: message.from + message.to + message.cc)
        var document = MemoryDocument(
            request: request,
            provenance: Provenance(
                adapter: adapter, file: source.file, archiveEntry: source.archiveEntry, position: source.position),
            createdAtOrigin: created.origin, createdAtFallback: created.fallback, cursorAfter: source.cursorAfter)
        document.charset = message.charset
        return document
    }

    /// One document per thread (split into `#part-N` documents past the size limit), messages in date order.
    func threadDocuments(_ messages: [(message: EmailMessage, source: MessageSource)]) -> [MemoryDocument] {
        guard let first = messages.first else { return [] }
        let root = first.message
        let rootID: String
        if let named = root.namedRoot {
            rootID = "email-thread:" + HeaderText.idKey(named)
        } else {
            rootID = DocumentID.contentHash(prefix: "email-thread", content: root.identityBytes)
        }
        let threadID = messages.lazy.compactMap(\.message.gmThreadID).first ?? root.namedRoot.map(HeaderText.idKey)
        let created = Self.createdAt(root, source: first.source)
        let subject = root.subject ?? messages.lazy.compactMap(\.message.subject).first
        let (blocks, metadata) = Self.threadContents(messages, root: root, threadID: threadID, subject: subject)
        let title =
            "Email thread: \(subject ?? "(no subject)") (\(messages.count) message\(messages.count == 1 ? "" : "s"))"
        let separator = "\n\n---\n\n"
        let parts = Self.parts(blocks, title: title, separator: separator, maxBytes: context.maxDocumentBytes)
        let iso = created.epoch.map(EmailDate.iso)
        var documents: [MemoryDocument] = []
        for (n, part) in parts.enumerated() {
            var partMetadata = metadata
            var id = rootID
            var heading = title
            if parts.count > 1 {
                id = DocumentID.part(rootID, n + 1)
                partMetadata["part"] = .integer(Int64(n + 1))
                partMetadata["parts"] = .integer(Int64(parts.count))
                heading += " — part \(n + 1) of \(parts.count)"
            }
            var request = CreateMemoryRequest(
                document: heading + "\n\n" + part.joined(separator: separator), documentType: .email, documentID: id,
                documentCreatedAt: iso, metadata: partMetadata)
            applyIdentity(&request, people: root.from + root.to + root.cc)
            var document = MemoryDocument(
                request: request,
                provenance: Provenance(
                    adapter: adapter, file: first.source.file, archiveEntry: first.source.archiveEntry,
                    position: first.source.position),
                createdAtOrigin: created.origin, createdAtFallback: created.fallback)
            document.charset = messages.compactMap(\.message.charset).min { $0.confidence < $1.confidence }
            documents.append(document)
        }
        return documents
    }

    /// The thread's messages rendered as blocks, and the thread's metadata (participants, labels, attachments,
    /// folders and warnings of all its messages).
    static func threadContents(
        _ messages: [(message: EmailMessage, source: MessageSource)], root: EmailMessage, threadID: String?,
        subject: String?
    ) -> (blocks: [String], metadata: [String: JSONValue]) {
        var blocks: [String] = []
        var participants: [String] = []
        var seenPeople = Set<String>()
        var labels: [String] = []
        var attachments: [JSONValue] = []
        var folders: [String] = []
        var warnings: [String] = []
        var stripped = StripCounts()
        for (message, source) in messages {
            // Each block is the message's own text: `--strip` cleaned its body when it was parsed.
            stripped = stripped + message.stripped
            let date = Self.createdAt(message, source: source)
            let fallback = date.origin == .source ? nil : date.epoch.map(EmailDate.iso)
            var block = message.rendered(fallbackDate: fallback)
            if ByteSearch.containsNUL(&block) { block.removeAll { $0 == "\u{0}" } }
            blocks.append(block)
            for person in message.from + message.to + message.cc where !person.address.isEmpty {
                // One entry per address whatever its case, as first written.
                if seenPeople.insert(person.address.lowercased()).inserted { participants.append(person.address) }
            }
            for label in message.labels where !labels.contains(label) { labels.append(label) }
            attachments += message.attachments.map(\.json)
            if let folder = source.folder, !folders.contains(folder) { folders.append(folder) }
            for warning in message.warnings where !warnings.contains(warning) { warnings.append(warning) }
        }
        var metadata: [String: JSONValue] = [
            "message_count": .integer(Int64(messages.count)),
            "message_ids": .array(messages.compactMap(\.message.messageID).map(JSONValue.string)),
            "participants": .array(participants.map(JSONValue.string)),
        ]
        if let threadID { metadata["thread_id"] = .string(threadID) }
        if let named = root.namedRoot { metadata["root_message_id"] = .string(named) }
        if let subject { metadata["subject"] = .string(subject) }
        if !labels.isEmpty { metadata["labels"] = .array(labels.map(JSONValue.string)) }
        if !attachments.isEmpty { metadata["attachments"] = .array(attachments) }
        if !folders.isEmpty { metadata["folders"] = .array(folders.map(JSONValue.string)) }
        if !warnings.isEmpty { metadata["warnings"] = .array(warnings.map(JSONValue.string)) }
        if !stripped.isEmpty { metadata["stripped"] = stripped.metadataValue }
        return (blocks, metadata)
    }

    /// The blocks split at message boundaries into parts that fit the document limit with the title; a message
    /// over the limit by itself is cut at paragraphs (``TextParts``), its pieces in parts of their own.
    static func parts(_ blocks: [String], title: String, separator: String, maxBytes: Int) -> [[String]] {
        var parts: [[String]] = [[]]
        let room = max(64, maxBytes - title.utf8.count - 2 - separator.utf8.count)
        var size = title.utf8.count + 2
        for block in blocks.flatMap({
            $0.utf8.count > room ? TextParts.split($0, maxBytes: room).map(String.init) : [$0]
        }) {
            let cost = block.utf8.count + separator.utf8.count
            if size + cost > maxBytes && !(parts.last?.isEmpty ?? true) {
                parts.append([])
                size = title.utf8.count + 2
            }
            parts[parts.count - 1].append(block)
            size += cost
        }
        return parts
    }
}

/// Thread roots for message documents read one at a time: X-GM-THRID when present, else the first References
/// id, else the In-Reply-To id resolved through the messages seen so far (a capped map), else the message itself.
struct ThreadTracker {
    private var roots: [String: String] = [:]
    private let cap: Int

    init(cap: Int = 200_000) { self.cap = cap }

    /// The ids of a message a thread id is settled from, kept apart so the message need not be (mbox messages are
    /// parsed on other tasks and only these wait for the messages before).
    struct Keys: Sendable {
        var messageID: String?
        var firstReference: String?
        var inReplyTo: String?
        var gmThreadID: String?

        init(_ message: EmailMessage) {
            messageID = message.messageID.map(HeaderText.idKey)
            firstReference = message.references.first.map(HeaderText.idKey)
            inReplyTo = message.inReplyTo.first.map(HeaderText.idKey)
            gmThreadID = message.gmThreadID
        }
    }

    /// Ids are compared, and the thread id given, by ``HeaderText/idKey(_:)``: mailers that change an id's case
    /// in References still land in one thread.
    mutating func threadID(for message: EmailMessage) -> String? {
        threadID(for: Keys(message))
    }

    mutating func threadID(for keys: Keys) -> String? {
        var root: String?
        if let first = keys.firstReference {
            root = roots[first] ?? first
        } else if let parent = keys.inReplyTo {
            root = roots[parent] ?? parent
        } else {
            root = keys.messageID
        }
        if let id = keys.messageID, let root {
            if roots.count >= cap { roots.removeAll(keepingCapacity: true) }
            roots[id] = root
        }
        return keys.gmThreadID ?? root
    }
}

/// Groups messages into threads with union-find over 64-bit hashes of their ids (Message-ID, first
/// References id, In-Reply-To id, X-GM-THRID): about 100 bytes per message, whatever the message sizes.
struct ThreadIndex {
    struct Entry {
        var date: EmailDate.Epoch?
        var messageKey: UInt64?
    }

    private(set) var entries: [Entry] = []
    private var parent: [Int32] = []
    private var nodes: [UInt64: Int32] = [:]
    private var messageNodes: [Int32] = []

    private mutating func node(_ key: UInt64) -> Int32 {
        if let existing = nodes[key] { return existing }
        let id = Int32(parent.count)
        parent.append(id)
        nodes[key] = id
        return id
    }

    private mutating func find(_ x: Int32) -> Int32 {
        var root = x
        while parent[Int(root)] != root { root = parent[Int(root)] }
        var current = x
        while parent[Int(current)] != root {
            let next = parent[Int(current)]
            parent[Int(current)] = root
            current = next
        }
        return root
    }

    private mutating func union(_ a: Int32, _ b: Int32) {
        let ra = find(a)
        let rb = find(b)
        if ra != rb { parent[Int(max(ra, rb))] = min(ra, rb) }
    }

    /// Adds a message (from its headers only).
    mutating func add(_ entity: MIMEEntity) {
        let headers = entity.headers
        let id = headers.raw("message-id").flatMap { HeaderText.messageIDs($0).first }.map(HeaderText.idKey)
        var keys: [UInt64] = []
        if let id { keys.append(ByteSearch.fnv1a(id)) }
        if let raw = headers.raw("references"), let first = HeaderText.messageIDs(raw).first {
            keys.append(ByteSearch.fnv1a(HeaderText.idKey(first)))
        }
        if let raw = headers.raw("in-reply-to"), let first = HeaderText.messageIDs(raw).first {
            keys.append(ByteSearch.fnv1a(HeaderText.idKey(first)))
        }
        if let raw = headers.raw("x-gm-thrid") {
            let thread = HeaderText.unfold(raw)
            if !thread.isEmpty { keys.append(ByteSearch.fnv1a("x-gm-thrid:" + thread)) }
        }
        let own: Int32
        if keys.isEmpty {
            own = Int32(parent.count)
            parent.append(own)
        } else {
            own = node(keys[0])
            for key in keys.dropFirst() { union(own, node(key)) }
        }
        messageNodes.append(own)
        let date = headers.text("date").flatMap(EmailDate.parse)
        entries.append(Entry(date: date, messageKey: id.map(ByteSearch.fnv1a)))
    }

    /// Threads as lists of message indices: threads in order of their first message, messages by date (undated
    /// ones in file order after the dated ones before them), repeated Message-IDs dropped (counted).
    mutating func threads() -> (threads: [[Int]], duplicates: [Int]) {
        var byRoot: [Int32: Int] = [:]
        var threads: [[Int]] = []
        for (index, node) in messageNodes.enumerated() {
            let root = find(node)
            if let slot = byRoot[root] {
                threads[slot].append(index)
            } else {
                byRoot[root] = threads.count
                threads.append([index])
            }
        }
        var duplicates: [Int] = []
        let entries = self.entries
        for t in threads.indices {
            var seen = Set<UInt64>()
            var kept: [(index: Int, date: EmailDate.Epoch)] = []
            var previous = EmailDate.Epoch.min
            for index in threads[t] {
                if let key = entries[index].messageKey, !seen.insert(key).inserted {
                    duplicates.append(index)
                    continue
                }
                // An undated message stays after the message before it in the file.
                let date = entries[index].date ?? previous
                previous = date
                kept.append((index, date))
            }
            kept.sort { $0.date != $1.date ? $0.date < $1.date : $0.index < $1.index }
            threads[t] = kept.map(\.index)
        }
        return (threads, duplicates.sorted())
    }
}
