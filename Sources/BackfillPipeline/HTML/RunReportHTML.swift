import BackfillCore
import Foundation

extension RunReport {
    /// Rows of the per-source table at most: a million-document run over 100,000 files stays a page of a few
    /// megabytes (the JSON report lists every source).
    public static let htmlSourceRows = 500
    /// Low-confidence charset guesses listed at most.
    static let htmlCharsetRows = 100

    /// The report as one self-contained HTML page (`--html`): the outcome, the timeline of the history, sources,
    /// types, sizes, pacing, and the reasons with their examples.
    public func html() -> String {
        let isPlan = command == "plan"
        var page = HTMLPage(title: isPlan ? "Backfill plan — \(job ?? "")" : "Backfill \(command) — \(job ?? "")")
        page.append(headerHTML(isPlan: isPlan))
        page.append(outcomeHTML(isPlan: isPlan))
        page.append(timelineHTML())
        page.append(isPlan ? estimateHTML() : trafficHTML())
        page.append(sourcesHTML())
        page.append(typesHTML())
        page.append(cleaningHTML(isPlan: isPlan))
        page.append(sizesHTML())
        page.append(reasonsHTML())
        return page.render()
    }

    private func headerHTML(isPlan: Bool) -> String {
        var html = "<header><h1>\(isPlan ? "Plan (dry run: nothing was sent)" : "Import report")</h1><p class=\"meta\">"
        var facts: [String] = []
        facts.append("command <code>\(HTML.escape(command))</code>")
        if let job { facts.append("job <code>\(HTML.escape(job))</code>") }
        if let target {
            facts.append(
                "target <code>\(HTML.escape(target.name))</code> — \(HTML.escape(target.endpoint))\(target.isDefault ? " (default)" : "")"
            )
        }
        if let ledger { facts.append("ledger <code>\(HTML.escape(ledger))</code>") }
        facts.append(
            "took <span data-json=\"/wall_seconds\" data-v=\"\(wallSeconds)\">\(HTML.duration(wallSeconds))</span>")
        html += facts.joined(separator: " · ") + "</p>"
        html +=
            "<nav><a href=\"#outcome\">Outcome</a><a href=\"#timeline\">Timeline</a><a href=\"#\(isPlan ? "estimate" : "traffic")\">\(isPlan ? "Estimate" : "Requests")</a><a href=\"#sources\">Sources</a><a href=\"#types\">Types</a><a href=\"#sizes\">Sizes</a><a href=\"#reasons\">Rejections and skips</a></nav></header>\n"
        return html
    }

    // MARK: Outcome

    private func outcomeHTML(isPlan: Bool) -> String {
        let status = exitStatus
        let tone = exitCode == 0 ? "ok" : exitCode == 1 ? "warn" : "bad"
        var html =
            "<div class=\"outcome \(tone)\"><p><strong>Exit code <span data-json=\"/exit_code\">\(exitCode)</span></strong>: \(HTML.escape(Self.meaning(status, isPlan: isPlan)))</p>"
        if let stopped {
            var line = "Stopped (\(stopped.code)): \(stopped.message)"
            if let id = stopped.documentID { line += " — document \(id)" }
            if let location = stopped.location { line += " at \(location)" }
            html += "<p>\(HTML.escape(line))</p>"
        }
        let steps = nextSteps(isPlan: isPlan)
        if !steps.isEmpty {
            html += "<p>What to do next:</p><ul>" + steps.map { "<li>\($0)</li>" }.joined() + "</ul>"
        }
        html += "</div>"
        var cards: [(String, Int?, String, String)] = []
        if isPlan {
            cards.append(("valid (would be sent)", documents.valid, "valid", "ok"))
        } else {
            cards.append(("accepted", documents.accepted, "accepted", "ok"))
            cards.append(("duplicate (target had)", documents.duplicate, "duplicate", ""))
            cards.append(("sent this run", documents.sent, "sent", ""))
        }
        cards += [
            ("rejected", documents.rejected, "rejected", documents.rejected > 0 ? "bad" : ""),
            ("failed", documents.failed, "failed", documents.failed > 0 ? "bad" : ""),
            ("skipped", documents.skipped, "skipped", ""),
            ("duplicate in input", documents.duplicateInInput, "duplicate_in_input", ""),
            ("already ingested", documents.alreadyIngested, "already_ingested", ""),
        ]
        if documents.resumedFromCheckpoint > 0 {
            cards.append(("resumed from checkpoint", documents.resumedFromCheckpoint, "resumed_from_checkpoint", ""))
        }
        if documents.changedSinceIngest > 0 {
            cards.append(("changed since ingest", documents.changedSinceIngest, "changed_since_ingest", ""))
        }
        html += "<div class=\"stats\">"
        for (label, value, key, tone) in cards {
            guard let value else { continue }
            html +=
                "<div class=\"stat \(tone)\">\(HTML.count(value, json: ["documents", key]))<span class=\"label\">\(HTML.escape(label))</span></div>"
        }
        html += "</div><div class=\"stats\">"
        let sourceCards: [(String, Int, String)] = [
            ("files read", sources.files, "files"), ("files ignored", sources.ignored, "ignored"),
            ("files unrecognised", sources.unrecognised, "unrecognised"),
            ("files unreadable", sources.unreadable, "unreadable"),
            ("finished in earlier runs", sources.finishedEarlier, "finished_earlier"),
            ("resumed from a checkpoint", sources.resumed, "resumed"), ("changed since", sources.changed, "changed"),
        ]
        for (label, value, key) in sourceCards where value > 0 || key == "files" {
            html +=
                "<div class=\"stat\">\(HTML.count(value, json: ["sources", key]))<span class=\"label\">\(HTML.escape(label))</span></div>"
        }
        html += "</div>"
        return HTML.section("outcome", "Outcome", html)
    }

