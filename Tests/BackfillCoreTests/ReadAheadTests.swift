import BackfillCore
import Foundation
import Synchronization
import Testing

@testable import BackfillPipeline

/// ``ReadAhead`` hands over exactly what the adapter yields, in its order, then its end or its error; a consumer
/// that stops early ends the parsing task.
/// Broken to see it fail: (1) the last, partial batch not sent before the error — the comparison lost the 37
/// records after the last full batch; (2) the parser's `Task.isCancelled` check removed — "stops early" hung (`stop`
/// waits for a parser that reads on) until its time limit.
@Suite("Read-ahead")
struct ReadAheadTests {
    /// Yields `count` documents (every 100th one of 5 MiB, to cross the byte bound), a skip every 7th, then throws.
    final class Reader: RecordReader, @unchecked Sendable {
        let count: Int
        let pulled = Atomic<Int>(0)
        init(count: Int) { self.count = count }

        func next() async throws -> AdapterOutput? {
            let index = pulled.add(1, ordering: .relaxed).newValue
            if index > count {
                throw AdapterError(code: SkipCode.readError, file: "in", position: .wholeFile, message: "end \(index)")
            }
            if index % 7 == 0 {
                return .skipped(
                    SkippedRecord(
                        adapter: "t", file: "in", position: RecordPosition(recordIndex: index), code: SkipCode.readError,
                        message: "skip \(index)"))
            }
            let text = index % 100 == 0 ? String(repeating: "x", count: 5 << 20) : "doc \(index)"
            return .document(
                MemoryDocument(
                    request: CreateMemoryRequest(document: text, documentType: .document, documentID: "id-\(index)"),
                    provenance: Provenance(adapter: "t", file: "in", position: RecordPosition(recordIndex: index)),
                    createdAtOrigin: .source, cursorAfter: SourceCursor(recordIndex: index)))
        }
    }

    static func label(_ output: AdapterOutput) -> String {
        switch output {
        case .document(let document): "\(document.id) \(document.request.document.utf8.count)"
        case .skipped(let record): "skip \(record.message)"
        }
    }

    static func drain<S: AsyncSequence>(_ sequence: S) async -> ([String], String?) where S.Element == AdapterOutput {
        var labels: [String] = []
        do {
            for try await output in sequence { labels.append(label(output)) }
            return (labels, nil)
        } catch {
            return (labels, "\(error)")
        }
    }

    @Test func sameOutputsInOrderThenTheError() async throws {
        let count = 64 * 5 + 37
        let inline = await Self.drain(AdapterOutputs { Reader(count: count) })
        let ahead = await Self.drain(
            ReadAhead(outputs: AdapterOutputs { Reader(count: count) }, budgets: InputBudgets(), path: "in"))
        #expect(inline.0.count == count)
        #expect(ahead.0 == inline.0)
        #expect(ahead.1 == inline.1)
        #expect(ahead.1?.contains("end \(count + 1)") == true)
    }

    @Test(.timeLimit(.minutes(1))) func stopsEarly() async throws {
        let reader = Reader(count: 1_000_000)
        var iterator = ReadAhead(outputs: AdapterOutputs { reader }, budgets: InputBudgets(), path: "in")
            .makeAsyncIterator()
        for _ in 0..<10 { _ = try await iterator.next() }
        await iterator.stop()
        // The parser has stopped when `stop` returns: at most the batch it was filling and the one waiting.
        let pulled = reader.pulled.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(200))
        #expect(reader.pulled.load(ordering: .relaxed) == pulled)
        #expect(pulled <= 3 * ReadAhead.batchRecords + 1)
    }
}
