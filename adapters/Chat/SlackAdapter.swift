import BackfillClean
import BackfillCore
import Foundation

/// Slack workspace export (a folder or a zip): `users.json`, `channels.json` (and `groups.json`, `dms.json`,
/// `mpims.json` in full exports), one folder per conversation with `YYYY-MM-DD.json` day files. Read as a bundle.
/// Grouping (`--group-by`): `thread` (default: each thread one document, other messages by day), `day`, `channel`.
/// See `adapters/Chat/README.md#slack`.
public struct SlackAdapter: SourceAdapter {
    public init() {}

    public static let name = "slack"

    public let descriptor = AdapterDescriptor(
        name: SlackAdapter.name, family: "chat", fileExtensions: [],
        summary: "Slack workspace export folder or zip (users, channels, private channels, DMs; threads grouped)",
        supportsCursor: false, readsBundles: true)

    /// Day files are read only as part of their export (the bundle).
    public func sniff(_ probe: SourceProbe) -> SniffConfidence { .no }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        .just([])
    }

    static let listFiles = ["channels.json", "groups.json", "dms.json", "mpims.json"]

    /// The folder (prefix ending in `/`, or empty) holding `users.json` and a conversation list.
    static func root(of paths: [String]) -> String? {
        var prefixes: [String: (users: Bool, lists: Bool)] = [:]
        for path in paths {
            let name = (path as NSString).lastPathComponent
            let prefix = String(path.dropLast(name.count))
            guard prefix.split(separator: "/").count <= 1 else { continue }
            if name == "users.json" || name == "org_users.json" {
                prefixes[prefix, default: (false, false)].users = true
            }
            if listFiles.contains(name) { prefixes[prefix, default: (false, false)].lists = true }
        }
        return prefixes.filter { $0.value.users && $0.value.lists }.keys.sorted().first
    }

    /// Slack markup made readable (`<@U1>` → `@name`, `<url|label>` → `label (url)`, `&amp;` → `&`).
    public static func render(_ text: String, users: [String: String] = [:], channels: [String: String] = [:]) -> String
    {
        SlackBundleReader.render(text, users: users, channels: channels)
    }

    public func claimsBundle(memberPaths: [String]) -> Bool {
        Self.root(of: memberPaths) != nil
    }

    public func read(bundle: SourceBundle, context: AdapterContext) -> AdapterOutputs {
        AdapterOutputs {
            let state = SlackBundleReader(bundle: bundle, context: context)
            return QueueReader { try state.nextChannel() }
        }
    }
}

/// Per-bundle state: the workspace's names, then one conversation folder at a time.
final class SlackBundleReader {
    struct Conversation {
        var id: String
        var name: String
        var kind: String
        var folder: String
        var topic: String?
    }

    struct Message {
        var ts: String
        var time: Date?
        var threadTS: String?
        var speaker: String
        var text: String
        var file: String
        var index: Int
        var stripped = StripCounts()
    }

    enum Grouping: String { case thread, day, channel }

    private let bundle: SourceBundle
    private let context: AdapterContext
    private let grouping: Grouping
    private let keepNoise: Bool
    private let keepBots: Bool
    private let quotes: ChatQuotes
    private var prepared = false
    private var conversations: [Conversation] = []
    private var conversationIndex = 0
    private var users: [String: String] = [:]
    private var channelNames: [String: String] = [:]
    private var root = ""
    private var setupOutputs: [AdapterOutput] = []

    static let noiseSubtypes: Set<String> = [
        "channel_join", "channel_leave", "group_join", "group_leave", "bot_add", "bot_remove", "channel_purpose",
        "channel_topic", "channel_name", "group_purpose", "group_topic", "group_name", "channel_archive",
        "channel_unarchive", "group_archive", "group_unarchive", "pinned_item", "unpinned_item", "reminder_add",
        "joiner_notification", "sh_room_created", "huddle_thread", "tombstone",
    ]

    init(bundle: SourceBundle, context: AdapterContext) {
        self.bundle = bundle
        self.context = context
        let option = context.options["group-by"]?.lowercased()
        grouping = option.flatMap(Grouping.init(rawValue:)) ?? (option == "conversation" ? .channel : .thread)
        keepNoise = context.options["slack-include-noise"] == "true"
        keepBots = context.options["slack-include-bots"] == "true"
        quotes = ChatQuotes(context: context)
    }

