import BackfillCore
import BackfillPipeline
import Foundation
import Logging
import Synchronization

/// What `backfill inspect FILE` found: who claims the file and why, and its first documents exactly as the run
/// would send them (the real read and normalise stages: `plan`'s flow, stopped after `limit` documents).
public struct InspectReport: Sendable, Codable {
    /// One adapter's or container's answer to the file's head.
    public struct Sniff: Sendable, Codable {
        public var name: String
        public var kind: String
        public var confidence: String
        /// Whether the file's extension is one the format uses.
        public var extensionMatches: Bool
        public var summary: String
        enum CodingKeys: String, CodingKey {
            case name, kind, confidence, summary
            case extensionMatches = "extension_matches"
        }
    }

    public struct Document: Sendable, Codable {
        public var documentID: String
        public var adapter: String
        public var location: String
        /// The request as it would be sent; nil when rejected.
        public var request: JSONValue?
        public var requestBytes: Int?
        public var valid: Bool
        public var rejection: Rejection?
        public var typeMappedFrom: String?
        /// The exact bytes of the request (the text output prints them).
        var requestText: String?
        enum CodingKeys: String, CodingKey {
            case documentID = "document_id"
            case adapter, location, request, valid, rejection
            case requestBytes = "request_bytes"
            case typeMappedFrom = "type_mapped_from"
        }
    }

    public var file: String
    public var target: String
    /// The adapter or container the run would use, nil when none claims the file.
    public var claimedBy: Sniff?
    /// Every answer, most confident first.
    public var sniffs: [Sniff]
    public var documents: [Document] = []
    /// More documents follow the ones shown (the limit was reached).
    public var more = false
    /// What the adapter skipped while reading them, with reasons.
    public var skips: [RunReport.Reason] = []

