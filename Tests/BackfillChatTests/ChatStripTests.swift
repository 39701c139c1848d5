import BackfillChatAdapter
import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

/// `--strip quotes` on the chat exports that mark quotes (issue 20): Slack and Discord Markdown block quotes, Slack
/// message unfurls, Telegram `blockquote` entities — each message's own text kept, the counts in `metadata.stripped`.
///
/// Broken on purpose once each (then restored): `ChatQuotes.init(context:)` always disabled failed every test but
/// `offByDefault`; `isQuoteLine` accepting `>` followed by anything failed `lookAlikesSurvive` (`>_<` removed);
/// the `>>>` rule dropped failed `discordQuotes` and `slackQuotes` (the rest-quote kept); `dropsAttachment` ignoring `is_share`
/// failed `slackQuotes` (the shared message removed); `ChatDocumentBuilder.stripped` summing nothing failed every
/// count expectation; the Telegram entity type check removed failed `telegramBlockquotes` (the quote kept).
@Suite("Chat --strip quotes")
struct ChatStripTests {
    static let strip = AdapterContext(options: ["strip": "quotes,signatures"])

    static func slackBundle(_ day: String) -> SourceBundle {
        let channels = #"[{"id":"C01GEN","name":"general","created":"1709510400","members":["U01ALICE","U02BOB"]}]"#
        let users =
            #"[{"id":"U01ALICE","name":"alice","real_name":"Alice Nowak","profile":{"display_name":"alice"}},{"id":"U02BOB","name":"bob","real_name":"Bob Li","profile":{"display_name":"","real_name":"Bob Li"}}]"#
        func member(_ path: String, _ text: String) -> SourceInput {
            .bytes(Array(text.utf8), displayPath: "export/\(path)")
        }
        return SourceBundle(
            displayPath: "export",
            members: [
                "channels.json": member("channels.json", channels), "users.json": member("users.json", users),
                "general/2024-03-04.json": member("general/2024-03-04.json", day),
            ])
    }

