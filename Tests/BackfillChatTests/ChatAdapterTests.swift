import BackfillChatAdapter
import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

func sampleBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: TestSupport.samples.appendingPathComponent(path)))
}

func read(
    _ adapter: any SourceAdapter, _ bytes: [UInt8], name: String, context: AdapterContext = AdapterContext(),
    cursor: SourceCursor? = nil, step: Int? = nil
) async throws -> [AdapterOutput] {
    let input: SourceInput
    if let step {
        input = SourceInput(displayPath: name, fileName: name, size: Int64(bytes.count), modificationDate: nil) {
            TrickleSource(bytes, step: step)
        }
    } else {
        input = .bytes(bytes, displayPath: name)
    }
    return try await collect(adapter.read(input, context: context, resumeFrom: cursor))
}

@Suite("Chat adapters")
struct ChatAdapterTests {
    @Test func sniffing() throws {
        func best(_ path: String) throws -> String? {
            pick(path, try sampleBytes(path))?.name
        }
        #expect(try best("chat/chatgpt/conversations.json") == "chatgpt")
        #expect(try best("chat/chatgpt/conversations-001.json") == "chatgpt")
        #expect(try best("chat/claude/conversations.json") == "claude")
        #expect(try best("chat/claude/projects.json") == "claude")
        #expect(try best("chat/discord/Guild - general [111].json") == "discord")
        #expect(try best("chat/telegram/result.json") == "telegram")
        #expect(try best("chat/messenger/inbox/annakowalska_123/message_1.json") == "messenger")
        #expect(try best("chat/whatsapp/android-en-us.txt") == "whatsapp")
        #expect(try best("chat/spec/sharegpt-sample.json") == "chat-spec")
        #expect(try best("chat/spec/openai-chat.jsonl") == "chat-spec")
        #expect(pick("notes.txt", Array("Just some notes\nabout things\n".utf8)) == nil)
        #expect(pick("data.json", Array("[{\"a\":1}]".utf8))?.name == "chat-spec")
        // A mapping far into the file: the name and "mapping" in the head are enough.
        let head = Array(("[{\"title\":\"x\",\"mapping\":{" + String(repeating: " ", count: 9000)).utf8)
        #expect(
            ChatGPTAdapter().sniff(
                SourceProbe(
                    fileName: "conversations-003.json", displayPath: "c", head: Array(head.prefix(8192)), size: nil))
                >= .likely)
    }

    @Test func chatGPTFollowsTheDisplayedThread() async throws {
        let outputs = try await read(
            ChatGPTAdapter(), try sampleBytes("chat/chatgpt/conversations.json"), name: "conversations.json")
        let first = try #require(outputs.first?.document)
        #expect(first.id == "chatgpt:6f1c2a9e-1111-4a2b-9c3d-000000000001")
        #expect(!first.request.document.contains("offpath"))
        #expect(!first.request.document.contains("Be brief"))
        #expect(first.request.document.hasPrefix("User: My starter"))
        #expect(first.request.document.contains("Tool (browser): Starters usually double"))
        #expect(first.request.documentCreatedAt == "2024-01-01T00:00:00.500Z")
        #expect(first.cursorAfter?.recordIndex == 1)
        // create_time null: the first message's time, still the source's own.
        let second = try #require(outputs[1].document)
        #expect(second.request.documentCreatedAt == "2024-01-23T08:53:20Z")
        #expect(second.createdAtOrigin == .source)
        #expect(outputs[2].skipped?.code == "empty_conversation")
    }

    @Test(arguments: [1, 3, 7, 64, 4096])
    func streamingIsChunkIndependent(step: Int) async throws {
        let bytes = try sampleBytes("chat/chatgpt/conversations.json")
        let whole = try await read(ChatGPTAdapter(), bytes, name: "conversations.json")
        let trickled = try await read(ChatGPTAdapter(), bytes, name: "conversations.json", step: step)
        #expect(whole.map { $0.document?.request } == trickled.map { $0.document?.request })
        let offsets: [Int64] = trickled.compactMap { $0.document?.cursorAfter?.byteOffset }
        #expect(offsets.isEmpty)  // cannot seek: index only
    }

    @Test func resumesFromACursor() async throws {
        let bytes = try sampleBytes("chat/chatgpt/conversations.json")
        let all = try await read(ChatGPTAdapter(), bytes, name: "conversations.json")
        let cursor = try #require(all[0].document?.cursorAfter)
        #expect(cursor.byteOffset != nil)
        let resumed = try await read(ChatGPTAdapter(), bytes, name: "conversations.json", cursor: cursor)
        #expect(resumed.first?.document?.id == all[1].document?.id)
        #expect(resumed.count == all.count - 1)
        let skipping = try await read(
            ChatGPTAdapter(), bytes, name: "conversations.json", cursor: SourceCursor(recordIndex: 1), step: 100)
        #expect(skipping.first?.document?.id == all[1].document?.id)
    }

    @Test func longConversationsSplitAtTurns() async throws {
        var mapping: [String] = [#""r":{"id":"r","message":null,"parent":null,"children":["m0"]}"#]
        for i in 0..<40 {
            let role = i % 2 == 0 ? "user" : "assistant"
            let text = String(repeating: "word\(i) ", count: 20)
            mapping.append(
                #""m\#(i)":{"id":"m\#(i)","message":{"id":"m\#(i)","author":{"role":"\#(role)"},"create_time":\#(1_700_000_000 + i * 60),"content":{"content_type":"text","parts":["\#(text)"]},"metadata":{}},"parent":"\#(i == 0 ? "r" : "m\(i - 1)")","children":["m\#(i + 1)"]}"#
            )
        }
        let json =
            #"[{"id":"long","title":"Long","create_time":1700000000,"current_node":"m39","mapping":{"#
            + mapping.joined(separator: ",") + "}}]"
        let outputs = try await read(
            ChatGPTAdapter(), Array(json.utf8), name: "conversations.json",
            context: AdapterContext(maxDocumentBytes: 1024))
        let documents = outputs.compactMap(\.document)
        #expect(documents.count > 3)
        #expect(documents.allSatisfy { $0.request.document.utf8.count <= 1024 })
        #expect(documents.map(\.id) == (1...documents.count).map { "chatgpt:long#part-\($0)" })
        #expect(documents.last?.request.metadata?["parts"] == .integer(Int64(documents.count)))
        #expect(documents.dropLast().allSatisfy { $0.cursorAfter == nil })
        #expect(documents.last?.cursorAfter?.recordIndex == 1)
        // Every turn once, in order, never cut.
        let joined = documents.map(\.request.document).joined(separator: "\n\n")
        for i in 0..<40 { #expect(joined.components(separatedBy: "word\(i) word\(i)").count > 1) }
    }

    /// The displayed thread is `current_node`'s, even when it is not the newest branch (issue 12: the old test
    /// passed with `current_node` ignored, as its displayed branch was also the last child). Here the user edited
    /// their question: the root has two children; the displayed one is the FIRST (older) branch.
    /// Checked that it can fail: with the adapter walking the last child from the root instead of `current_node`,
    /// the document held "Branch B" and this failed.
    @Test func currentNodeOnAnOlderBranchWins() async throws {
        func node(_ id: String, _ role: String, _ text: String, parent: String, children: [String], at: Int) -> String {
            let kids = children.map { "\"\($0)\"" }.joined(separator: ",")
            return
                #""\#(id)":{"id":"\#(id)","message":{"id":"\#(id)","author":{"role":"\#(role)"},"create_time":\#(1_700_000_000 + at),"content":{"content_type":"text","parts":["\#(text)"]},"metadata":{}},"parent":"\#(parent)","children":[\#(kids)]}"#
        }
        let mapping = [
            #""root":{"id":"root","message":null,"parent":null,"children":["qa","qb"]}"#,
            node("qa", "user", "Branch A question", parent: "root", children: ["aa"], at: 0),
            node("aa", "assistant", "Branch A answer", parent: "qa", children: [], at: 10),
            node("qb", "user", "Branch B question", parent: "root", children: ["ab"], at: 100),
            node("ab", "assistant", "Branch B answer", parent: "qb", children: [], at: 110),
        ].joined(separator: ",")
        let json =
            #"[{"id":"edited","title":"Edited","create_time":1700000000,"current_node":"aa","mapping":{"# + mapping
            + "}}]"
        let outputs = try await read(ChatGPTAdapter(), Array(json.utf8), name: "conversations.json")
        let document = try #require(outputs.compactMap(\.document).first)
        #expect(document.request.document.contains("Branch A question"))
        #expect(document.request.document.contains("Branch A answer"))
        #expect(!document.request.document.contains("Branch B"))
    }

    @Test func badInputsAreSkippedAndTheRestGoesOn() async throws {
        let malformed = try await read(
            ChatGPTAdapter(), try sampleBytes("bad/chat/chatgpt-malformed-element.json"), name: "c.json")
        #expect(malformed.map { $0.document != nil } == [true, false, true])
        #expect(malformed[1].skipped?.code == "malformed_json")
        let truncated = try await read(
            ChatGPTAdapter(), try sampleBytes("bad/chat/chatgpt-truncated.json"), name: "c.json")
        #expect(truncated.last?.skipped?.code == "truncated_json")
        #expect(truncated.first?.document != nil)
        let notArray = try await read(ChatGPTAdapter(), Array("{\"a\":1}".utf8), name: "conversations.json")
        #expect(notArray.first?.skipped?.code == "malformed_json")
    }

    @Test func claudePrefersContentBlocks() async throws {
        let outputs = try await read(
            ClaudeAdapter(), try sampleBytes("chat/claude/conversations.json"), name: "conversations.json")
        let first = try #require(outputs.first?.document)
        #expect(first.request.document.contains("Day 2: Kazimierz"))
        #expect(first.request.document.contains("Must see: Wawel"))
        #expect(!first.request.document.contains("internal"))
        #expect(first.request.documentCreatedAt == "2025-10-01T18:42:27.303Z")
        #expect(outputs[1].skipped?.code == "empty_conversation")
        #expect(outputs[2].document?.request.document.contains("UK postcode") == true)
    }

    @Test func slackBundle() async throws {
        let adapter = SlackAdapter()
        #expect(adapter.claimsBundle(memberPaths: ["channels.json", "users.json", "general/"]))
        #expect(
            adapter.claimsBundle(memberPaths: [
                "export/channels.json", "export/users.json", "export/general/2024-01-01.json",
            ]))
        #expect(!adapter.claimsBundle(memberPaths: ["notes.json", "users.json"]))
        let outputs = try await ChatGoldenTests.outputs("chat/slack-export")
        let documents = outputs.compactMap(\.document)
        let thread = try #require(documents.first { $0.id == "slack:C01GEN:1709547600.000300" })
        #expect(thread.request.document.contains("QA signed off"))  // a reply from the next day's file
        #expect(thread.request.documentType == .humanChatConversation)
        let day = try #require(documents.first { $0.id == "slack:C01GEN:2024-03-04" })
        #expect(day.request.document.contains("@Bob Li"))
        #expect(day.request.document.contains("the doc (https://example.com/notes) & Q&A"))
        #expect(!day.request.document.contains("has joined"))
        #expect(!day.request.document.contains("Deploy 1.4.2"))
        #expect(SlackAdapter.render("<!subteam^S1|@devs> <http://a.b>") == "@devs http://a.b")
    }

    @Test func whatsAppForms() async throws {
        let context = AdapterContext(options: ["timezone": "America/New_York"])
        let lines = [
            "[11/8/21, 9:41:32\u{202F}AM] User: a",
            "[2023/5/4, 16:13:23] ~\u{00A0}User 2: b",
            "28/3/2025, 9:29 p. m. - user1: c",
            "2023/12/20, 5:46 pm - Farid: d",
            "19.12.19, 18:57 - Hans: e",
            "1/23/23, 3:19_PM - User 2: f",
        ]
        for line in lines {
            let outputs = try await read(
                WhatsAppAdapter(), Array((line + "\n").utf8), name: "chat.txt", context: context)
            let document = try #require(outputs.first?.document, "\(line)")
            #expect(document.request.document.hasSuffix(": " + String(line.last ?? " ")), "\(line)")
            #expect(document.createdAtOrigin == .source)
        }
        let pm = try await read(
            WhatsAppAdapter(), Array("1/23/23, 3:19 PM - A: x\n".utf8), name: "c.txt", context: context)
        #expect(pm.first?.document?.request.documentCreatedAt == "2023-01-23T20:19:00Z")
        let noZone = try await read(WhatsAppAdapter(), Array("1/23/23, 15:19 - A: x\n".utf8), name: "c.txt")
        #expect(noZone.first?.document?.createdAtOrigin == .fallback)
        // Day/month inferred from the file: 13/01 decides for every line.
        let text = "02/01/23, 10:00 - A: first\n13/01/23, 10:00 - B: second\n"
        let inferred = try await read(WhatsAppAdapter(), Array(text.utf8), name: "c.txt", context: context)
        #expect(inferred.first?.document?.request.metadata?["day"] == "2023-01-02")
    }

    @Test func whatsAppIdsArePathIndependent() async throws {
        let bytes = try sampleBytes("chat/whatsapp/android-en-us.txt")
        let a = try await read(WhatsAppAdapter(), bytes, name: "one.txt")
        let b = try await read(WhatsAppAdapter(), bytes, name: "other/place/two.txt")
        #expect(a.compactMap { $0.document?.id } == b.compactMap { $0.document?.id })
    }

    @Test func messengerRepairsOnlyMojibake() {
        #expect(MessengerAdapter.repair("N\u{00c3}\u{00a4}chste") == "Nächste")
        #expect(MessengerAdapter.repair("\u{00f0}\u{009f}\u{008c}\u{00b9}") == "🌹")
        #expect(MessengerAdapter.repair("She said \u{201C}hi\u{201D}") == "She said \u{201C}hi\u{201D}")
        #expect(MessengerAdapter.repair("café") == "café")  // é alone is not valid UTF-8: left alone
        #expect(MessengerAdapter.repair("plain") == "plain")
    }

    @Test func telegramFullAccount() async throws {
        let json = """
            {"about":"Here is the data you requested.","personal_information":{"first_name":"Me"},
             "chats":{"about":"chats","list":[
              {"name":"Ola","type":"personal_chat","id":7,"messages":[{"id":1,"type":"message","date":"2023-08-23T13:11:23","date_unixtime":"1692789083","from":"Ola","text":[{"type":"bold","text":"Hi"}," there"],"text_entities":[{"type":"bold","text":"Hi"},{"type":"plain","text":" there"}]}]},
              {"name":"Empty","type":"private_group","id":8,"messages":[{"id":1,"type":"service","date_unixtime":"1692789083","text":""}]}
             ]},
             "left_chats":{"list":[]}}
            """
        #expect(
            TelegramAdapter().sniff(
                SourceProbe(fileName: "result.json", displayPath: "r", head: Array(json.utf8), size: nil)) == .certain)
        let outputs = try await read(TelegramAdapter(), Array(json.utf8), name: "result.json")
        #expect(outputs.first?.document?.id == "telegram:7:2023-08-23")
        #expect(outputs.first?.document?.request.document.contains("Ola: Hi there") == true)
        #expect(outputs.last?.skipped?.code == "empty_conversation")
    }

    @Test func groupByConversation() async throws {
        let context = AdapterContext(options: ["group-by": "conversation", "timezone": "UTC"])
        let outputs = try await read(
            DiscordAdapter(), try sampleBytes("chat/discord/Guild - general [111].json"), name: "d.json",
            context: context)
        #expect(outputs.compactMap { $0.document?.id } == ["discord:111"])
    }

    @Test func userSpecFromAFolder() async throws {
        let folder = try TestSupport.temporaryDirectory("spec")
        let spec = """
            name: teamlog
            document_type: human-chat-conversation
            match:
              extensions: [jsonl]
              head_contains: ['"room"', '"said"']
            records:
              format: jsonl
            conversation:
              key: room
            message:
              author: who.name
              text: said
              time: at
              time_format: unix_ms
            """
        try spec.write(to: folder.appendingPathComponent("teamlog.yaml"), atomically: true, encoding: .utf8)
        let log = """
            {"room":"ops","who":{"name":"Ann"},"said":"disk full","at":1700000000000}
            {"room":"ops","who":{"name":"Bo"},"said":"cleaning","at":1700000060000}
            not json
            {"room":"dev","who":{"name":"Cy"},"said":"build green","at":1700000120000}
            """
        let context = AdapterContext(options: ["spec": folder.path])
        let outputs = try await read(ChatSpecAdapter(), Array(log.utf8), name: "team.jsonl", context: context)
        #expect(outputs.compactMap { $0.document?.id } == ["teamlog:ops", "teamlog:dev"])
        #expect(outputs.compactMap { $0.skipped?.code } == ["malformed_json"])
        let ops = try #require(outputs.compactMap(\.document).first)
        #expect(ops.request.documentType == .humanChatConversation)
        #expect(ops.request.document.contains("Bo: cleaning"))
        #expect(ops.request.documentCreatedAt == "2023-11-14T22:13:20Z")
        // The built-in specs load from the bundle.
        #expect(ChatSpec.builtIn.map(\.name).sorted() == ["openai-messages", "sharegpt"])
        let unmatched = try await read(ChatSpecAdapter(), Array("{\"x\":1}\n".utf8), name: "x.jsonl")
        #expect(unmatched.first?.skipped?.code == "no_spec_matches")
    }
}