    private func builder(for path: String) -> ChatDocumentBuilder {
        ChatDocumentBuilder(
            adapter: SlackAdapter.name,
            input: SourceInputInfo(
                displayPath: "\(bundle.displayPath)/\(path)", fileName: (path as NSString).lastPathComponent),
            context: context)
    }

    private func json(_ path: String) -> Result<JSONValue, ElementParser.Problem>? {
        guard let input = bundle.members[path] else { return nil }
        do {
            let bytes = try input.open().readAll(limit: 512 << 20, file: input.displayPath)
            var slice = bytes[...]
            if slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
            return .success(try JSONBytesParser.parse(slice))
        } catch let error as JSONBytesParser.Failure {
            return .failure(
                ElementParser.Problem(
                    message: "not valid JSON: "
                        + error.message.replacingOccurrences(of: "end of line", with: "end of the file")))
        } catch {
            return .failure(ElementParser.Problem(message: "\(error)"))
        }
    }

    private func prepare() {
        prepared = true
        root = SlackAdapter.root(of: Array(bundle.members.keys)) ?? ""
        readUsers()
        let listed = readConversationLists()
        // Folders with day files that no list names (a list missing or broken): read them under their folder name.
        var folders = Set<String>()
        for path in bundle.members.keys where path.hasPrefix(root) {
            let rest = path.dropFirst(root.count).split(separator: "/")
            if rest.count == 2, rest[1].hasSuffix(".json") { folders.insert(String(rest[0])) }
        }
        for folder in folders.subtracting(listed).sorted() {
            conversations.append(Conversation(id: folder, name: folder, kind: "unlisted", folder: folder, topic: nil))
        }
        conversations.sort {
            ($0.kind == "unlisted" ? 1 : 0, $0.name, $0.id) < ($1.kind == "unlisted" ? 1 : 0, $1.name, $1.id)
        }
    }

    /// `users.json` and `org_users.json`: user ids to the names shown.
    private func readUsers() {
        for usersFile in ["users.json", "org_users.json"] {
            switch json(root + usersFile) {
            case .success(let value)?:
                for user in value.arrayValue ?? [] {
                    guard let id = user["id"]?.stringValue else { continue }
                    let name =
                        ChatText.string(user["profile"]?["display_name"]) ?? ChatText.string(user["real_name"])
                        ?? ChatText.string(user["profile"]?["real_name"]) ?? ChatText.string(user["name"]) ?? id
                    users[id] = name
                }
            case .failure(let problem)?:
                setupOutputs.append(
                    builder(for: root + usersFile).skip(
                        SkipCode.malformedJSON, "\(problem.message); user ids are shown instead of names",
                        at: .wholeFile))
            case nil: continue
            }
        }
    }

    /// The conversation lists (`channels.json`, `groups.json`, `mpims.json`, `dms.json`); returns the folders
    /// they name.
    private func readConversationLists() -> Set<String> {
        var listed = Set<String>()
        let kinds = [
            ("channels.json", "public_channel"), ("groups.json", "private_channel"), ("mpims.json", "group_dm"),
            ("dms.json", "dm"),
        ]
        for (file, kind) in kinds {
            switch json(root + file) {
            case .success(let value)?:
                for entry in value.arrayValue ?? [] {
                    guard let id = entry["id"]?.stringValue else { continue }
                    let name = ChatText.string(entry["name"]) ?? id
                    channelNames[id] = name
                    let folder = kind == "dm" ? id : name
                    listed.insert(folder)
                    var topic = ChatText.string(entry["purpose"]?["value"]) ?? ChatText.string(entry["topic"]?["value"])
                    if kind == "dm" || kind == "group_dm" {
                        let members = (entry["members"]?.arrayValue ?? []).compactMap { (member: JSONValue) in
                            member.stringValue
                        }.map {
                            users[$0] ?? $0
                        }
                        if !members.isEmpty { topic = "Between " + members.joined(separator: ", ") }
                    }
                    conversations.append(Conversation(id: id, name: name, kind: kind, folder: folder, topic: topic))
                }
            case .failure(let problem)?:
                setupOutputs.append(
                    builder(for: root + file).skip(
                        SkipCode.malformedJSON,
                        "\(problem.message); the conversations it lists are read by folder name only",
                        at: .wholeFile))
            case nil: continue
            }
        }
        return listed
    }

