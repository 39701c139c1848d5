import BackfillClean
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
    /// `--strip quotes,signatures` (`context.options["strip"]`): what each message's body loses. Empty: nothing.
    var strip: Set<StripKind>

    init(_ context: AdapterContext) {
        strip = Self.stripKinds(context.options["strip"])
        encoding = context.options["encoding"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let group = context.options["group-by"]?.lowercased()
        groupByThread = group == "thread" || group == "conversation"
        maxMessageBytes = context.options["max-message-bytes"].flatMap { Int($0) }.map { max(1024, $0) } ?? 512 << 20
        let unescapeOption = context.options["mbox-unescape"]?.lowercased()
        unescape = !(unescapeOption == "false" || unescapeOption == "no" || unescapeOption == "0")
    }

    /// The kinds named in a `--strip` list (see ``ReplyCleaner/optionKinds(_:)``).
    static func stripKinds(_ list: String?) -> Set<StripKind> { ReplyCleaner.optionKinds(list) }
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
        // A message whose text is over the size limit becomes `#part-N` documents (cut at paragraphs).
        return AdapterOutputs {
            LongDocumentSplitter(
                MboxMessageReader(input: input, context: context, options: options, cursor: cursor),
                maxBytes: context.maxDocumentBytes)
        }
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
        AdapterOutputs {
            LongDocumentSplitter(EMLReader(input: input, context: context), maxBytes: context.maxDocumentBytes)
        }
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
        AdapterOutputs {
            LongDocumentSplitter(EMLReader(input: input, context: context), maxBytes: context.maxDocumentBytes)
        }
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
            LongDocumentSplitter(
                MaildirMessageReader(store: MaildirStore(bundle: bundle, options: options), builder: builder),
                maxBytes: context.maxDocumentBytes)
        }
    }
}
