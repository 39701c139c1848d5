import BackfillCore

/// Why a run stopped before the end (`stopped.code` in the report). The target's own stop codes
/// (`unauthorized`, `insufficient_credits`, …) are kept as it spelled them.
public enum StopReason: Sendable, Hashable, Codable, RawRepresentable {
    /// `--fail-fast` met an invalid or refused document.
    case failFast
    /// SIGINT/SIGTERM (or ``StopSignal/trigger()``): in-flight batches finished.
    case interrupted
    /// A bug: sending a batch threw something no stage handles.
    case internalError
    /// The target could not be reached or could not confirm what it holds, batch after batch.
    case targetUnavailable
    /// The target refused to go on (authentication, credits, a broken instance), with its code.
    case target(String)

    public init(rawValue: String) {
        switch rawValue {
        case "fail_fast": self = .failFast
        case "interrupted": self = .interrupted
        case "internal_error": self = .internalError
        case "target_unavailable": self = .targetUnavailable
        default: self = .target(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .failFast: "fail_fast"
        case .interrupted: "interrupted"
        case .internalError: "internal_error"
        case .targetUnavailable: "target_unavailable"
        case .target(let code): code
        }
    }

    /// The exit status a run stopped for this reason ends with.
    public var exitStatus: ExitStatus {
        switch self {
        case .failFast: .failFast
        case .interrupted: .interrupted
        case .internalError: .software
        case .targetUnavailable, .target: .stoppedByTarget
        }
    }
}

/// The documented exit codes (README.md, "Exit codes"; a test compares the table with these cases).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// All done.
    case done = 0
    /// Finished, with rejected or failed documents.
    case finishedWithErrors = 1
    /// Aborted by `--fail-fast` at the first invalid document.
    case failFast = 3
    /// Stopped by the target (authentication, credits, a broken instance, the target unavailable).
    case stoppedByTarget = 4
    /// A usage error: a flag, an input, an `--out`, a job name.
    case usage = 64
    /// An internal error (a bug).
    case software = 70
    /// Another process runs the job (EX_TEMPFAIL).
    case jobBusy = 75
    /// Interrupted by SIGINT/SIGTERM after the in-flight batches finished.
    case interrupted = 130
}

/// Things to know that are not errors (`warnings` in the report).
public enum WarningCode: String, Sendable, CaseIterable {
    /// Documents an interrupted run left `sending` were found on the target and not sent again.
    case reconciledAfterCrash = "reconciled_after_crash"
    /// `document_created_at` has no zone offset.
    case createdAtWithoutZone = "created_at_without_zone"
    /// A source changed since an earlier run: read again from the start.
    case sourceChanged = "source_changed"
}

/// Codes the pipeline itself records for a document's outcome (beside the target's own failure codes).
public enum OutcomeCode: String, Sendable, CaseIterable {
    /// Sent, but the target could not say whether it holds it (the document stays `sending`).
    case outcomeUnknown = "outcome_unknown"
    /// The run stopped before this document's batch was sent (it stays `pending`).
    case notSent = "not_sent"
    /// The target already held it.
    case duplicate
}

extension RunReport {
    /// The status this report's run ends with: its stop's, else errors, else done.
    var finalStatus: ExitStatus {
        if let stopped { return stopped.reason.exitStatus }
        return documents.rejected + documents.failed > 0 ? .finishedWithErrors : .done
    }
}

extension StopReason {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
