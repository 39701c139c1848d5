import ArgumentParser
import BackfillKit

/// What one input may cost: `InputBudgets`, one flag each (README.md, "Budgets").
struct BudgetOptions: ParsableArguments {
    private static let defaults = InputBudgets()

    @Option(
        name: .customLong("max-depth"),
        help: "Nesting of MIME parts, quoted messages, JSON and XML in one item (default \(defaults.maxDepth)).")
    var maxDepth: Int?

    @Option(
        name: .customLong("max-parts"),
        help: "MIME parts of one message, cues of one transcript (default \(defaults.maxParts)).")
    var maxParts: Int?

    @Option(
        name: .customLong("max-line-bytes"),
        help: "One line (JSONL, WhatsApp) or one element of a JSON export, in bytes (default \(defaults.maxLineBytes))."
    )
    var maxLineBytes: Int?

    @Option(
        name: .customLong("max-read-seconds"),
        help:
            "Wall time to read one item: a file, an archive entry or one record (default \(Int(defaults.maxReadSeconds)))."
    )
    var maxReadSeconds: Double?

    @Option(
        name: .customLong("max-entry-bytes"),
        help: "One archive entry, expanded, in bytes (default \(defaults.containers.maxEntryBytes)).")
    var maxEntryBytes: Int64?

    @Option(
        name: .customLong("max-expanded-bytes"),
        help: "One archive, all entries expanded, in bytes (default \(defaults.containers.maxTotalBytes)).")
    var maxExpandedBytes: Int64?

    @Option(
        name: .customLong("max-compression-ratio"),
        help:
            "Expanded ÷ compressed size of an archive entry (default \(Int(defaults.containers.maxCompressionRatio))).")
    var maxCompressionRatio: Double?

    @Option(
        name: .customLong("max-archive-entries"),
        help: "Entries of one archive (default \(defaults.containers.maxEntries)).")
    var maxArchiveEntries: Int?

    @Option(
        name: .customLong("max-archive-depth"),
        help: "Archives inside archives, the outermost counting 1 (default \(defaults.containers.maxDepth)).")
    var maxArchiveDepth: Int?

    @Option(
        name: .customLong("max-compression-layers"),
        help:
            "Compression filters stacked on one file, e.g. x.gz.gz (default \(defaults.containers.maxCompressionLayers))."
    )
    var maxCompressionLayers: Int?

    private var given: [(InputBudgets.Budget, String)] {
        var out: [(InputBudgets.Budget, String)] = []
        if let maxDepth { out.append((.depth, "\(maxDepth)")) }
        if let maxParts { out.append((.parts, "\(maxParts)")) }
        if let maxLineBytes { out.append((.lineBytes, "\(maxLineBytes)")) }
        if let maxReadSeconds { out.append((.readSeconds, "\(maxReadSeconds)")) }
        if let maxEntryBytes { out.append((.entryBytes, "\(maxEntryBytes)")) }
        if let maxExpandedBytes { out.append((.expandedBytes, "\(maxExpandedBytes)")) }
        if let maxCompressionRatio { out.append((.compressionRatio, "\(maxCompressionRatio)")) }
        if let maxArchiveEntries { out.append((.archiveEntries, "\(maxArchiveEntries)")) }
        if let maxArchiveDepth { out.append((.archiveDepth, "\(maxArchiveDepth)")) }
        if let maxCompressionLayers { out.append((.compressionLayers, "\(maxCompressionLayers)")) }
        return out
    }

    func validate() throws {
        var budgets = InputBudgets()
        for (budget, value) in given where !budgets.set(budget, value) {
            throw ArgumentParser.ValidationError("\(budget.rawValue) must be a positive number (got \(value))")
        }
    }

    func budgets() -> InputBudgets {
        var budgets = InputBudgets()
        for (budget, value) in given { budgets.set(budget, value) }
        return budgets
    }
}
