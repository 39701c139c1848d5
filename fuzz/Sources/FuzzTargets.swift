import BackfillArchiveAdapter
import BackfillChatAdapter
import BackfillClean
import BackfillCore
import BackfillDocumentAdapter
import BackfillEmailAdapter
import BackfillMarkup
import BackfillRequestsAdapter
import BackfillTranscriptAdapter
import Dispatch
import Foundation

/// One parser under fuzzing: a name (`FUZZ_TARGET`, the replay driver's first argument) and what it does with an
/// input. A target must return for every input; a trap, a sanitizer report, a hang past libFuzzer's `-timeout` or
/// memory past `-rss_limit_mb` is a finding.
struct FuzzTarget: Sendable {
    var name: String
    /// The dictionary under `fuzz/dict/` (without `.dict`), if the format has one.
    var dictionary: String?
    var run: @Sendable ([UInt8]) -> Void
}

/// A finding that is not a crash: the parser returned, but broke one of its own invariants.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    print("fuzz invariant broken: \(message())")
    abort()
}

enum FuzzTargets {
    static let all: [FuzzTarget] = email + json + chat + transcripts + markup + archive + core

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    // MARK: Email

    static let email: [FuzzTarget] = [
        // Framing must not depend on where the read chunks end: a 1 MiB chunk and a tiny one frame alike.
        FuzzTarget(name: "mbox", dictionary: "mail") { data in
            let whole = frames(data, chunkSize: 1 << 20)
            let small = frames(data, chunkSize: 1 + data.count % 61)
            invariant(whole == small, "mbox framing differs between chunk sizes")
        },
        FuzzTarget(name: "mime", dictionary: "mail") { data in
            let message = EmailMessage(bytes: data)
            _ = message.rendered(fallbackDate: nil)
        },
        FuzzTarget(name: "headers", dictionary: "mail") { data in
            let slice = data[...]
            _ = HeaderText.decode(data)
            _ = HeaderText.unfold(slice)
            _ = HeaderText.addresses(slice).map(\.display)
            _ = HeaderText.messageIDs(slice)
            _ = HeaderText.gmailLabels(slice)
            _ = HeaderText.imapLabels(slice)
            _ = ContentType.parseValue(data)
        },
        FuzzTarget(name: "email-date", dictionary: "mail") { data in
            if let epoch = EmailDate.parse(String(decoding: data, as: UTF8.self)) { _ = EmailDate.iso(epoch) }
            if let epoch = EmailDate.parseFromLine(data[...]).epoch { _ = EmailDate.iso(epoch) }
        },
    ]

    static func frames(_ data: [UInt8], chunkSize: Int) -> [[UInt8]]? {
        let framer = MboxFramer(
            source: MemoryByteSource(data), startOffset: 0, maxMessageBytes: 1 << 16, unescape: true,
            chunkSize: chunkSize)
        var out: [[UInt8]] = []
        do {
            while let message = try framer.next() { out.append(message.bytes) }
        } catch {
            return nil
        }
        return out
    }

    // MARK: JSON

    static let json: [FuzzTarget] = [
        FuzzTarget(name: "json", dictionary: "json") { data in
            _ = try? JSONBytesParser.parse(data[...])
            _ = try? JSONBytesParser.parseTopLevel(data[...])
        },
        // Like mbox framing, element framing must not depend on chunk boundaries.
        FuzzTarget(name: "json-array", dictionary: "json") { data in
            for path in [[], ["messages"], ["chats", "list"]] {
                let whole = elements(data, path: path, chunkSize: 1 << 20)
                let small = elements(data, path: path, chunkSize: 1 + data.count % 31)
                invariant(whole == small, "JSON array framing differs between chunk sizes (path \(path))")
            }
        },
    ]

    static func elements(_ data: [UInt8], path: [String], chunkSize: Int) -> [[UInt8]]? {
        let stream = JSONArrayStream(source: MemoryByteSource(data), path: path, chunkSize: chunkSize)
        var out: [[UInt8]] = []
        do {
            while let element = try stream.next() { out.append(element.bytes) }
        } catch {
            return nil
        }
        return out
    }

    // MARK: Chat