    /// What an exit code means (README.md, "Exit codes").
    public static func meaning(_ status: ExitStatus?, isPlan: Bool) -> String {
        switch status {
        case .done: isPlan ? "every document read would be sent" : "all done"
        case .finishedWithErrors:
            isPlan
                ? "some documents would be rejected (or items skipped): see below"
                : "finished, with rejected or failed documents"
        case .failFast: "aborted by --fail-fast at the first invalid document"
        case .stoppedByTarget: "stopped by the target (authentication, credits, a broken instance, or unavailable)"
        case .usage: "a usage error"
        case .software: "an internal error (a bug): please report it with this page"
        case .jobBusy: "another process runs this job"
        case .interrupted: "interrupted by a signal after the in-flight batches finished"
        case nil: "an exit code Backfill does not document"
        }
    }

    /// The next commands, as the outcome suggests them (HTML).
    private func nextSteps(isPlan: Bool) -> [String] {
        let jobFlag = job.map { " --job \(HTML.escape($0))" } ?? ""
        var steps: [String] = []
        if isPlan {
            if documents.rejected > 0 {
                steps.append(
                    "\(HTML.number(documents.rejected)) documents would be rejected: their reasons and examples are <a href=\"#reasons\">below</a>; fix the source (or a flag such as <code>--user-id</code>, <code>--type-map</code>) and plan again"
                )
            }
            if (documents.valid ?? 0) > 0, exitCode <= 1 {
                steps.append(
                    "<code>backfill import</code> with the same inputs and flags sends the \(HTML.number(documents.valid ?? 0)) valid documents"
                )
            }
        } else {
            switch exitStatus {
            case .interrupted: steps.append("<code>backfill resume\(jobFlag)</code> goes on where this run stopped")
            case .stoppedByTarget:
                steps.append("fix what the target said above, then <code>backfill resume\(jobFlag)</code>")
            case .failFast:
                steps.append("fix the document named above, then run the same command again (it resumes)")
            default: break
            }
            if documents.failed > 0 {
                steps.append(
                    "<code>backfill retry\(jobFlag)</code> sends the \(HTML.number(documents.failed)) failed documents again"
                )
            }
            if documents.rejected > 0 {
                steps.append(
                    "fix the \(HTML.number(documents.rejected)) rejected documents (<a href=\"#reasons\">reasons</a>), then <code>backfill retry\(jobFlag) --rejected</code>"
                )
            }
            if exitCode <= 1 {
                steps.append("<code>backfill verify\(jobFlag)</code> reads back what the target holds")
            }
        }
        return steps
    }

    // MARK: Pacing