    /// As Slack's export writes them: `&gt;` escaped, a message link's unfurl with `is_msg_unfurl`, a shared
    /// (forwarded) message with `is_share` too.
    static let slackDay = #"""
        [
         {"type":"message","user":"U01ALICE","ts":"1709546400.000100","text":"The release notes are up."},
         {"type":"message","user":"U02BOB","ts":"1709546460.000200","text":"&gt; The release notes are up.\n&gt; second quoted line\n\nThanks, reading them now."},
         {"type":"message","user":"U01ALICE","ts":"1709546520.000300","text":"see <https://x.slack.com/archives/C01GEN/p1709546400000100>","attachments":[{"is_msg_unfurl":true,"author_name":"alice","fallback":"[March 4th, 2024 10:00 AM] alice: The release notes are up.","text":"The release notes are up.","from_url":"https://x.slack.com/archives/C01GEN/p1709546400000100","ts":"1709546400.000100"}]},
         {"type":"message","user":"U02BOB","ts":"1709546580.000400","text":"fyi","attachments":[{"is_msg_unfurl":true,"is_share":true,"author_name":"carol","fallback":"[March 3rd] carol: Budget approved for Q2","text":"Budget approved for Q2"}]},
         {"type":"message","user":"U01ALICE","ts":"1709546640.000500","text":"&gt; only a quote"},
         {"type":"message","user":"U02BOB","ts":"1709546700.000600","text":"&gt;&gt;&gt; everything\nafter this\nis quoted"}
        ]
        """#

    @Test func slackQuotes() async throws {
        let outputs = try await collect(
            SlackAdapter().read(bundle: Self.slackBundle(Self.slackDay), context: Self.strip))
        let day = try #require(outputs.compactMap(\.document).first { $0.id == "slack:C01GEN:2024-03-04" })
        let text = day.request.document
        // The original message once (Alice's own), not again in Bob's quote or in the unfurl.
        #expect(text.components(separatedBy: "The release notes are up.").count - 1 == 1)
        #expect(text.contains("Bob Li: Thanks, reading them now."))
        #expect(!text.contains("second quoted line"))
        #expect(!text.contains("everything") && !text.contains("is quoted"))
        // The shared message is a forward: kept.
        #expect(text.contains("Budget approved for Q2"))
        // A message that was only a quote is seen as one.
        #expect(text.contains("alice: [quote]"))
        let stripped = try #require(day.request.metadata?["stripped"])
        // Bob's 2 lines + the unfurl's 1 + Alice's 1 + the >>> message's 3.
        #expect(stripped["quoted_lines"] == .integer(7))
        let characters =
            [
                "The release notes are up.", "second quoted line",
                "[March 4th, 2024 10:00 AM] alice: The release notes are up.", "only a quote", "everything",
                "after this", "is quoted",
            ].map(\.unicodeScalars.count).reduce(0, +)
            + 2 * 2 + 2 + 1  // "> " twice, "> " once, " " after >>>
        #expect(stripped["quoted_characters"] == .integer(Int64(characters)))
        #expect(stripped["signature_lines"] == .integer(0))
    }

    @Test func offByDefault() async throws {
        let outputs = try await collect(
            SlackAdapter().read(bundle: Self.slackBundle(Self.slackDay), context: AdapterContext()))
        let day = try #require(outputs.compactMap(\.document).first { $0.id == "slack:C01GEN:2024-03-04" })
        #expect(day.request.document.contains("> second quoted line"))
        // Alice's message, Bob's quote of it and the unfurl's fallback.
        #expect(day.request.document.components(separatedBy: "The release notes are up.").count - 1 == 3)
        #expect(day.request.metadata?["stripped"] == nil)
        // signatures alone strips no chat quote.
        let signatures = try await collect(
            SlackAdapter().read(
                bundle: Self.slackBundle(Self.slackDay), context: AdapterContext(options: ["strip": "signatures"])))
        #expect(
            signatures.compactMap(\.document).first { $0.id == "slack:C01GEN:2024-03-04" }?.request.metadata?[
                "stripped"] == nil)
    }

    static func discord(_ contents: [String]) -> [UInt8] {
        let messages = contents.enumerated().map { index, content in
            let escaped =
                "\""
                + content.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
            return
                #"{"id":"\#(2000 + index)","type":"Default","timestamp":"2024-04-30T09:\#(String(format: "%02d", index % 60)):00+02:00","content":\#(escaped),"author":{"id":"\#(7 + index % 2)","name":"u\#(index % 2)","nickname":null},"attachments":[],"embeds":[],"stickers":[]}"#
        }
        let json =
            #"{"guild":{"id":"900","name":"Makers"},"channel":{"id":"111","name":"general"},"dateRange":{"after":null,"before":null},"exportedAt":"2024-05-01T12:00:00+02:00","messages":["#
            + messages.joined(separator: ",") + "],\"messageCount\":\(contents.count)}"
        return Array(json.utf8)
    }

    @Test func discordQuotes() async throws {
        let bytes = Self.discord([
            "Printing PETG at 240 today.",
            "> Printing PETG at 240 today.\nTry 235, it strings less.",
            ">>> Try 235, it strings less.\nand a second line",
            "```\n> not a quote in code\n```\nsee above",
        ])
        let outputs = try await read(DiscordAdapter(), bytes, name: "general.json", context: Self.strip)
        let document = try #require(outputs.compactMap(\.document).first)
        let text = document.request.document
        #expect(text.components(separatedBy: "Printing PETG at 240 today.").count - 1 == 1)
        #expect(text.components(separatedBy: "Try 235, it strings less.").count - 1 == 1)
        #expect(!text.contains("a second line"))
        #expect(text.contains("> not a quote in code"))
        #expect(text.contains("u0: [quote]"))
        #expect(document.request.metadata?["stripped"]?["quoted_lines"] == .integer(3))
    }

    /// Text that starts with `>` without being a quote stays.
    @Test func lookAlikesSurvive() async throws {
        let bytes = Self.discord([">_< that failed", ">=3 retries", "->arrow", "x > y"])
        let outputs = try await read(DiscordAdapter(), bytes, name: "general.json", context: Self.strip)
        let document = try #require(outputs.compactMap(\.document).first)
        for kept in [">_< that failed", ">=3 retries", "->arrow", "x > y"] {
            #expect(document.request.document.contains(kept))
        }
        #expect(document.request.metadata?["stripped"] == nil)
    }

    /// Telegram Desktop's `result.json`: a reply quoting part of an earlier message as a `blockquote` entity.
    @Test func telegramBlockquotes() async throws {
        let json = #"""
            {"name":"Ola","type":"personal_chat","id":4242,"messages":[
             {"id":2,"type":"message","date":"2023-08-23T13:11:23","date_unixtime":"1692789083","from":"Ola","from_id":"user1","text":"Dinner at 8 at the usual place","text_entities":[{"type":"plain","text":"Dinner at 8 at the usual place"}]},
             {"id":3,"type":"message","date":"2023-08-23T13:12:00","date_unixtime":"1692789120","from":"Me","from_id":"user2","reply_to_message_id":2,"text":[{"type":"blockquote","text":"Dinner at 8\nat the usual place"},"\nCan we make it 9?"],"text_entities":[{"type":"blockquote","text":"Dinner at 8\nat the usual place"},{"type":"plain","text":"\nCan we make it 9?"}]}
            ]}
            """#
        let outputs = try await read(TelegramAdapter(), Array(json.utf8), name: "result.json", context: Self.strip)
        let document = try #require(outputs.compactMap(\.document).first)
        #expect(document.request.document.components(separatedBy: "Dinner at 8").count - 1 == 1)
        #expect(document.request.document.contains("Can we make it 9?"))
        #expect(document.request.metadata?["stripped"]?["quoted_lines"] == .integer(2))
        #expect(
            document.request.metadata?["stripped"]?["quoted_characters"]
                == .integer(Int64("Dinner at 8at the usual place".unicodeScalars.count)))
        let unstripped = try await read(TelegramAdapter(), Array(json.utf8), name: "result.json")
        #expect(
            unstripped.compactMap(\.document).first?.request.document.components(separatedBy: "Dinner at 8").count == 3)
    }

    /// Parts: each part's counts are its own turns', and they add up to the whole.
    @Test func partsCarryTheirOwnCounts() async throws {
        var contents: [String] = []
        for i in 0..<30 { contents.append("> quoted \(i)\n" + String(repeating: "own text \(i) ", count: 12)) }
        let outputs = try await read(
            DiscordAdapter(), Self.discord(contents), name: "general.json",
            context: AdapterContext(maxDocumentBytes: 1024, options: ["strip": "quotes", "group-by": "channel"]))
        let documents = outputs.compactMap(\.document)
        #expect(documents.count > 2)
        var total: Int64 = 0
        for document in documents {
            guard case .integer(let lines)? = document.request.metadata?["stripped"]?["quoted_lines"] else {
                Issue.record("\(document.id) has no stripped count")
                continue
            }
            #expect(lines > 0)
            total += lines
        }
        #expect(total == 30)
        #expect(!documents.contains { $0.request.document.contains("quoted ") })
    }
}
