import Foundation

/// What one input may cost: nesting, sizes, counts and time. Past a budget the item (a file, an archive entry,
/// a message, a line) is skipped with a reason naming the budget and the flag that raises it, and the run goes on.
///
/// The pipeline hands the budgets to adapters in ``AdapterContext/budgets`` and also binds them as the task-local
/// ``InputBudgets/current`` while an adapter reads, so parsers deep below an adapter (the JSON byte parser, the
/// line reader) apply them without each call passing them down. README.md lists every budget with its default.
public struct InputBudgets: Sendable, Hashable {
    /// Nesting of one kind inside one item: MIME parts (and messages quoted in messages), JSON arrays/objects,
    /// XML elements (`--max-depth`).
    public var maxDepth = 64
    /// MIME parts of one message, cues of one transcript (`--max-parts`).
    public var maxParts = 100_000
    /// One line of a line-based file (JSONL, WhatsApp, chat specs) or one JSON value of a streamed array, in bytes
    /// (`--max-line-bytes`).
    public var maxLineBytes = 64 << 20
    /// Wall time to read one item — a file, an archive entry, or one record of a file holding many (a message of an
    /// mbox) — not counting time spent waiting for the target (`--max-read-seconds`).
    public var maxReadSeconds: Double = 300
    /// What archives may unpack (`--max-entry-bytes`, `--max-expanded-bytes`, `--max-compression-ratio`,
    /// `--max-archive-entries`, `--max-archive-depth`, `--max-compression-layers`).
    public var containers = ContainerLimits()

    public init() {}

    /// The budgets of the reading task (bound by the pipeline); the defaults outside a pipeline.
    @TaskLocal public static var current = InputBudgets()

    /// One budget: its name as a flag, for messages.
    public enum Budget: String, Sendable, CaseIterable {
        case depth = "--max-depth"
        case parts = "--max-parts"
        case lineBytes = "--max-line-bytes"
        case readSeconds = "--max-read-seconds"
        case entryBytes = "--max-entry-bytes"
        case expandedBytes = "--max-expanded-bytes"
        case compressionRatio = "--max-compression-ratio"
        case archiveEntries = "--max-archive-entries"
        case archiveDepth = "--max-archive-depth"
        case compressionLayers = "--max-compression-layers"

        /// The stable skip code of an item over this budget.
        public var code: SkipCode {
            switch self {
            case .depth: .nestingTooDeep
            case .parts: .tooManyParts
            case .lineBytes: .lineTooLong
            case .readSeconds: .readTooSlow
            case .entryBytes: .entryTooLarge
            case .expandedBytes: .archiveTooLarge
            case .compressionRatio: .zipBomb
            case .archiveEntries: .tooManyEntries
            case .archiveDepth: .archiveTooDeep
            case .compressionLayers: .tooManyCompressionLayers
            }
        }
    }

    /// The limit of `budget`, as written on the command line.
    public func value(of budget: Budget) -> String {
        switch budget {
        case .depth: return "\(maxDepth)"
        case .parts: return "\(maxParts)"
        case .lineBytes: return "\(maxLineBytes)"
        case .readSeconds:
            return maxReadSeconds == maxReadSeconds.rounded() ? "\(Int(maxReadSeconds))" : "\(maxReadSeconds)"
        case .entryBytes: return "\(containers.maxEntryBytes)"
        case .expandedBytes: return "\(containers.maxTotalBytes)"
        case .compressionRatio: return "\(Int(containers.maxCompressionRatio))"
        case .archiveEntries: return "\(containers.maxEntries)"
        case .archiveDepth: return "\(containers.maxDepth)"
        case .compressionLayers: return "\(containers.maxCompressionLayers)"
        }
    }

    /// Sets one budget from its flag's value; false (nothing changed) when the value is not a positive number.
    @discardableResult
    public mutating func set(_ budget: Budget, _ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if budget == .readSeconds || budget == .compressionRatio {
            guard let value = Double(trimmed), value > 0, value.isFinite else { return false }
            if budget == .readSeconds { maxReadSeconds = value } else { containers.maxCompressionRatio = value }
            return true
        }
        guard let value = Int64(trimmed), value > 0 else { return false }
        let int = Int(clamping: value)
        switch budget {
        case .depth: maxDepth = int
        case .parts: maxParts = int
        case .lineBytes: maxLineBytes = int
        case .entryBytes: containers.maxEntryBytes = value
        case .expandedBytes: containers.maxTotalBytes = value
        case .archiveEntries: containers.maxEntries = int
        case .archiveDepth: containers.maxDepth = int
        case .compressionLayers: containers.maxCompressionLayers = int
        case .readSeconds, .compressionRatio: return false
        }
        return true
    }

    /// Every budget as flag → value (a job's saved settings).
    public var flagValues: [String: String] {
        Dictionary(uniqueKeysWithValues: Budget.allCases.map { ($0.rawValue, value(of: $0)) })
    }

    /// `(budget --max-depth 64)`: the tail of every message about an item over a budget.
    public func note(_ budget: Budget) -> String { "(budget \(budget.rawValue) \(value(of: budget)))" }

    /// The error of an item over `budget`: `what` says what was found ("MIME parts nested deeper than 64 levels").
    public func exceeded(
        _ budget: Budget, _ what: String, file: String, position: RecordPosition = .wholeFile
    ) -> AdapterError {
        AdapterError(
            code: budget.code, file: file, position: position,
            message: "\(what) \(note(budget)); the item is skipped — raise \(budget.rawValue) if it is genuine")
    }
}

extension ContainerLimits {
    /// `(budget --max-entry-bytes 8589934592)`: the tail of a message about an archive over a limit.
    public func note(_ budget: InputBudgets.Budget) -> String {
        var budgets = InputBudgets()
        budgets.containers = self
        return budgets.note(budget)
    }
}
