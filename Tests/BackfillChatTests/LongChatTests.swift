import BackfillChatAdapter
import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

/// Issue 19's acceptance for chats: a 5,000-message conversation under the default size limit becomes `#part-N`
/// documents at turn boundaries whose concatenated text is the whole conversation; none rejected.
///
/// Broken on purpose (then restored): `ChatDocumentBuilder.parts` packing every block into one part (no size
/// check) made one 5.4 MB document and failed the part count and size checks.
@Suite("A 5,000-message chat becomes #part-N documents")
struct LongChatTests {
    @Test func fiveThousandMessagesUnderTheDefaultLimit() async throws {
        var mapping: [String] = [#""r":{"id":"r","message":null,"parent":null,"children":["m0"]}"#]
        let count = 5000
        for i in 0..<count {
            let role = i % 2 == 0 ? "user" : "assistant"
            let text =
                "Message \(i). " + String(repeating: "A line of a long conversation about the archive. ", count: 22)
            let next = i + 1 < count ? #"["m\#(i + 1)"]"# : "[]"
            mapping.append(
                #""m\#(i)":{"id":"m\#(i)","message":{"id":"m\#(i)","author":{"role":"\#(role)"},"create_time":\#(1_700_000_000 + i),"content":{"content_type":"text","parts":["\#(text)"]},"metadata":{}},"parent":"\#(i == 0 ? "r" : "m\(i - 1)")","children":\#(next)}"#
            )
        }
        let json =
            #"[{"id":"long","title":"Long","create_time":1700000000,"current_node":"m\#(count - 1)","mapping":{"#
            + mapping.joined(separator: ",") + "}}]"
        func read(_ limit: Int) async throws -> [AdapterOutput] {
            try await collect(
                ChatGPTAdapter().read(
                    .bytes(Array(json.utf8), displayPath: "conversations.json"),
                    context: AdapterContext(maxDocumentBytes: limit), resumeFrom: nil))
        }
        let outputs = try await read(ValidationProfile.defaultMaxDocumentBytes)
        let documents = outputs.compactMap(\.document)
        #expect(outputs.count == documents.count)  // nothing skipped
        #expect(documents.count >= 2)
        #expect(documents.map(\.id) == (1...documents.count).map { "chatgpt:long#part-\($0)" })
        #expect(documents.allSatisfy { $0.request.document.utf8.count <= ValidationProfile.defaultMaxDocumentBytes })
        // Parts are cut between turns: joined with the turn separator they are the whole conversation.
        let whole = try #require(try await read(64 << 20).first?.document)
        #expect(whole.id == "chatgpt:long")
        #expect(documents.map(\.request.document).joined(separator: "\n\n") == whole.request.document)
        for i in stride(from: 0, to: count, by: 499) {
            #expect(documents.filter { $0.request.document.contains("Message \(i). ") }.count == 1)
        }
    }
}
