import AsyncAlgorithms
import BackfillCore

/// One source's records, parsed by a task of their own while the stages after reading (normalise, dedup, batch,
/// send, record) work on the ones before: the adapter runs on one core, the rest of the pipeline on another.
/// Records come out in the adapter's order, so documents, ids, dedup decisions and cursors are those of a run that
/// reads inline (`ReadAheadTests` compares the two). Each record is still pulled under its own deadline
/// (`--max-read-seconds`), and time the parser spends waiting for the consumer is not counted. Memory stays
/// bounded: at most two batches (``batchRecords`` records or ``batchBytes`` bytes of text) are held.
struct ReadAhead: AsyncSequence, Sendable {
    typealias Element = AdapterOutput

    /// What the parsing task hands over: records, then the end or the error that ended the source.
    enum Handover: Sendable {
        case records([AdapterOutput])
        case failed(any Error)
    }

    static let batchRecords = 64
    static let batchBytes = 4 << 20

    let outputs: AdapterOutputs
    let budgets: InputBudgets
    let path: String
    /// Applied to each document as it is parsed (`--redact`), so the cleaning runs beside the stages after reading.
    var clean: CleanStep? = nil

    struct Iterator: AsyncIteratorProtocol {
        let channel: AsyncChannel<Handover>
        let producer: Task<Void, Never>
        var pending: [AdapterOutput] = []
        var index = 0
        var ended = false

        mutating func next() async throws -> AdapterOutput? {
            while index >= pending.count {
                if ended { return nil }
                var handovers = channel.makeAsyncIterator()
                switch await handovers.next() {
                case .records(let records)?:
                    pending = records
                    index = 0
                case .failed(let error)?:
                    ended = true
                    await producer.value
                    throw error
                case nil:
                    // The parser has dropped its reader (whose deinit may still touch the source: an archive
                    // entry's stream) before the caller reads on.
                    ended = true
                    await producer.value
                    return nil
                }
            }
            defer { index += 1 }
            return pending[index]
        }

        /// Ends the parsing task when the consumer stops before the end (a stop, a fail-fast), and waits for it: the
        /// record it was reading is finished or abandoned before this returns, so nothing reads the source (an
        /// archive entry's stream, whose archive the caller moves on) once the caller goes on.
        func stop() async {
            producer.cancel()
            channel.finish()
            await producer.value
        }
    }

    func makeAsyncIterator() -> Iterator {
        let channel = AsyncChannel<Handover>()
        let (outputs, budgets, path, clean) = (self.outputs, self.budgets, self.path, self.clean)
        // Inherits the reading task's locals (the stop request): a stop ends the parser at its next check.
        let producer = Task {
            var records: [AdapterOutput] = []
            var bytes = 0
            do {
                var iterator = outputs.makeAsyncIterator()
                while let output = try await StopCheck.withDeadline(budgets, file: path, { try await iterator.next() })
                {
                    if case .document(var document) = output {
                        clean?.apply(&document)
                        bytes += document.request.document.utf8.count
                        records.append(.document(document))
                    } else {
                        records.append(output)
                    }
                    if records.count >= Self.batchRecords || bytes >= Self.batchBytes {
                        await channel.send(.records(records))
                        records.removeAll(keepingCapacity: true)
                        bytes = 0
                    }
                    if Task.isCancelled { break }
                }
                if !records.isEmpty { await channel.send(.records(records)) }
            } catch {
                if !records.isEmpty { await channel.send(.records(records)) }
                await channel.send(.failed(error))
            }
            channel.finish()
        }
        return Iterator(channel: channel, producer: producer)
    }
}
