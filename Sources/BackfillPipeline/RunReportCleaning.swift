import BackfillClean
import BackfillCore
import Foundation

extension RunReport {
    /// What `--strip` and `--redact` changed before anything was sent (a plan shows it before an import does it):
    /// totals, and the same per source. Nil when the run cleans nothing.
    public struct Cleaning: Sendable, Codable, Equatable {
        /// The kinds asked for, in their canonical order.
        public var strip: [String] = []
        public var redact: [String] = []
        /// Quoted replies and signatures the email adapters removed (summed from each document's
        /// `metadata.stripped`).
        public var stripped = Stripped()
        /// Placeholders put in, per kind (`email` → 12).
        public var redacted: [String: Int] = [:]
        /// Documents whose text or metadata redaction changed.
        public var documentsRedacted = 0
        public var bySource: [String: SourceCleaning] = [:]

        public init(strip: Set<StripKind>, redact: Set<RedactionKind>) {
            self.strip = StripKind.allCases.filter(strip.contains).map(\.rawValue)
            self.redact = RedactionKind.allCases.filter(redact.contains).map(\.rawValue)
        }

        enum CodingKeys: String, CodingKey {
            case strip, redact, stripped, redacted
            case documentsRedacted = "documents_redacted"
            case bySource = "by_source"
        }

        /// Counts one document's cleaning under its source.
        mutating func note(file: String, stripped: Stripped?, redacted: [RedactionKind: Int]) {
            guard stripped != nil || !redacted.isEmpty else { return }
            var source = bySource[file] ?? SourceCleaning()
            if let stripped {
                self.stripped += stripped
                source.stripped += stripped
            }
            if !redacted.isEmpty {
                documentsRedacted += 1
                for (kind, count) in redacted {
                    self.redacted[kind.rawValue, default: 0] += count
                    source.redacted[kind.rawValue, default: 0] += count
                }
            }
            bySource[file] = source
        }
    }

    public struct SourceCleaning: Sendable, Codable, Equatable {
        public var stripped = Stripped()
        public var redacted: [String: Int] = [:]
    }

    /// Lines and characters (Unicode scalars) removed as quoted replies and as signatures, and forwarded-message
    /// separators replaced by a marker (``StripCounts``, read as `stripped.quotedLines`); `documents` is how many
    /// documents lost something. Coded flat: `documents` beside the counts' own keys.
    @dynamicMemberLookup
    public struct Stripped: Sendable, Codable, Equatable {
        public var documents = 0
        public var counts = StripCounts()

        public init() {}

        /// The counts an adapter put into a document's `metadata.stripped` (nil when it holds none).
        public init?(metadata: JSONValue?) {
            guard let counts = StripCounts(metadataValue: metadata?.objectValue?["stripped"]) else { return nil }
            documents = 1
            self.counts = counts
        }

        public subscript(dynamicMember path: WritableKeyPath<StripCounts, Int>) -> Int {
            get { counts[keyPath: path] }
            set { counts[keyPath: path] = newValue }
        }

        public static func += (a: inout Stripped, b: Stripped) {
            a.documents += b.documents
            a.counts = a.counts + b.counts
        }

        enum CodingKeys: String, CodingKey { case documents }

        public init(from decoder: any Decoder) throws {
            documents =
                try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .documents) ?? 0
            counts = try StripCounts(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(documents, forKey: .documents)
            try counts.encode(to: encoder)
        }
    }
}

extension RunReport {
    /// What cleaning removed and replaced ("would" in a plan), and the sources with the most.
    func cleaningLines(_ lines: inout [String]) {
        guard let cleaning else { return }
        let verb = command == "plan" ? "would be " : ""
        lines.append("")
        lines.append("Cleaning" + (command == "plan" ? " (what the import would change)" : ""))
        if !cleaning.strip.isEmpty {
            let s = cleaning.stripped
            lines.append(
                "  --strip \(cleaning.strip.joined(separator: ",")): \(s.documents) documents \(verb)shortened")
            lines.append("    quoted replies  \(s.quotedLines) lines, \(s.quotedCharacters) characters \(verb)removed")
            lines.append(
                "    signatures      \(s.signatureLines) lines, \(s.signatureCharacters) characters \(verb)removed")
            if s.forwards > 0 {
                lines.append("    forwarded       \(s.forwards) separators kept as [forwarded message]")
            }
        }
        if !cleaning.redact.isEmpty {
            lines.append(
                "  --redact \(cleaning.redact.joined(separator: ",")): \(cleaning.documentsRedacted) documents \(verb)redacted"
            )
            for kind in cleaning.redact {
                lines.append(
                    "    \(kind.padding(toLength: 7, withPad: " ", startingAt: 0)) \(cleaning.redacted[kind] ?? 0)")
            }
        }
        let top = cleaning.bySource.sorted {
            ($0.value.redacted.values.reduce(0, +) + $0.value.stripped.quotedLines, $1.key)
                > ($1.value.redacted.values.reduce(0, +) + $1.value.stripped.quotedLines, $0.key)
        }.prefix(5)
        for (file, counts) in top {
            let kinds = counts.redacted.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            let quoted = counts.stripped.quotedLines > 0 ? ["\(counts.stripped.quotedLines) quoted lines"] : []
            lines.append("    \(file): " + (quoted + kinds).joined(separator: ", "))
        }
    }
}
