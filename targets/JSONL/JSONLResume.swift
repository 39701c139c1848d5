import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation

/// A resumed JSONL job's `--out` file.
public enum JSONLResume {
    /// Puts a regular `--out` file in the state the job's ledger vouches for: a new job starts it empty; a resumed
    /// job keeps the lines its ledger records as written and cuts off anything after them (a batch whose outcome
    /// was never committed, a line cut short by a crash) — those documents are written again. A file shorter than
    /// the ledger says is kept and appended to, with a notice. Devices, FIFOs and stdout are only written to.
    public static func resumeOutput(_ output: OutputFile, ledger: Ledger, notice: @Sendable (String) -> Void) throws {
        guard output.isRegularFile else { return }
        let size = output.size ?? 0
        guard let committed = try ledger.maxIngestionRangeEnd(prefix: JSONLTarget.ingestionPrefix) else {
            let counts = try ledger.stateCounts()
            if (counts[.accepted] ?? 0) + (counts[.duplicate] ?? 0) > 0 {
                // Written by a Backfill that did not record byte ranges: keep everything, append.
                if size > 0 { notice("jsonl: appending to \(output.path) (the job wrote to it before)") }
            } else {
                try output.truncate(to: 0)
            }
            return
        }
        if size > committed {
            try output.truncate(to: committed)
            if committed > 0 {
                notice(
                    "jsonl: \(output.path) kept its first \(committed) bytes (what the ledger records as written); \(size - committed) bytes after them were cut and their documents are written again"
                )
            }
        } else if size < committed {
            notice(
                "jsonl: the ledger records \(committed) bytes written to \(output.path) but it holds \(size): documents already written are not written again (use another --job to write everything)"
            )
        }
    }
}
