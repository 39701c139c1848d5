import ArgumentParser
import BackfillKit
import Foundation

/// Inputs and the shape of the requests, shared by `import` and `plan`.
struct SourceOptions: ParsableArguments {
    @Argument(help: "Files and folders to read (folders are walked; see .backfillignore).")
    var inputs: [String]

    @Option(help: "Job name: its ledger lives in .backfill/jobs/NAME/ (default: derived from the inputs).")
    var job: String?

    @Option(help: "Ledger file (overrides the job's default location).")
    var ledger: String?

    @Option(name: .customLong("user-id"), help: "user_id for documents that have none.")
    var userID: String?

    @Option(name: .customLong("customer-id"), help: "customer_id for documents that have none.")
    var customerID: String?

    @Option(help: "Ingestion mode for documents that have none: fast or long-range.")
    var mode: String?

    @Option(
        name: .customLong("type-map"),
        help: "FROM=TO document-type mapping for types the target does not accept (repeatable).")
    var typeMap: [String] = []

    @Option(name: .customLong("max-document-bytes"), help: "Largest document text, in bytes.")
    var maxDocumentBytes: Int = 4 * 1024 * 1024

    @Option(name: .customLong("max-batch-bytes"), help: "Largest request body, in bytes.")
    var maxBatchBytes: Int = 8 * 1024 * 1024

    @Option(
        name: .customLong("group-by"), help: "Grouping: message|thread (email), conversation|thread|day|channel (chat)."
    )
    var groupBy: String?

    @Option(
        name: .customLong("identity-map"),
        help: "CSV (key,user_id[,customer_id]) or YAML map of addresses/handles/speakers to ids.")
    var identityMap: String?

    @Option(help: "IANA time zone for sources with wall-clock times (WhatsApp, plain transcripts).")
    var timezone: String?

    @Option(help: "Charset of legacy text sources without one (e.g. windows-1252, gb2312).")
    var encoding: String?

    @Option(help: "Folder or file of declarative chat specs (YAML).")
    var spec: String?

    @Flag(help: "Transcripts: put [mm:ss] stamps before each turn.")
    var timestamps = false

    @Option(name: .customLong("created-at"), help: "ISO 8601 date for sources without one (transcripts).")
    var createdAt: String?

    @Option(name: .customLong("transcript-type"), help: "Transcripts as meeting-transcript (default) or audio.")
    var transcriptType: String?

    @Option(name: .customLong("adapter-option"), help: "KEY=VALUE passed to adapters (repeatable).")
    var adapterOption: [String] = []

    @Option(
        help: ArgumentHelp(
            "Remove before sending (email): quotes (quoted replies, attributions, Outlook headers), signatures, or all.",
            discussion: "Off by default; `plan` shows what it would remove. Counts go into each document's metadata."))
    var strip: String?

    @Option(
        help: ArgumentHelp(
            "Replace personal data with placeholders stable within the job: email,phone,card,iban,ip,secret or all.",
            discussion: "Text and metadata, before the content hash; `plan` shows the counts before anything is sent."))
    var redact: String?

    @Option(
        name: .customLong("parse-jobs"),
        help:
            "Records parsed at once, 1 to 512 (default: the number of cores; 1: inline). The output is the same either way."
    )
    var parseJobs: Int?

    @OptionGroup(title: "Budgets (past one, the item is skipped with a reason and the run goes on)")
    var budgets: BudgetOptions

    func validate() throws {
        if let mode, mode != "fast" && mode != "long-range" {
            throw ArgumentParser.ValidationError("--mode must be fast or long-range, not '\(mode)'")
        }
        if let parseJobs, !(1...512).contains(parseJobs) {
            throw ArgumentParser.ValidationError("--parse-jobs must be 1 to 512, not \(parseJobs)")
        }
        do {
            _ = try strip.map(ReplyCleaner.parseKinds)
            _ = try redact.map(Redactor.parseKinds)
        } catch {
            throw ArgumentParser.ValidationError("\(error)")
        }
        if maxDocumentBytes <= 0 || maxBatchBytes <= 1024 {
            throw ArgumentParser.ValidationError(
                "--max-document-bytes and --max-batch-bytes must be positive (batch > 1024)")
        }
    }

    func options() throws -> ImportOptions {
        var options = ImportOptions(inputs: inputs)
        options.job = job
        options.ledger = ledger
        options.userID = userID
        options.customerID = customerID
        options.mode = mode.map { Mode(rawValue: $0) }
        options.typeMap = try TypeMap.standard.overriding(with: typeMap)
        options.maxDocumentBytes = maxDocumentBytes
        options.maxBatchBytes = maxBatchBytes
        options.parseJobs = parseJobs
        for pair in adapterOption {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw BackfillCore.ValidationError(message: "--adapter-option takes KEY=VALUE; got '\(pair)'")
            }
            options.adapterOptions[parts[0]] = parts[1]
        }
        if let groupBy { options.adapterOptions["group-by"] = groupBy }
        if let strip {
            let kinds = try ReplyCleaner.parseKinds(strip)
            options.adapterOptions["strip"] = StripKind.allCases.filter(kinds.contains).map(\.rawValue).joined(
                separator: ",")
        }
        if let redact {
            let kinds = try Redactor.parseKinds(redact)
            options.adapterOptions["redact"] =
                RedactionKind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: ",")
        }
        if let timezone { options.adapterOptions["timezone"] = timezone }
        if let encoding { options.adapterOptions["encoding"] = encoding }
        if let spec { options.adapterOptions["spec"] = spec }
        if timestamps { options.adapterOptions["timestamps"] = "true" }
        if let createdAt {
            guard Timestamp.parse(createdAt) != nil else {
                throw BackfillCore.ValidationError(
                    message: "--created-at '\(createdAt)' is not ISO 8601 with a zone (e.g. 2024-01-05T10:00:00Z)")
            }
            options.adapterOptions["created-at"] = createdAt
        }
        if let transcriptType { options.adapterOptions["transcript-type"] = transcriptType }
        options.identityMapPath = identityMap
        options.budgets = budgets.budgets()
        return options
    }
}
