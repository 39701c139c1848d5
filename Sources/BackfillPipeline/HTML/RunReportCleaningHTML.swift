extension RunReport {
    /// `--strip` and `--redact`: what was (in a plan: would be) removed and replaced, in all and per source.
    func cleaningHTML(isPlan: Bool) -> String {
        guard let cleaning else { return "" }
        var html = ""
        if !cleaning.strip.isEmpty {
            let s = cleaning.stripped
            let json = ["cleaning", "stripped"]
            html += "<h3>--strip \(HTML.escape(cleaning.strip.joined(separator: ",")))</h3>"
            html += HTML.table(
                "strip-table", headings: ["Removed", "Lines", "Characters"],
                rows: [
                    [
                        .text("quoted replies"), .number(s.quotedLines, json: json + ["quoted_lines"]),
                        .number(s.quotedCharacters, json: json + ["quoted_characters"]),
                    ],
                    [
                        .text("signatures"), .number(s.signatureLines, json: json + ["signature_lines"]),
                        .number(s.signatureCharacters, json: json + ["signature_characters"]),
                    ],
                ],
                caption: "\(HTML.number(s.documents)) documents \(isPlan ? "would be " : "")shortened; "
                    + "\(HTML.number(s.forwards)) forwarded-message separators kept as a marker")
        }
        if !cleaning.redact.isEmpty {
            html += "<h3>--redact \(HTML.escape(cleaning.redact.joined(separator: ",")))</h3>"
            html += HTML.table(
                "redact-table", headings: ["Kind", "Placeholders"],
                rows: cleaning.redact.map { kind in
                    let count = cleaning.redacted[kind]
                    return [
                        .text(kind), .number(count ?? 0, json: count == nil ? nil : ["cleaning", "redacted", kind]),
                    ]
                },
                caption: "\(HTML.number(cleaning.documentsRedacted)) documents \(isPlan ? "would be " : "")redacted")
        }
        let sources = cleaning.bySource.sorted { $0.key < $1.key }
        if !sources.isEmpty {
            let kinds = cleaning.redact
            html += "<h3>Per source</h3>"
            html += HTML.table(
                "cleaning-sources-table",
                headings: ["Source"] + (cleaning.strip.isEmpty ? [] : ["Quoted lines", "Signature lines"]) + kinds,
                rows: sources.prefix(500).map { file, counts in
                    var row: [HTML.Cell] = [.text(file)]
                    if !cleaning.strip.isEmpty {
                        row += [.number(counts.stripped.quotedLines), .number(counts.stripped.signatureLines)]
                    }
                    return row + kinds.map { .number(counts.redacted[$0] ?? 0) }
                },
                footer: sources.count > 500 ? "and \(HTML.number(sources.count - 500)) more" : nil)
        }
        return HTML.section("cleaning", isPlan ? "Cleaning (what the import would change)" : "Cleaning", html)
    }
}
