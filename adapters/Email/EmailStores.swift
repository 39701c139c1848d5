import BackfillCore
import BackfillMarkup
import Foundation

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
                        EmailSkipCode.noHeaders,
                        "the message after the From_ line has no header fields (binary data or a damaged message); check the file around this byte offset"
                    ))
            }
        }
        if index == 0 && skips.isEmpty {
            skips.append(
                skipped(
                    MboxAdapter.name, input.displayPath, .wholeFile, EmailSkipCode.emptyMailbox,
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
            EmailSkipCode.duplicateMessage,
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
        } catch let error as AdapterError where error.has(SkipCode.fileTooLarge) {
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
                MaildirAdapter.name, member.input.displayPath, position, EmailSkipCode.messageTooLarge,
                "the message is over the \(options.maxMessageBytes)-byte limit (or empty); raise it with --adapter-option max-message-bytes=N"
            )
        }
        if bytes.isEmpty {
            return skipped(
                MaildirAdapter.name, member.input.displayPath, position, SkipCode.emptyFile, "the message file is empty"
            )
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
                        MaildirAdapter.name, member.input.displayPath, RecordPosition(recordIndex: i + 1),
                        EmailSkipCode.noHeaders,
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
            MaildirAdapter.name, members[i].input.displayPath, RecordPosition(recordIndex: i + 1),
            EmailSkipCode.duplicateMessage,
            "the same Message-ID appears earlier in this thread; the copy is left out of the thread document")
    }
}
