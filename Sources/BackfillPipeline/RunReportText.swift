import BackfillCore
import Foundation

extension RunReport {
    /// The report for people.
    public func text() -> String {
        var lines: [String] = []
        headerLines(&lines)
        documentLines(&lines)
        tableLines(&lines)
        cleaningLines(&lines)
        timestampAndCharsetLines(&lines)
        sourceAndReasonLines(&lines)
        footerLines(&lines)
        return lines.joined(separator: "\n")
    }

    /// Title, job, ledger, target, sources.
    private func headerLines(_ lines: inout [String]) {
        let title = command == "plan" ? "Plan (dry run: nothing was sent)" : "Import report"
        lines.append(title)
        if let job { lines.append("  job:      \(job)") }
        if let ledger { lines.append("  ledger:   \(ledger)") }
        if let target {
            lines.append(
                "  target:   \(target.name) — \(target.endpoint)\(target.isDefault ? " (default target)" : "")")
        }
        lines.append(
            "  sources:  \(sources.files) files read, \(sources.ignored) ignored, \(sources.unrecognised) unrecognised, \(sources.unreadable) unreadable"
        )
        if sources.finishedEarlier + sources.resumed + sources.changed > 0 {
            lines.append(
                "            \(sources.finishedEarlier) finished in earlier runs (not read again), \(sources.resumed) resumed from a checkpoint, \(sources.changed) changed since an earlier run"
            )
        }
    }

    /// The documents per state.
    private func documentLines(_ lines: inout [String]) {
        lines.append("")
        lines.append("Documents")
        if let valid = documents.valid {
            lines.append("  valid (would be sent)   \(valid)")
        }
        if let accepted = documents.accepted {
            lines.append("  accepted                \(accepted)")
        }
        if let duplicate = documents.duplicate {
            lines.append("  duplicate (target had)  \(duplicate)")
        }
        lines.append("  rejected                \(documents.rejected)")
        lines.append("  failed                  \(documents.failed)")
        lines.append("  skipped                 \(documents.skipped)")
        lines.append("  duplicate in input      \(documents.duplicateInInput)")
        lines.append(
            "  already ingested        \(documents.alreadyIngested)  (earlier runs of this job; not sent again)")
        if command != "plan" { lines.append("  sent this run           \(documents.sent)") }
        if documents.resumedFromCheckpoint > 0 {
            lines.append(
                "  resumed from checkpoint \(documents.resumedFromCheckpoint)  (settled earlier; not read again)")
        }
        if documents.changedSinceIngest > 0 {
            lines.append(
                "  changed since ingest    \(documents.changedSinceIngest)  (same id, new content: not re-sent)")
        }
    }

