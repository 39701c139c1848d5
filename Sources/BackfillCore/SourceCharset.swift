/// How a text source's bytes were turned into characters: the charset, who decided it, and how sure Backfill is.
/// Carried on ``MemoryDocument/charset`` (never sent to a target) so the run report can count sources per charset
/// and list the guesses worth checking.
public struct SourceCharset: Sendable, Hashable, Codable {
    public enum Origin: String, Sendable, Hashable, Codable {
        /// A byte-order mark (UTF-8/16/32): always wins.
        case bom
        /// The source's own label (a MIME `charset`), which decoded cleanly.
        case declared
        /// `--encoding` (adapter option `encoding`).
        case option
        /// Detected: valid UTF-8, or uchardet's guess checked against its sibling charsets.
        case detected
    }

    /// Guesses below this confidence are reported as low-confidence (file, charset, confidence).
    public static let confidenceThreshold = 0.5

    /// The iconv name the text was decoded with (`WINDOWS-1251`, `GB18030`, `UTF-8`, …).
    public var name: String
    public var origin: Origin
    /// 0…1; 1 for a BOM, a clean declared label, `--encoding` and valid UTF-8.
    public var confidence: Double

    public init(name: String, origin: Origin, confidence: Double) {
        self.name = name
        self.origin = origin
        self.confidence = confidence
    }

    /// A detected charset Backfill is not sure of: the text may be garbled and should be checked.
    public var isLowConfidence: Bool { origin == .detected && confidence < Self.confidenceThreshold }
}
