/// A stop asked for while work runs without awaiting (decompression, framing, parsing): the pipeline binds
/// ``requested`` for its reading task, and every byte reader checks it once per chunk, so SIGINT/SIGTERM ends even
/// a busy adapter within a chunk's work (issue 12: within 2 seconds, wherever the work is).
///
/// The same check enforces the wall-time budget of one item (`--max-read-seconds`): the pipeline binds a
/// ``Deadline`` around each pull of an adapter or an archive, and the hot loops (MIME walk, JSON parsing, mbox
/// framing, XML walks) poll ``isRequested`` through a ``Poll``, end early when it is true, and their caller calls
/// ``check()``, which throws the budget's error.
public enum StopCheck {
    /// Whether the run was asked to stop; nil outside a pipeline.
    @TaskLocal public static var requested: Request?

    /// The question "was the run asked to stop?", as a task-local value. A struct, not a bare closure: a task-local
    /// of optional function type crashed the optimized build (`swift_task_localValuePush` was handed no type
    /// metadata: a bad-pointer read at -8, on every run; Swift 6.3.1, Linux).
    public struct Request: Sendable {
        private let isTriggered: @Sendable () -> Bool
        public init(_ isTriggered: @escaping @Sendable () -> Bool) { self.isTriggered = isTriggered }
        public func callAsFunction() -> Bool { isTriggered() }
    }

    /// When the item being read must be given up; nil outside a pipeline.
    @TaskLocal public static var deadline: Deadline?

    /// The run was asked to stop, or the item's time is up.
    public static var isRequested: Bool {
        Task.isCancelled || (requested?() ?? false) || (deadline?.hasPassed ?? false)
    }

    /// Throws `CancellationError` when the run was asked to stop, the `read_too_slow` ``AdapterError`` when the
    /// item's deadline has passed.
    public static func check() throws {
        if Task.isCancelled || (requested?() ?? false) { throw CancellationError() }
        if let deadline, deadline.hasPassed { throw deadline.error }
    }

    /// The wall-time budget of one item.
    public struct Deadline: Sendable {
        public let end: ContinuousClock.Instant
        public let budgets: InputBudgets
        public let file: String

        public init(budgets: InputBudgets, file: String) {
            self.budgets = budgets
            self.file = file
            let seconds = min(max(0, budgets.maxReadSeconds), 1e9)
            self.end = .now + .milliseconds(Int64(seconds * 1000))
        }

        public var hasPassed: Bool { ContinuousClock.now >= end }

        public var error: AdapterError {
            budgets.exceeded(
                .readSeconds, "reading this item took longer than \(budgets.value(of: .readSeconds)) s", file: file)
        }
    }

    /// Runs `body` with a fresh deadline for one item (the budgets' `maxReadSeconds` from now).
    public static func withDeadline<T>(
        _ budgets: InputBudgets, file: String, _ body: () async throws -> T
    ) async rethrows -> T {
        try await $deadline.withValue(Deadline(budgets: budgets, file: file)) {
            try await InputBudgets.$current.withValue(budgets) { try await body() }
        }
    }

    /// Runs `body` with a fresh deadline of the same budget, when one is bound (a pass over a whole archive restarts
    /// the clock per entry, so a large archive is not cut for its size).
    public static func withFreshDeadline<T>(file: String, _ body: () throws -> T) rethrows -> T {
        guard let current = deadline else { return try body() }
        return try $deadline.withValue(Deadline(budgets: current.budgets, file: file)) { try body() }
    }

    /// Polls ``StopCheck/isRequested`` once every `every` calls, for loops too hot to look at the clock each turn.
    public struct Poll {
        private var countdown: Int
        private let every: Int
        /// Latched: once true, stays true.
        public private(set) var stopped = false

        public init(every: Int = 1024) {
            self.every = max(1, every)
            // The first call looks: a loop entered after a stop ends at once.
            self.countdown = 1
        }

        /// Whether the loop should end now.
        public mutating func shouldStop() -> Bool {
            if stopped { return true }
            countdown -= 1
            guard countdown <= 0 else { return false }
            countdown = every
            stopped = StopCheck.isRequested
            return stopped
        }
    }
}
