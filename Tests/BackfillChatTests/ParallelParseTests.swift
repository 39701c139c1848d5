import BackfillChatAdapter
import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

/// ChatGPT and Claude conversations parsed and converted ahead on several tasks (`--parse-jobs N`) give what one-at-a-time
/// parsing gives: every document and skip equal, in the same order, with the same positions and cursors — also
/// when elements are malformed, the array is not one, and the file ends mid-element.
/// Broken to see it fail: (1) `ParseWindow.pop()` handing back the newest element (`pending.removeLast()`) — the
/// order differed at the second output; (2) the framing failure of a truncated file returned as soon as framing
/// met it (`window.end` outputs returned before the window was drained) — the truncated corpora lost their last
/// conversations and the counts differed; (3) the cursor computed on the parse task without the seek offset
/// (`seekable: false`, once conversion moved onto the parse tasks) — the cursors after each conversation differed.
@Suite("Parallel parsing of chat exports")
struct ChatParallelParseTests {
    /// The elements of a sample's top-level array, as text.
    static func inner(_ path: String) throws -> String {
        let text = String(decoding: try sampleBytes(path), as: UTF8.self)
        let open = text.firstIndex(of: "[")!
        let close = text.lastIndex(of: "]")!
        return String(text[text.index(after: open)..<close])
    }

    /// Many copies of the samples' conversations with the malformed ones among them; `truncated` cuts the file at
    /// three quarters, mid-element.
    static func corpus(_ samples: [String], copies: Int, truncated: Bool) throws -> [UInt8] {
        let parts = try samples.map(inner)
        var elements: [String] = []
        for copy in 0..<copies { elements.append(parts[copy % parts.count]) }
        let bytes = Array("[\(elements.joined(separator: ",\n"))]".utf8)
        return truncated ? Array(bytes.prefix(bytes.count * 3 / 4)) : bytes
    }

    enum Output: Equatable {
        case document(MemoryDocument)
        case skipped(SkippedRecord)
    }

    static func outputs(_ adapter: any SourceAdapter, _ bytes: [UInt8], jobs: Int) async throws -> [Output] {
        var context = AdapterContext()
        context.parseJobs = jobs
        return try await read(adapter, bytes, name: "conversations.json", context: context).map {
            switch $0 {
            case .document(let document): .document(document)
            case .skipped(let record): .skipped(record)
            }
        }
    }

    static func compare(_ adapter: any SourceAdapter, _ bytes: [UInt8], jobs: Int, expectSkips: Bool) async throws {
        let inline = try await outputs(adapter, bytes, jobs: 1)
        let parallel = try await outputs(adapter, bytes, jobs: jobs)
        let documents = inline.filter { if case .document = $0 { true } else { false } }.count
        #expect(documents > 50)
        if expectSkips {
            #expect(inline.contains { if case .skipped = $0 { true } else { false } })
        }
        #expect(parallel.count == inline.count)
        for (index, (one, other)) in zip(inline, parallel).enumerated() where one != other {
            Issue.record(
                "output \(index) differs:\n\(String("\(one)".prefix(400)))\n---\n\(String("\(other)".prefix(400)))")
            return
        }
    }

    @Test(arguments: [2, 8], [false, true])
    func chatGPTSameAsOneAtATime(jobs: Int, truncated: Bool) async throws {
        let bytes = try Self.corpus(
            [
                "chat/chatgpt/conversations.json", "bad/chat/chatgpt-malformed-element.json",
                "chat/chatgpt/conversations-001.json",
            ],
            copies: 300, truncated: truncated)
        try await Self.compare(ChatGPTAdapter(), bytes, jobs: jobs, expectSkips: true)
    }

    @Test(arguments: [2, 8], [false, true])
    func claudeSameAsOneAtATime(jobs: Int, truncated: Bool) async throws {
        let bytes = try Self.corpus(
            ["chat/claude/conversations.json", "bad/chat/claude-odd.json"], copies: 300, truncated: truncated)
        try await Self.compare(ClaudeAdapter(), bytes, jobs: jobs, expectSkips: true)
    }
}