    private func estimateHTML() -> String {
        guard let estimate else { return "" }
        var html = "<div class=\"stats\">"
        html +=
            "<div class=\"stat\">\(HTML.count(estimate.requests, json: ["estimate", "requests"]))<span class=\"label\">requests</span></div>"
        html +=
            "<div class=\"stat\"><span class=\"num\" data-json=\"/estimate/seconds\" data-v=\"\(estimate.seconds)\">\(HTML.duration(estimate.seconds))</span><span class=\"label\">estimated upload time</span></div></div>"
        let rate = estimate.requestsPerSecond.map { String(format: "%g requests/s (--rate)", $0) } ?? "no --rate"
        let docRate =
            estimate.documentsPerSecond.map { String(format: "%g documents/s (--doc-rate)", $0) } ?? "no --doc-rate"
        let bound: String
        switch estimate.limitedBy {
        case "rate": bound = "the request rate (--rate)"
        case "doc_rate": bound = "the document rate (--doc-rate)"
        default:
            bound = String(
                format: "the batches in flight (--concurrency %d) at an assumed %g s per request (--assumed-latency)",
                estimate.concurrency, estimate.assumedSecondsPerRequest)
        }
        html +=
            "<p>\(HTML.number(estimate.documents)) documents in \(HTML.number(estimate.requests)) request\(estimate.requests == 1 ? "" : "s"); \(HTML.escape(rate)), \(HTML.escape(docRate)), \(estimate.concurrency) in flight. The time is bounded by \(HTML.escape(bound)); the target's own limits and retries come on top.</p>"
        return HTML.section("estimate", "Estimate", html)
    }

    private func trafficHTML() -> String {
        var html = "<div class=\"stats\">"
        let figures: [(String, Int, String)] = [
            ("batches", requests.batches, "batches"), ("requests", requests.requests, "requests"),
            ("retries", requests.retries, "retries"), ("429s", requests.throttled, "throttled"),
        ]
        for (label, value, key) in figures {
            html +=
                "<div class=\"stat\">\(HTML.count(value, json: ["requests", key]))<span class=\"label\">\(label)</span></div>"
        }
        html +=
            "<div class=\"stat\"><span class=\"num\" data-json=\"/requests/waited_seconds\" data-v=\"\(requests.waitedSeconds)\">\(HTML.duration(requests.waitedSeconds))</span><span class=\"label\">waited (summed over workers)</span></div></div>"
        if let traffic, !traffic.buckets.isEmpty {
            let width = traffic.bucketSeconds
            let label = { (index: Int) in String(format: "%g s", Double(index) * width) }
            let bars = traffic.buckets.enumerated().map { index, bucket in
                HTML.Bar(
                    label: label(index),
                    counts: [bucket.requests - bucket.throttled, bucket.throttled, bucket.retries])
            }
            html += HTML.barChart(
                "traffic-chart",
                title: String(format: "Requests per %g s since the start: answered, 429s, and retries", width),
                series: ["answered", "429", "retries"], bars: bars, unit: "requests", category: "From")
            let waits = traffic.buckets.enumerated().map { index, bucket in
                HTML.Bar(label: label(index), counts: [Int((bucket.waitedSeconds * 1000).rounded())])
            }
            html += HTML.barChart(
                "wait-chart",
                title: String(
                    format: "Milliseconds of waiting begun per %g s (rate limiter, Retry-After, backoff)", width),
                series: ["waited ms"], bars: waits, unit: "ms", category: "From")
        } else {
            html += "<p>No request was sent.</p>"
        }
        return HTML.section("traffic", "Requests", html)
    }

    // MARK: Sources, types, sizes

    private func sourcesHTML() -> String {
        var html = "<h3>Per adapter</h3>"
        html += HTML.table(
            "adapters-table", headings: ["Adapter", "Files", "Documents", "Skipped"],
            rows: byAdapter.sorted { $0.key < $1.key }.map { name, counts in
                [
                    .text(name), .number(counts.files, json: ["by_adapter", name, "files"]),
                    .number(counts.documents, json: ["by_adapter", name, "documents"]),
                    .number(counts.skipped, json: ["by_adapter", name, "skipped"]),
                ]
            })
        let sorted = bySource.sorted {
            $0.value.documents != $1.value.documents ? $0.value.documents > $1.value.documents : $0.key < $1.key
        }
        let shown = sorted.prefix(Self.htmlSourceRows)
        let more = sorted.count - shown.count
        html += "<h3>Per source</h3>"
        html += HTML.table(
            "sources-table", headings: ["Source", "Documents", "Skipped", "Rejected"],
            rows: shown.map { path, counts in
                [
                    .text(path), .number(counts.documents, json: ["by_source", path, "documents"]),
                    .number(counts.skipped, json: ["by_source", path, "skipped"]),
                    .number(counts.rejected, json: ["by_source", path, "rejected"]),
                ]
            },
            footer: more > 0
                ? "and \(HTML.number(more)) more sources with fewer documents (the JSON report, --json, lists every one)"
                : nil)
        if !charsets.isEmpty {
            html += "<h3>Charsets</h3>"
            html += HTML.countTable("charsets-table", ["Charset", "Text sources"], charsets, json: "charsets")
        }
        if !lowConfidenceCharsets.isEmpty {
            html +=
                "<h3>Charset guesses Backfill is not sure of</h3><p>Check the text of these, or set <code>--encoding</code>.</p>"
            let shownGuesses = lowConfidenceCharsets.prefix(Self.htmlCharsetRows)
            html += HTML.table(
                "low-confidence-table", headings: ["File", "Charset", "Confidence", "Documents"],
                rows: shownGuesses.map {
                    [.text($0.file), .text($0.charset), .decimal($0.confidence, format: "%.2f"), .number($0.documents)]
                },
                footer: lowConfidenceCharsets.count > shownGuesses.count
                    ? "and \(HTML.number(lowConfidenceCharsets.count - shownGuesses.count)) more (see --json)" : nil)
        }
        return HTML.section("sources", "Sources", html)
    }