    enum CodingKeys: String, CodingKey {
        case file, target, sniffs, documents, more, skips
        case claimedBy = "claimed_by"
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public func text() -> String {
        var lines = ["inspect \(file) (target \(target))"]
        if let claimedBy {
            lines.append(
                "  claimed by: \(claimedBy.name) (\(claimedBy.kind)), \(claimedBy.confidence): \(Self.meaning(claimedBy.confidence))"
            )
        } else {
            lines.append(
                "  no adapter claims this file: each looked at its name and first \(SourceProbe.headLength) bytes (below); `backfill adapters` lists the formats, and a file of another format needs converting first"
            )
        }
        // Claimed: the other answers that were not "no"; unclaimed: every answer.
        let others = sniffs.filter { $0.name != claimedBy?.name }
        let shown = claimedBy == nil ? others : others.filter { $0.confidence != "no" || $0.extensionMatches }
        for sniff in shown {
            let name = sniff.extensionMatches ? "the extension fits, " : ""
            lines.append("    \(sniff.name): \(sniff.confidence) — \(name)\(Self.meaning(sniff.confidence))")
        }
        if shown.count < others.count {
            lines.append("    \(others.count - shown.count) other adapters: no — not this format")
        }
        if claimedBy != nil {
            lines.append(
                documents.isEmpty
                    ? "  no documents in the part read"
                    : "  the first \(documents.count) document(s)\(more ? " (more follow)" : ""):")
        }
        for (index, document) in documents.enumerated() {
            lines.append("  \(index + 1). \(document.documentID) — \(document.location), \(document.adapter)")
            if let rejection = document.rejection {
                lines.append("     rejected for \(target): \(rejection.code): \(rejection.message)")
            } else {
                let mapped = document.typeMappedFrom.map { ", type mapped from \($0)" } ?? ""
                lines.append(
                    "     valid for \(target) (\(document.requestBytes ?? 0) bytes\(mapped)); the request as sent:")
                let text = document.requestText ?? ""
                if text.utf8.count <= Self.shownRequestBytes {
                    lines.append("     \(text)")
                } else {
                    let head = String(text.prefix(Self.shownRequestBytes))
                    lines.append(
                        "     \(head)… (\(text.utf8.count - head.utf8.count) more bytes: --json shows the whole request)"
                    )
                }
            }
        }
        for skip in skips {
            lines.append(
                "  skipped (\(skip.code)) \(skip.count)×: \(skip.examples.first.map { "\($0.location): \($0.message)" } ?? "")"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// How much of a request the text output prints.
    static let shownRequestBytes = 2000

    static func meaning(_ confidence: String) -> String {
        switch confidence {
        case "certain": return "a signature only this format has"
        case "likely": return "name and content agree"
        case "possible": return "the name fits; the content is ambiguous or was not checked"
        default: return "not this format"
        }
    }
}

extension Backfill {
    /// Sniffs one file and reads its first `limit` documents through the run's own read and normalise stages,
    /// sending nothing and writing no ledger.
    public static func inspect(_ options: ImportOptions, limit: Int, logger: Logger) async throws -> InspectReport {
        try checkInputs(options.inputs)
        guard options.inputs.count == 1, let path = options.inputs.first else {
            throw ValidationError(message: "inspect reads one file; for several, or a folder, run `backfill plan`")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ValidationError(
                message: "'\(path)' is a folder; inspect reads one file (run `backfill plan \(path)` for a folder)")
        }
        let registry = registry(for: options)
        let probe = try AdapterRegistry.probe(try SourceInput.file(path: path))
        var report = sniffed(probe, registry: registry, file: path, target: options.target.rawValue)
        guard report.claimedBy != nil else { return report }

        let seen = Mutex<[ObservedDocument]>([])
        // The limit stops the reading as Ctrl-C does (the same signal, so Ctrl-C still works).
        let stop = options.stopSignal
        var configuration = try pipelineConfiguration(options)
        configuration.progress = nil
        configuration.observer = { observed in
            let reached = seen.withLock { seen -> Bool in
                if seen.count <= limit { seen.append(observed) }
                return seen.count > limit
            }
            if reached { stop.trigger() }
        }
        var runReport = RunReport(command: "inspect")
        runReport.target = .init(name: options.target.rawValue, endpoint: "not contacted (inspect)", isDefault: false)
        let pipeline = ImportPipeline(
            configuration: configuration, registry: registry, ledger: nil, target: nil, report: runReport,
            stopSignal: stop, logger: logger)
        let finished = try await pipeline.run()
        let observed = seen.withLock { $0 }
        report.more = observed.count > limit
        report.documents = observed.prefix(limit).map { observed in
            let text = observed.json.map { String(decoding: $0, as: UTF8.self) }
            return InspectReport.Document(
                documentID: observed.document.id, adapter: observed.document.provenance.adapter,
                location: observed.document.provenance.location,
                request: observed.json.flatMap { try? JSONBytesParser.parse($0[...]) },
                requestBytes: observed.json?.count, valid: observed.rejection == nil, rejection: observed.rejection,
                typeMappedFrom: observed.mappedFrom.map { "\($0)" }, requestText: text)
        }
        report.skips = finished.skips
        return report
    }

    /// Every adapter's and container's answer to the file's head, and the one a run would use: the most confident
    /// adapter (registration order breaks ties), a container above it.
    static func sniffed(_ probe: SourceProbe, registry: AdapterRegistry, file: String, target: String) -> InspectReport
    {
        let fileExtension = (probe.fileName as NSString).pathExtension.lowercased()
        var sniffs: [(InspectReport.Sniff, SniffConfidence)] = registry.adapters.map { adapter in
            let confidence = adapter.sniff(probe)
            return (
                InspectReport.Sniff(
                    name: adapter.name, kind: "adapter", confidence: "\(confidence)",
                    extensionMatches: adapter.descriptor.fileExtensions.contains(fileExtension),
                    summary: adapter.descriptor.summary), confidence
            )
        }
        sniffs += registry.containers.map { container in
            let confidence = container.sniff(probe)
            return (
                InspectReport.Sniff(
                    name: container.name, kind: "container", confidence: "\(confidence)",
                    extensionMatches: false, summary: "archive: its members are read"), confidence
            )
        }
        let best = registry.bestAdapter(for: probe)
        var claimed = best.flatMap { best in sniffs.first { $0.0.name == best.adapter.name }?.0 }
        if let container = registry.bestContainer(for: probe), container.confidence > (best?.confidence ?? .no) {
            claimed = sniffs.first { $0.0.name == container.container.name }?.0
        }
        let ordered = sniffs.enumerated().sorted { ($0.element.1, -$0.offset) > ($1.element.1, -$1.offset) }
        return InspectReport(file: file, target: target, claimedBy: claimed, sniffs: ordered.map(\.element.0))
    }
}
