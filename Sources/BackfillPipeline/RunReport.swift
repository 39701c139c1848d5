import BackfillCore
import Foundation

/// What a run did: counts per state, per adapter, per type, reasons with examples. Printed as text, or as one
/// JSON object with `--json`. Never holds a secret.
public struct RunReport: Sendable, Codable {
    public struct Documents: Sendable, Codable {
        /// Import: the target holds them (this run or earlier runs of the job).
        public var accepted: Int?
        /// Import: the target already had them (a 409 or per-item duplicate): done, not a failure.
        public var duplicate: Int?
        /// Plan: would be sent.
        public var valid: Int?
        public var rejected = 0
        public var failed = 0
        public var skipped = 0
        /// The same id met twice in this run's inputs; the later one is not sent.
        public var duplicateInInput = 0
        /// Settled by an earlier run of the job: not sent again.
        public var alreadyIngested = 0
        /// Sent in this run.
        public var sent = 0
        /// Already ingested, but the content now differs (not sent again: ids are stable).
        public var changedSinceIngest = 0
        /// Not read again at all: before a source's resume cursor, or in a source finished earlier.
        public var resumedFromCheckpoint = 0

        enum CodingKeys: String, CodingKey {
            case accepted, duplicate, valid, rejected, failed, skipped, sent
            case duplicateInInput = "duplicate_in_input"
            case alreadyIngested = "already_ingested"
            case changedSinceIngest = "changed_since_ingest"
            case resumedFromCheckpoint = "resumed_from_checkpoint"
        }
    }

    public struct Example: Sendable, Codable {
        public var documentID: String?
        public var location: String
        public var message: String
        enum CodingKeys: String, CodingKey {
            case documentID = "document_id"
            case location, message
        }
    }

    public struct Reason: Sendable, Codable {
        public var code: String
        public var count: Int
        public var examples: [Example]
    }

    public struct AdapterCounts: Sendable, Codable {
        public var files = 0
        public var documents = 0
        public var skipped = 0
    }

    public struct TargetInfo: Sendable, Codable {
        public var name: String
        public var endpoint: String
        public var isDefault: Bool
        public init(name: String, endpoint: String, isDefault: Bool) {
            self.name = name
            self.endpoint = endpoint
            self.isDefault = isDefault
        }
        enum CodingKeys: String, CodingKey {
            case name, endpoint
            case isDefault = "default"
        }
    }

    public struct Timestamps: Sendable, Codable {
        public var fromSource = 0
        public var fallback = 0
        public var missing = 0
        enum CodingKeys: String, CodingKey {
            case fromSource = "from_source"
            case fallback, missing
        }
    }

    public struct Sources: Sendable, Codable {
        public var files = 0
        public var ignored = 0
        public var unrecognised = 0
        public var unreadable = 0
        /// Finished in an earlier run and unchanged: not read again.
        public var finishedEarlier = 0
        /// Read from a resume cursor instead of from the start.
        public var resumed = 0
        /// Changed since an earlier run (size, mtime or first bytes): read again from the start.
        public var changed = 0
        enum CodingKeys: String, CodingKey {
            case files, ignored, unrecognised, unreadable, resumed, changed
            case finishedEarlier = "finished_earlier"
        }
    }

    public struct SourceCounts: Sendable, Codable {
        public var documents = 0
        public var skipped = 0
        public var rejected = 0
    }

    public struct Requests: Sendable, Codable {
        public var batches = 0
        public var requests = 0
        public var retries = 0
        /// Requests answered 429 (or "instance not ready").
        public var throttled = 0
        /// Time spent waiting: rate limiter, Retry-After pauses and backoff, summed over workers.
        public var waitedSeconds = 0.0
        public var bytesSent = 0
        enum CodingKeys: String, CodingKey {
            case batches, requests, retries, throttled
            case waitedSeconds = "waited_seconds"
            case bytesSent = "bytes_sent"
        }
    }

    /// A value Backfill filled in because the source did not give it (or a flag overrode it).
    public struct Default: Sendable, Codable, Equatable {
        public enum Origin: String, Sendable, Codable {
            /// A command-line flag (`--mode`).
            case flag
            /// The target's own default (a target's SDK may send one, e.g. `mode: long-range`).
            case targetDefault = "target_default"
        }
        public var field: String
        public var value: String
        public var origin: Origin
        public var count: Int

        public init(field: String, value: String, origin: Origin, count: Int) {
            self.field = field
            self.value = value
            self.origin = origin
            self.count = count
        }
    }

    public struct Stop: Sendable, Codable {
        public var reason: StopReason
        public var message: String
        public var documentID: String?
        public var location: String?
        /// The reason's code, as the report prints it.
        public var code: String { reason.rawValue }

        public init(_ reason: StopReason, message: String, documentID: String? = nil, location: String? = nil) {
            self.reason = reason
            self.message = message
            self.documentID = documentID
            self.location = location
        }

        public init(code: String, message: String, documentID: String? = nil, location: String? = nil) {
            self.init(StopReason(rawValue: code), message: message, documentID: documentID, location: location)
        }

        enum CodingKeys: String, CodingKey {
            case reason = "code"
            case message
            case documentID = "document_id"
            case location
        }
    }