    private func typesHTML() -> String {
        var html = HTML.countTable("types-table", ["Type", "Documents"], byType, json: "by_type")
        if !typeMappings.isEmpty {
            html +=
                "<h3>Type mappings</h3><p>The target does not accept the original type; these were sent as another.</p>"
            html += HTML.countTable("mappings-table", ["From → to", "Documents"], typeMappings, json: "type_mappings")
        }
        if !defaults.isEmpty {
            html += "<h3>Set by Backfill</h3><p>The source did not say, or a flag overrode it.</p>"
            html += HTML.table(
                "defaults-table", headings: ["Field", "Value", "From", "Documents"],
                rows: defaults.enumerated().map { index, item in
                    [
                        .text(item.field), .text(item.value),
                        .text(item.origin == .flag ? "--\(item.field)" : "the target's default"),
                        .number(item.count, json: ["defaults", String(index), "count"]),
                    ]
                })
        }
        if !adjustments.isEmpty {
            html += "<h3>Adjusted to fit the target</h3>"
            html += HTML.countTable("adjustments-table", ["Change", "Documents"], adjustments, json: "adjustments")
        }
        return HTML.section("types", "Types", html)
    }

    private func sizesHTML() -> String {
        guard let shape, !shape.contentBytes.isEmpty else {
            return HTML.section("sizes", "Sizes", "<p>No document.</p>")
        }
        let bars = shape.contentBytes.enumerated().map { bucket, count in
            HTML.Bar(label: Self.sizeLabel(bucket), counts: [count])
        }
        let html = HTML.barChart(
            "sizes-chart", title: "Documents per size of their content (UTF-8 bytes)", series: ["documents"],
            bars: bars, category: "Content size", labelEvery: 1)
        return HTML.section("sizes", "Sizes", html)
    }

    /// Bucket k of ``Shape/contentBytes`` as a range: `0 B`, `1 B`, `2–3 B`, …, `1–2 KiB`.
    static func sizeLabel(_ bucket: Int) -> String {
        if bucket == 0 { return "0 B" }
        if bucket == 1 { return "1 B" }
        let low = 1 << (bucket - 1)
        return "\(HTML.bytes(low))–\(HTML.bytes(low << 1))"
    }

    // MARK: Reasons

    private func reasonsHTML() -> String {
        let groups: [(String, String, [Reason])] = [
            ("Rejected", "rejections", rejections), ("Skipped", "skips", skips), ("Failed", "failures", failures),
            ("Warnings", "warnings", warnings),
        ]
        guard groups.contains(where: { !$0.2.isEmpty }) else {
            return HTML.section("reasons", "Rejections and skips", "<p>Nothing was rejected, skipped or failed.</p>")
        }
        var html =
            "<p><label>Filter: <input type=\"search\" id=\"reason-filter\" placeholder=\"a code, a file, a word of the message\"></label> <span id=\"reason-filter-count\" class=\"where\"></span></p>"
        for (heading, key, reasons) in groups where !reasons.isEmpty {
            html += "<h3>\(heading)</h3>"
            for (index, reason) in reasons.enumerated() {
                html +=
                    "<div class=\"reason\" data-code=\"\(HTML.escape(reason.code))\"><h3><code>\(HTML.escape(reason.code))</code> × \(HTML.count(reason.count, json: [key, String(index), "count"]))</h3><ul>"
                for example in reason.examples {
                    let id = example.documentID.map { "<code>\(HTML.escape($0))</code> " } ?? ""
                    html +=
                        "<li class=\"example\">\(id)<span class=\"where\">\(HTML.escape(example.location))</span>: \(HTML.escape(example.message))</li>"
                }
                if reason.count > reason.examples.count {
                    html += "<li class=\"more\">and \(HTML.number(reason.count - reason.examples.count)) more</li>"
                }
                html += "</ul></div>"
            }
        }
        return HTML.section("reasons", "Rejections and skips", html)
    }
}