    static let chat: [FuzzTarget] = [
        adapter("chatgpt", ChatGPTAdapter(), "conversations.json"),
        adapter("claude", ClaudeAdapter(), "conversations.json"),
        // Read with `--strip quotes`: the quote rules (`ChatQuotes`) run on every message.
        adapter("discord", DiscordAdapter(), "Guild - general [111].json", context: stripContext),
        adapter("telegram", TelegramAdapter(), "result.json", context: stripContext),
        adapter("messenger", MessengerAdapter(), "inbox/someone_1/message_1.json"),
        adapter("google-chat", GoogleChatAdapter(), "Google Chat/Groups/DM x/messages.json"),
        adapter("whatsapp", WhatsAppAdapter(), "WhatsApp Chat with Fuzz.txt", dictionary: nil),
        adapter("chat-spec", ChatSpecAdapter(), "chat.json", "chat.jsonl"),
        // A Slack export is a bundle: the input is its files separated by NUL bytes, in `slackLayout` order.
        FuzzTarget(name: "slack", dictionary: "json") { data in
            let parts = data.split(separator: 0, omittingEmptySubsequences: false)
            var members: [String: SourceInput] = [:]
            for (path, part) in zip(slackLayout, parts) {
                members[path] = SourceInput.bytes(Array(part), displayPath: "slack/" + path)
            }
            drain(
                SlackAdapter().read(
                    bundle: SourceBundle(displayPath: "slack", members: members), context: stripContext))
        },
    ]

    static let slackLayout = [
        "users.json", "channels.json", "dms.json", "general/2024-03-04.json", "general/2024-03-05.json",
        "D01AB/2024-03-04.json", "groups.json", "mpims.json",
    ]

    // MARK: Transcripts, requests

    static let transcripts: [FuzzTarget] = [
        adapter("webvtt", WebVTTAdapter(), "fuzz.vtt", dictionary: "webvtt"),
        adapter("srt", SRTAdapter(), "fuzz.srt", dictionary: "webvtt"),
        adapter("ttml", TTMLAdapter(), "fuzz.ttml", dictionary: "xml"),
        adapter("transcript-text", PlainTranscriptAdapter(), "fuzz.txt", dictionary: nil),
        adapter("requests-jsonl", RequestsJSONLAdapter(), "requests.jsonl"),
        adapter("enex", EvernoteAdapter(), "Notebook.enex", dictionary: "xml"),
    ]

    // MARK: Markup and charsets

    static let markup: [FuzzTarget] = [
        FuzzTarget(name: "html", dictionary: "html") { data in
            _ = HTMLText.convert(data)
        },
        // `LABEL\nBYTES`: a charset label (up to 40 bytes before the first newline), then the bytes to decode.
        FuzzTarget(name: "charset", dictionary: "charset") { data in
            let (label, bytes) = labelled(data)
            _ = Charset.byteOrderMark(data)
            _ = Charset.normalise(label ?? "")
            _ = Charset.decode(bytes, label: label)
            _ = Charset.decodeGuessing(data)
            _ = Charset.firstInvalidUTF8Offset(data)
            _ = Charset.windows1252(data)
            if let label { _ = Charset.iconvDecode(Array(bytes), from: label) }
            // The detection layer (uchardet, the sibling check, the confidence): no label, a declared one, an option.
            _ = Charset.decodeDetecting(data)
            _ = Charset.decodeDetecting(bytes, option: label)
            if let label { _ = Charset.decodeDeclared(bytes, label: label) }
        },
    ]

    /// Splits `LABEL\nBYTES` when a newline comes within the first 40 bytes.
    static func labelled(_ data: [UInt8]) -> (label: String?, bytes: ArraySlice<UInt8>) {
        guard let newline = data.prefix(40).firstIndex(of: 0x0A) else { return (nil, data[...]) }
        return (String(decoding: data[..<newline], as: UTF8.self), data[(newline + 1)...])
    }

    // MARK: Archives

    static let archive: [FuzzTarget] = [
        // Same `LABEL\nBYTES` shape as `charset`; an odd length says zip (CP437 default).
        FuzzTarget(name: "entry-names", dictionary: "charset") { data in
            let (label, bytes) = labelled(data)
            let name = EntryNames.decode(Array(bytes), encoding: label, isZip: data.count % 2 == 1)
            _ = EntryNames.unsafeReason(name)
            _ = EntryNames.isMacMetadata(EntryNames.normalise(name))
        },
        FuzzTarget(name: "archive", dictionary: nil) { data in
            var limits = ContainerLimits()
            limits.maxEntryBytes = 4 << 20
            limits.maxTotalBytes = 16 << 20
            limits.maxEntries = 10_000
            let input = SourceInput.bytes(data, displayPath: "fuzz.zip")
            let entries = ArchiveAdapter().entries(of: input, context: context, limits: limits)
            blocking {
                do {
                    for try await entry in entries {
                        guard case .file(let member) = entry else {
                            Tally.shared.add(skipped: 1)
                            continue
                        }
                        Tally.shared.add(documents: 1)
                        let source = try member.open()
                        while try !source.read(maxLength: 1 << 16).isEmpty {}
                    }
                } catch {
                    Tally.shared.add(errors: 1)
                }
            }
        },
    ]

    // MARK: Core