    /// By adapter, by type, type mappings, defaults, adjustments.
    private func tableLines(_ lines: inout [String]) {
        if !byAdapter.isEmpty {
            lines.append("")
            lines.append("By adapter")
            lines += TextTable.lines(
                byAdapter.sorted(by: { $0.key < $1.key }).map { name, counts in
                    [name, "\(counts.files) files,", "\(counts.documents) documents,", "\(counts.skipped) skipped"]
                }, indent: "  ")
        }
        if !byType.isEmpty {
            lines.append("")
            lines.append("By type")
            lines += TextTable.lines(
                byType.sorted(by: { $0.key < $1.key }).map { [$0.key, "\($0.value)"] }, indent: "  ")
        }
        if !typeMappings.isEmpty {
            lines.append("")
            lines.append("Type mappings (the target does not accept the original type)")
            lines += TextTable.lines(
                typeMappings.sorted(by: { $0.key < $1.key }).map { [$0.key, "\($0.value)"] }, indent: "  ")
        }
        if !defaults.isEmpty {
            lines.append("")
            lines.append("Set by Backfill (the source did not say, or a flag overrode it)")
            for item in defaults {
                let origin = item.origin == .flag ? "from --\(item.field)" : "the target's default"
                lines.append("  \(item.field) = \(item.value) (\(origin)): \(item.count) documents")
            }
        }
        if !adjustments.isEmpty {
            lines.append("")
            lines.append("Adjusted to fit the target")
            for (what, count) in adjustments.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(what): \(count)")
            }
        }
    }

    /// Timestamps and charsets.
    private func timestampAndCharsetLines(_ lines: inout [String]) {
        lines.append("")
        lines.append(
            "Timestamps: \(timestamps.fromSource) from the source, \(timestamps.fallback) from a fallback (file modification time), \(timestamps.missing) missing"
        )
        if timestamps.fallback > 0 || timestamps.missing > 0 {
            lines.append("  note: documents without a source date get a fallback or the target's import time")
        }
        if !charsets.isEmpty {
            lines.append("")
            lines.append("Charsets (text sources decoded from each; BOM, --encoding or detected)")
            lines += TextTable.lines(
                charsets.sorted { $0.key < $1.key }.map { [$0.key, "\($0.value)"] }, indent: "  ")
        }
        if !lowConfidenceCharsets.isEmpty {
            lines.append("")
            lines.append(
                "Low-confidence charset guesses (below \(SourceCharset.confidenceThreshold); check the text, or set --encoding)"
            )
            for guess in lowConfidenceCharsets.prefix(20) {
                let documents = guess.documents == 1 ? "1 document" : "\(guess.documents) documents"
                lines.append(
                    "  \(guess.file): \(guess.charset), confidence \(String(format: "%.2f", guess.confidence)) (\(documents))"
                )
            }
            if lowConfidenceCharsets.count > 20 {
                lines.append("  … and \(lowConfidenceCharsets.count - 20) more (see --json)")
            }
        }
    }

    /// By source, then the reasons with examples.
    private func sourceAndReasonLines(_ lines: inout [String]) {
        if bySource.count > 1 {
            lines.append("")
            lines.append("By source (documents / skipped / rejected)")
            let sorted = bySource.sorted { $0.key < $1.key }
            for (path, counts) in sorted.prefix(20) {
                lines.append("  \(path): \(counts.documents) / \(counts.skipped) / \(counts.rejected)")
            }
            if sorted.count > 20 { lines.append("  … and \(sorted.count - 20) more (see --json)") }
        }
        for (heading, reasons) in [
            ("Rejected", rejections), ("Skipped", skips), ("Failed", failures), ("Warnings", warnings),
        ] where !reasons.isEmpty {
            lines.append("")
            lines.append(heading)
            for reason in reasons {
                lines.append("  \(reason.code) × \(reason.count)")
                for example in reason.examples {
                    let id = example.documentID.map { "[\($0)] " } ?? ""
                    lines.append("    - \(id)\(example.location): \(example.message)")
                }
            }
        }
    }

    /// Requests, the stop, the time and exit code.
    private func footerLines(_ lines: inout [String]) {
        if command != "plan" || requests.batches > 0 {
            lines.append("")
            let verb = command == "plan" ? "would need" : "sent"
            lines.append(
                "Requests: \(verb) \(requests.batches) batches, \(requests.requests) requests, \(requests.retries) retries, \(requests.throttled) throttled (429), \(requests.bytesSent) bytes"
                    + (command == "plan" ? "" : String(format: ", %.1f s waited", requests.waitedSeconds)))
        }
        if let stopped {
            lines.append("")
            var line = "STOPPED (\(stopped.code)): \(stopped.message)"
            if let id = stopped.documentID { line += " — document \(id)" }
            if let location = stopped.location { line += " at \(location)" }
            lines.append(line)
        }
        lines.append("")
        lines.append(String(format: "Finished in %.2f s — exit code %d", wallSeconds, exitCode))
    }
}

/// Plain-text columns that fit their contents: each column as wide as its widest cell (nothing is ever cut),
/// numbers right-aligned, two spaces between columns.
public enum TextTable {
    public static func lines(_ rows: [[String]], indent: String = "") -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        var numeric = Array(repeating: true, count: columns)
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                widths[c] = max(widths[c], cell.count)
                // A header row (all non-numeric) does not decide a column's alignment.
                if r > 0 || rows.count == 1, Int(cell) == nil && cell != "-" { numeric[c] = false }
            }
        }
        return rows.map { row in
            var line = indent
            for (c, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                let last = c == row.count - 1
                line += numeric[c] ? pad + cell : (last ? cell : cell + pad)
                if !last { line += "  " }
            }
            return line
        }
    }
}
