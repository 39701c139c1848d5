import BackfillCore

/// Array elements framed in order and parsed and converted (JSON → ``JSONValue`` → outputs) on tasks of their own,
/// at most ``AdapterContext/parseLookaheadRecords(jobs:)`` elements and ``AdapterContext/parseLookaheadBytes(jobs:)``
/// ahead of the one being handed on; handed back oldest first. What ended the framing (the end of the array, a
/// truncation) comes after the last element.
final class ParseWindow {
    private let jobs: Int
    private let lookaheadBytes: Int
    private var pending: [(JSONArrayStream.Element, Task<Result<[AdapterOutput], ElementParser.Problem>, Never>)] = []
    private var head = 0
    private var bytes = 0
    private(set) var framingEnded = false
    private(set) var endOutputs: [AdapterOutput] = []
    /// An error that ended the framing (a read error, a stop): thrown after the last element.
    private(set) var endError: (any Error)?

    init(jobs: Int) {
        self.jobs = jobs
        self.lookaheadBytes = AdapterContext.parseLookaheadBytes(jobs: jobs)
    }

    var hasRoom: Bool {
        pending.count - head < AdapterContext.parseLookaheadRecords(jobs: jobs)
            && (bytes < lookaheadBytes || pending.count == head)
    }

    /// Starts parsing and converting `element`; the task inherits the reading task's locals (stop request, budgets,
    /// deadline).
    func start(
        _ element: JSONArrayStream.Element, file: String,
        work: @escaping @Sendable (JSONArrayStream.Element) -> Result<[AdapterOutput], ElementParser.Problem>
    ) {
        let task = Task { StopCheck.withFreshDeadline(file: file) { work(element) } }
        bytes += element.bytes.count
        pending.append((element, task))
    }

    func end(with outputs: [AdapterOutput], error: (any Error)? = nil) {
        framingEnded = true
        endOutputs = outputs
        endError = error
    }

    /// The oldest element and its parse, nil once all were handed back.
    func pop() -> (JSONArrayStream.Element, Task<Result<[AdapterOutput], ElementParser.Problem>, Never>)? {
        guard head < pending.count else { return nil }
        let item = pending[head]
        head += 1
        bytes -= item.0.bytes.count
        if head > 256 {
            pending.removeFirst(head)
            head = 0
        }
        return item
    }
}
