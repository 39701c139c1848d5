import BackfillPipeline
import BackfillTargetKit

extension VerifyReport {
    /// The verification as one self-contained HTML page (`backfill verify --html`).
    public func html() -> String {
        var page = HTMLPage(title: "Backfill verify — \(job)")
        page.append(
            "<header><h1>Verify</h1><p class=\"meta\">job <code>\(HTML.escape(job))</code> · target <code>\(HTML.escape(target))</code> · \(polls) polls in \(HTML.duration(elapsedSeconds))</p></header>\n"
        )
        let tone = exitCode == 0 ? "ok" : exitCode == 1 ? "warn" : "bad"
        var outcome =
            "<div class=\"outcome \(tone)\"><p><strong>Exit code <span data-json=\"/exit_code\">\(exitCode)</span></strong>: \(HTML.escape(RunReport.meaning(ExitStatus(rawValue: exitCode), isPlan: false)))</p>"
        if let stopped { outcome += "<p>Stopped: \(HTML.escape(stopped))</p>" }
        if missing > 0 {
            outcome +=
                markedForRetry
                ? "<p>The missing documents are marked failed: <code>backfill retry --job \(HTML.escape(job))</code> sends them again.</p>"
                : "<p><code>backfill verify --job \(HTML.escape(job)) --mark-missing</code>, then <code>backfill retry</code>, sends the missing documents again.</p>"
        }
        if timedOut { outcome += "<p>--wait timed out with \(HTML.number(pending)) documents still pending.</p>" }
        outcome += "</div><div class=\"stats\">"
        for (label, value, key) in [
            ("checked", checked, "checked"), ("present", present, "present"), ("missing", missing, "missing"),
            ("unknown", unknown, "unknown"), ("pending", pending, "pending"),
        ] {
            let bad = (key == "missing" || key == "unknown") && value > 0 ? " bad" : ""
            outcome +=
                "<div class=\"stat\(bad)\">\(HTML.count(value, json: [key]))<span class=\"label\">\(label)</span></div>"
        }
        outcome += "</div>"
        page.append(HTML.section("outcome", "Outcome", outcome))
        if !ingestion.isEmpty {
            let ordered =
                Self.statusOrder.filter { ingestion[$0] != nil }
                + ingestion.keys.filter { !Self.statusOrder.contains($0) }.sorted()
            let bars = [HTML.Bar(label: "documents", counts: ordered.map { ingestion[$0] ?? 0 })]
            var html = HTML.table(
                "ingestion-table", headings: ["Status", "Documents"],
                rows: ordered.map { [.text($0), .number(ingestion[$0] ?? 0, json: ["ingestion", $0])] })
            html += HTML.barChart(
                "ingestion-chart", title: "Accepted documents by the target's processing status", series: ordered,
                bars: bars, category: "Documents")
            page.append(HTML.section("ingestion", "Processing on the target", html))
        }
        let details = detailsHTML()
        if !details.isEmpty { page.append(HTML.section("details", "Details", details)) }
        return page.render()
    }

    private func detailsHTML() -> String {
        var details = ""
        if !missingExamples.isEmpty {
            details += "<h3>Missing</h3><ul>"
            details += missingExamples.map { "<li class=\"example\">\(HTML.escape($0))</li>" }.joined()
            if missing > missingExamples.count {
                details += "<li>and \(HTML.number(missing - missingExamples.count)) more</li>"
            }
            details += "</ul>"
        }
        if !unknownReasons.isEmpty {
            details += "<h3>Unknown</h3>"
            details += HTML.countTable(
                "unknown-table", ["Reason", "Documents"], unknownReasons, json: "unknown_reasons")
        }
        if !ingestionFailures.isEmpty {
            details += "<h3>Processing failed</h3>"
            details += HTML.table(
                "failures-table", headings: ["Document", "Status", "Error"],
                rows: ingestionFailures.map { [.text($0.documentID), .text($0.status), .text($0.error ?? "")] })
        }
        return details
    }
}