    /// Outputs of the next conversation folder; nil when all are done.
    func nextChannel() throws -> [AdapterOutput]? {
        if !prepared {
            prepare()
            if !setupOutputs.isEmpty { return setupOutputs }
        }
        guard conversationIndex < conversations.count else { return nil }
        let conversation = conversations[conversationIndex]
        conversationIndex += 1
        return read(conversation)
    }

    private func read(_ conversation: Conversation) -> [AdapterOutput] {
        let prefix = root + conversation.folder + "/"
        let dayFiles = bundle.members.keys.filter {
            $0.hasPrefix(prefix) && $0.hasSuffix(".json") && !$0.dropFirst(prefix.count).contains("/")
        }.sorted()
        var outputs: [AdapterOutput] = []
        var threads: [String: [Message]] = [:]
        var threadOrder: [String] = []
        var channelMessages: [Message] = []
        var filtered = 0
        for path in dayFiles {
            let day = String((path as NSString).lastPathComponent.dropLast(5))
            guard let entries = dayEntries(path, outputs: &outputs) else { continue }
            var dayMessages: [Message] = []
            for (index, entry) in entries.enumerated() {
                guard let message = self.message(entry, file: path, index: index + 1, filtered: &filtered) else {
                    continue
                }
                switch grouping {
                case .channel: channelMessages.append(message)
                case .day: dayMessages.append(message)
                case .thread:
                    if let thread = message.threadTS {
                        if threads[thread] == nil { threadOrder.append(thread) }
                        threads[thread, default: []].append(message)
                    } else {
                        dayMessages.append(message)
                    }
                }
            }
            if !dayMessages.isEmpty {
                dayMessages.sort { ($0.time ?? .distantPast, $0.index) < ($1.time ?? .distantPast, $1.index) }
                outputs += document(
                    conversation, key: day, messages: dayMessages, extra: ["day": .string(day)], path: path)
            }
        }
        outputs += threadDocuments(conversation, threads: threads, order: threadOrder)
        if !channelMessages.isEmpty {
            channelMessages.sort { ($0.time ?? .distantPast, $0.ts) < ($1.time ?? .distantPast, $1.ts) }
            outputs += document(
                conversation, key: nil, messages: channelMessages, extra: [:], path: channelMessages[0].file)
        }
        return outputs
    }

    /// A day file's messages, or nil (with a skip in `outputs`) when it is not a JSON array.
    private func dayEntries(_ path: String, outputs: inout [AdapterOutput]) -> [JSONValue]? {
        let value: JSONValue
        switch json(path) {
        case .success(let parsed)?: value = parsed
        case .failure(let problem)?:
            outputs.append(
                builder(for: path).skip(
                    SkipCode.malformedJSON, "\(problem.message); this day's messages are skipped, the other days go on",
                    at: .wholeFile))
            return nil
        case nil: return nil
        }
        guard let entries = value.arrayValue else {
            outputs.append(
                builder(for: path).skip(
                    ChatSkipCode.unexpectedShape,
                    "a day file should be a JSON array of messages, not a \(value.kindName)",
                    at: .wholeFile))
            return nil
        }
        return entries
    }

    /// `--group-by thread`: one document per thread, its messages in time order.
    private func threadDocuments(
        _ conversation: Conversation, threads: [String: [Message]], order threadOrder: [String]
    ) -> [AdapterOutput] {
        var outputs: [AdapterOutput] = []
        for thread in threadOrder {
            guard var messages = threads[thread] else { continue }
            messages.sort { ($0.time ?? .distantPast, $0.ts) < ($1.time ?? .distantPast, $1.ts) }
            let parent = messages.first { $0.ts == thread }
            var extra: [String: JSONValue] = [
                "thread_ts": .string(thread), "replies": .integer(Int64(messages.count - (parent == nil ? 0 : 1))),
            ]
            if parent == nil { extra["thread_parent_missing"] = true }
            outputs += document(conversation, key: thread, messages: messages, extra: extra, path: messages[0].file)
        }
        return outputs
    }

