import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

@testable import BackfillEmailAdapter

/// Messages parsed on several tasks (`--parse-jobs N`) give what one-at-a-time parsing gives: every output — its
/// document, ids, thread id, position, cursor, charset, or its skip — equal and in the same order.
/// Broken to see it fail: (1) the parallel path counting only messages in the record index (not the oversize
/// ones) — positions and cursors differed after the first oversize message; (2) the window's newest record
/// returned first (`window.removeLast()`) — the order differed at once.
@Suite("Parallel parsing")
struct ParallelParseTests {
    /// The samples' mailboxes, the damaged ones, a 300-message reply chain with encoded names and a few oversize
    /// messages, one after the other.
    static func corpus() throws -> [UInt8] {
        var bytes: [UInt8] = Array("stray bytes before the first From_ line\n\n".utf8)
        for name in ["email/mime.mbox", "email/takeout.mbox", "email/crlf.mbox", "bad/email/truncated.mbox"] {
            bytes += try Array(Data(contentsOf: TestSupport.samples.appendingPathComponent(name)))
            bytes += Array("\n".utf8)
        }
        for i in 0..<300 {
            let parent =
                i == 0
                ? "" : "In-Reply-To: <m\(i / 2)@example.org>\nReferences: <m0@example.org> <m\(i / 2)@example.org>\n"
            let body =
                i % 150 == 7 ? String(repeating: "long line of text\n", count: 70_000) : "message \(i) body, =?x?\n"
            let id = i % 41 == 3 ? "" : "Message-ID: <m\(i)@example.org>\n"
            let headers =
                i % 97 == 5
                ? ""
                : """
                From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <j\(i % 5)@example.org>
                To: team@example.org
                Subject: Re: plan \(i / 10)
                Date: Mon, \(1 + i % 28) Jan 2024 10:\(10 + i % 50):00 +0100
                \(id)\(parent)Content-Type: text/plain; charset=\(i % 3 == 0 ? "iso-8859-1" : "utf-8")

                """
            bytes += Array("From j@example.org Mon Jan  1 10:00:00 2024\n\(headers)\(body)\n".utf8)
            if i % 3 == 0 { bytes += [0x63, 0x61, 0x66, 0xE9, 0x0A] }  // "café" in Latin-1
        }
        return bytes
    }

    /// An output compared whole (documents and skips are `Equatable`, metadata objects by content).
    enum Output: Equatable {
        case document(MemoryDocument)
        case skipped(SkippedRecord)
    }

    static func outputs(_ bytes: [UInt8], jobs: Int) async throws -> [Output] {
        let input = SourceInput(
            displayPath: "all.mbox", fileName: "all.mbox", size: Int64(bytes.count), modificationDate: nil,
            open: { MemoryByteSource(bytes) })
        var context = AdapterContext(options: ["max-message-bytes": "20000"])
        context.parseJobs = jobs
        return try await collect(MboxAdapter().read(input, context: context, resumeFrom: nil)).map {
            switch $0 {
            case .document(let document): .document(document)
            case .skipped(let record): .skipped(record)
            }
        }
    }

    @Test(arguments: [2, 3, 8])
    func sameOutputsAsOneAtATime(jobs: Int) async throws {
        let bytes = try Self.corpus()
        let inline = try await Self.outputs(bytes, jobs: 1)
        let parallel = try await Self.outputs(bytes, jobs: jobs)
        #expect(inline.count > 300)
        let skips = inline.compactMap { if case .skipped(let record) = $0 { record.code } else { nil } }
        #expect(
            skips.contains("message_too_large") && skips.contains("no_headers") && skips.contains("no_from_line"),
            "\(skips)")
        #expect(parallel.count == inline.count)
        for (index, (one, other)) in zip(inline, parallel).enumerated() where one != other {
            Issue.record(
                "output \(index) differs:\n\(String("\(one)".prefix(400)))\n---\n\(String("\(other)".prefix(400)))")
            return
        }
    }
}

/// The window of messages parsed ahead stays bounded however long the mailbox: handed-on entries are dropped.
/// Broken to see it fail: the compaction moved back after the `switch` (where a returned message never reached
/// it) — the window held all 3,000 entries; that is what took the 2 GB mbox plan to 336 MiB peak RSS.
@Suite("Parallel parsing memory")
struct ParallelParseMemoryTests {
    @Test func windowStaysBounded() async throws {
        var built: [UInt8] = []
        for i in 0..<3000 {
            built += Array(
                "From a@example.org Mon Jan  1 10:00:00 2024\nFrom: a@example.org\nMessage-ID: <w\(i)@example.org>\nSubject: \(i)\n\nbody \(i)\n\n"
                    .utf8)
        }
        let bytes = built
        let input = SourceInput(
            displayPath: "w.mbox", fileName: "w.mbox", size: Int64(bytes.count), modificationDate: nil,
            open: { MemoryByteSource(bytes) })
        var context = AdapterContext()
        context.parseJobs = 2
        let reader = MboxMessageReader(input: input, context: context, options: EmailOptions(context), cursor: nil)
        var documents = 0
        var largest = 0
        while let output = try await reader.next() {
            if case .document = output { documents += 1 }
            largest = max(largest, reader.windowStorage)
        }
        #expect(documents == 3000)
        #expect(largest <= AdapterContext.parseLookaheadRecords(jobs: 2) + 257, "the window held \(largest) entries")
    }
}