    /// A detected charset below ``SourceCharset/confidenceThreshold``: the source's text may be garbled.
    public struct CharsetGuess: Sendable, Codable, Equatable {
        public var file: String
        public var charset: String
        public var confidence: Double
        /// Documents of this file decoded with this guess.
        public var documents: Int
        /// The first such document.
        public var documentID: String?
        public init(file: String, charset: String, confidence: Double, documents: Int, documentID: String?) {
            self.file = file
            self.charset = charset
            self.confidence = confidence
            self.documents = documents
            self.documentID = documentID
        }
        enum CodingKeys: String, CodingKey {
            case file, charset, confidence, documents
            case documentID = "document_id"
        }
    }

    public var command: String
    public var job: String?
    public var ledger: String?
    public var target: TargetInfo?
    public var documents = Documents()
    public var sources = Sources()
    public var byAdapter: [String: AdapterCounts] = [:]
    public var bySource: [String: SourceCounts] = [:]
    /// Things to know that are not errors (a source changed since an earlier run, …).
    public var warnings: [Reason] = []
    public var byType: [String: Int] = [:]
    /// `from→to`: how many documents the type map changed.
    public var typeMappings: [String: Int] = [:]
    /// Other changes made to fit the target (e.g. metadata folded into one property), with counts.
    public var adjustments: [String: Int] = [:]
    /// Fields Backfill filled in for the source, with counts (`mode` → the target's default).
    public var defaults: [Default] = []
    public var rejections: [Reason] = []
    public var skips: [Reason] = []
    public var failures: [Reason] = []
    public var timestamps = Timestamps()
    /// Text sources (files, archive members) per charset Backfill decided — a BOM, `--encoding` or detection;
    /// a source with parts in two charsets (an mbox) counts under each.
    public var charsets: [String: Int] = [:]
    /// Detected charsets Backfill is not sure of, one entry per file and charset (lowest confidence kept).
    public var lowConfidenceCharsets: [CharsetGuess] = []
    /// `file NUL charset` pairs already counted in ``charsets`` (not encoded).
    private var charsetSources: Set<String> = []
    public var requests = Requests()
    /// When the documents were written, by type, and their sizes (the HTML report's charts); nil in reports stored
    /// before it was counted.
    public var shape: Shape? = Shape()
    /// An import's requests over time (nil for a plan, and until the first request).
    public var traffic: Traffic?
    /// A plan's estimate of the upload (nil for an import).
    public var estimate: Estimate?
    /// What `--strip` and `--redact` changed (nil when neither is on).
    public var cleaning: Cleaning?
    public var stopped: Stop?
    public var wallSeconds = 0.0
    public var exitCode: Int32 = 0

    enum CodingKeys: String, CodingKey {
        case command, job, ledger, target, documents, sources, rejections, skips, failures, timestamps, requests
        case stopped, shape, traffic, estimate, cleaning
        case warnings
        case byAdapter = "by_adapter"
        case bySource = "by_source"
        case byType = "by_type"
        case typeMappings = "type_mappings"
        case adjustments, defaults, charsets
        case lowConfidenceCharsets = "low_confidence_charsets"
        case wallSeconds = "wall_seconds"
        case exitCode = "exit_code"
    }

    public init(command: String) {
        self.command = command
        if command == "plan" {
            documents.valid = 0
        } else {
            documents.accepted = 0
            documents.duplicate = 0
        }
    }

    static let examplesPerReason = 5

    public mutating func note(_ list: WritableKeyPath<RunReport, [Reason]>, code: String, example: Example) {
        if let index = self[keyPath: list].firstIndex(where: { $0.code == code }) {
            self[keyPath: list][index].count += 1
            if self[keyPath: list][index].examples.count < Self.examplesPerReason {
                self[keyPath: list][index].examples.append(example)
            }
        } else {
            self[keyPath: list].append(Reason(code: code, count: 1, examples: [example]))
        }
    }

    public mutating func noteDefault(field: String, value: String, origin: Default.Origin) {
        if let index = defaults.firstIndex(where: { $0.field == field && $0.value == value && $0.origin == origin }) {
            defaults[index].count += 1
        } else {
            defaults.append(Default(field: field, value: value, origin: origin, count: 1))
        }
    }

    /// Counts a document's charset under its source, and lists it when the guess is doubtful.
    public mutating func noteCharset(_ charset: SourceCharset, file: String, documentID: String?) {
        if charsetSources.insert(file + "\u{0}" + charset.name).inserted { charsets[charset.name, default: 0] += 1 }
        guard charset.isLowConfidence else { return }
        if let index = lowConfidenceCharsets.firstIndex(where: { $0.file == file && $0.charset == charset.name }) {
            lowConfidenceCharsets[index].documents += 1
            lowConfidenceCharsets[index].confidence = min(lowConfidenceCharsets[index].confidence, charset.confidence)
        } else {
            lowConfidenceCharsets.append(
                CharsetGuess(
                    file: file, charset: charset.name, confidence: charset.confidence, documents: 1,
                    documentID: documentID))
        }
    }

    /// The report as one JSON object (sorted keys, for stable output).
    public func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The exit status ``exitCode`` holds.
    public var exitStatus: ExitStatus? { ExitStatus(rawValue: exitCode) }
}