    private func message(_ entry: JSONValue, file: String, index: Int, filtered: inout Int) -> Message? {
        guard case .object = entry,
            let ts = entry["ts"]?.stringValue
                ?? entry["ts"].flatMap({ v -> String? in
                    if case .number(let n) = v { return String(n) }
                    return nil
                })
        else { return nil }
        let subtype = entry["subtype"]?.stringValue
        if let subtype, Self.noiseSubtypes.contains(subtype), !keepNoise {
            filtered += 1
            return nil
        }
        let isBot = subtype == "bot_message" || entry["bot_id"] != nil && entry["user"] == nil
        if isBot && !keepBots {
            filtered += 1
            return nil
        }
        var (text, stripped) = quotes.markdown(
            Self.render(entry["text"]?.stringValue ?? "", users: users, channels: channelNames))
        var extras: [String] = []
        for file in entry["files"]?.arrayValue ?? [] {
            if let name = ChatText.string(file["name"]) ?? ChatText.string(file["title"]) {
                extras.append("[file: \(name)]")
            }
        }
        if let file = entry["file"], let name = ChatText.string(file["name"]) { extras.append("[file: \(name)]") }
        for attachment in entry["attachments"]?.arrayValue ?? [] {
            if let fallback = ChatText.string(attachment["fallback"]) ?? ChatText.string(attachment["text"]) {
                let rendered = Self.render(fallback, users: users, channels: channelNames)
                if quotes.dropsAttachment(attachment) {
                    ChatQuotes.count(rendered[...], into: &stripped)
                    continue
                }
                extras.append("[attachment: \(rendered)]")
            }
        }
        if !extras.isEmpty { text = ([text].filter { !$0.isEmpty } + extras).joined(separator: "\n") }
        text = ChatText.trimmed(text)
        if text.isEmpty && !stripped.isEmpty { text = ChatQuotes.onlyQuoted }
        guard !text.isEmpty else { return nil }
        let userID = entry["user"]?.stringValue
        let speaker =
            userID.flatMap { users[$0] } ?? ChatText.string(entry["user_profile"]?["display_name"])
            ?? ChatText.string(entry["user_profile"]?["real_name"]) ?? ChatText.string(entry["username"])
            ?? ChatText.string(entry["bot_profile"]?["name"]) ?? userID ?? "unknown"
        var threadTS = entry["thread_ts"]?.stringValue
        // A parent without replies is an ordinary message.
        if threadTS == ts, (entry["reply_count"]?.doubleValue ?? 0) == 0, entry["replies"] == nil { threadTS = nil }
        return Message(
            ts: ts, time: Double(ts).flatMap { ChatText.date(secondsSince1970: $0) }, threadTS: threadTS,
            speaker: speaker, text: text, file: file, index: index, stripped: stripped)
    }

    private func document(
        _ conversation: Conversation, key: String?, messages: [Message], extra: [String: JSONValue], path: String
    ) -> [AdapterOutput] {
        let id = key.map { "slack:\(conversation.id):\($0)" } ?? "slack:\(conversation.id)"
        var metadata = extra
        metadata["channel_id"] = .string(conversation.id)
        metadata["channel"] = .string(conversation.name)
        metadata["channel_kind"] = .string(conversation.kind)
        metadata["messages"] = .integer(Int64(messages.count))
        var participants: [String] = []
        for message in messages where !participants.contains(message.speaker) { participants.append(message.speaker) }
        metadata["participants"] = .array(participants.map { .string($0) })
        var chat = ChatConversation(
            id: id, type: .humanChatConversation,
            turns: messages.map { ChatTurn(speaker: $0.speaker, text: $0.text, time: $0.time, stripped: $0.stripped) },
            createdAt: messages.first?.time, metadata: metadata,
            position: RecordPosition(recordIndex: messages.first?.index))
        chat.timeLabels = true
        let label =
            conversation.kind == "dm"
            ? "direct messages"
            : conversation.kind == "group_dm" ? "group DM \(conversation.name)" : "#\(conversation.name)"
        chat.preamble = "Slack \(label)" + (conversation.topic.map { " — \($0)" } ?? "")
        return builder(for: path).outputs(chat, cursorAfter: nil)
    }
}