    static let core: [FuzzTarget] = [
        FuzzTarget(name: "timestamp", dictionary: nil) { data in
            let text = String(decoding: data, as: UTF8.self)
            _ = Timestamp.hasZone(text)
            if let date = Timestamp.parse(text) { _ = Timestamp.format(date) }
            if let date = Timestamp.parseDateTime(text) { _ = Timestamp.format(date) }
        },
        // `--redact`: a placeholder is never matched again — a second pass keeps every one. (A second pass may still
        // find a value the first did not: a replaced neighbour changes the context, e.g. an IPv4 address after an
        // IPv6-shaped run; fuzz findings of 2026-12-07, fuzz/regressions/redact/, left as they are.)
        FuzzTarget(name: "redact", dictionary: "redact") { data in
            let redactor = Redactor(kinds: Set(RedactionKind.allCases), key: Array(repeating: 7, count: 32))
            let once = redactor.redact(String(decoding: data, as: UTF8.self))
            let twice = redactor.redact(once.text)
            for kind in RedactionKind.allCases {
                let mark = "[\(kind.rawValue)-"
                let before = once.text.components(separatedBy: mark).count
                let after = twice.text.components(separatedBy: mark).count
                invariant(after >= before, "a second pass replaced a \(kind) placeholder: \(before - 1) → \(after - 1)")
            }
        },
        // Long documents into parts: the first byte sets the limit (4…259 bytes), the rest is the text; the pieces
        // concatenated are the text, each within the limit and not empty.
        FuzzTarget(name: "text-parts", dictionary: nil) { data in
            guard let first = data.first else { return }
            let limit = 4 + Int(first)
            let text = String(decoding: data.dropFirst(), as: UTF8.self)
            let pieces = TextParts.split(text, maxBytes: limit)
            invariant(pieces.joined() == text, "the parts do not concatenate to the text")
            invariant(
                pieces.allSatisfy { !$0.isEmpty && $0.utf8.count <= limit } || text.isEmpty,
                "a part is empty or over \(limit) bytes")
        },
        // `--strip`: removes lines, never adds any (the forward marker replaces its separator line).
        FuzzTarget(name: "strip", dictionary: "redact") { data in
            let text = String(decoding: data, as: UTF8.self)
            let (out, counts) = ReplyCleaner(kinds: Set(StripKind.allCases)).clean(text)
            // Lines by their `\n` bytes (a `\r\n` is one Character, so splitting the String miscounts CRLF text).
            let lines = text.utf8.count(where: { $0 == 0x0A }) + 1
            let left = out.utf8.count(where: { $0 == 0x0A }) + 1
            invariant(left <= lines, "stripping added lines: \(lines) → \(left)")
            invariant(counts.quotedLines + counts.signatureLines <= lines, "more lines removed than there were")
        },
    ]

    // MARK: Driving adapters

    static let context = AdapterContext(maxDocumentBytes: 256 << 10)
    static let stripContext = AdapterContext(maxDocumentBytes: 256 << 10, options: ["strip": "quotes"])

    /// A target that reads the input as a file named `fileName` (and each of `moreNames`) with `adapter`.
    static func adapter(
        _ name: String, _ adapter: any SourceAdapter, _ fileName: String, _ moreNames: String...,
        dictionary: String? = "json", context: AdapterContext = FuzzTargets.context
    ) -> FuzzTarget {
        FuzzTarget(name: name, dictionary: dictionary) { data in
            for path in [fileName] + moreNames {
                drain(adapter.read(SourceInput.bytes(data, displayPath: path), context: context, resumeFrom: nil))
            }
        }
    }

    /// Pulls every output; an error ends the source, as in the pipeline.
    static func drain(_ outputs: AdapterOutputs) {
        blocking {
            do {
                for try await output in outputs {
                    switch output {
                    case .document: Tally.shared.add(documents: 1)
                    case .skipped: Tally.shared.add(skipped: 1)
                    }
                }
            } catch {
                Tally.shared.add(errors: 1)
            }
        }
    }

    /// Runs async work to its end from the synchronous fuzzer callback.
    static func blocking(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        done.wait()
    }
}

/// What the adapter targets yielded, for the replay driver's summary (documents or archive entries, skipped
/// records, errors that ended a source).
final class Tally: @unchecked Sendable {
    static let shared = Tally()
    private let lock = NSLock()
    private var counts = (documents: 0, skipped: 0, errors: 0)

    func add(documents: Int = 0, skipped: Int = 0, errors: Int = 0) {
        lock.withLock {
            counts.documents += documents
            counts.skipped += skipped
            counts.errors += errors
        }
    }

    var summary: String {
        lock.withLock {
            "\(counts.documents) document(s)/entries, \(counts.skipped) skipped, \(counts.errors) error(s)"
        }
    }
}
