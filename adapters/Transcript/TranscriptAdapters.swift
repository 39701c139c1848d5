import BackfillCore
import Foundation

/// The transcript formats, one adapter each (they share the reader and the document builder).
enum TranscriptFormat: String, Sendable {
    case webvtt
    case srt
    case ttml
    case plain = "transcript-text"
}

/// WebVTT (`.vtt`): Teams voice spans, Zoom inline names, NOTE/STYLE/REGION blocks.
public struct WebVTTAdapter: SourceAdapter {
    public init() {}
    public static let name = "webvtt"
    public let descriptor = AdapterDescriptor(
        name: WebVTTAdapter.name, family: "transcript", fileExtensions: ["vtt", "webvtt"],
        summary:
            "WebVTT transcripts and captions (Teams <v> voices, Zoom inline names), one meeting-transcript per file",
        supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = TranscriptText.sniffText(probe)
        if head.hasPrefix("WEBVTT") { return .certain }
        return probe.hasExtension("vtt") || probe.hasExtension("webvtt") ? .likely : .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { TranscriptReader(format: .webvtt, input: input, context: context) }
    }
}

/// SubRip (`.srt`), tolerant of the usual deviations, in any charset.
public struct SRTAdapter: SourceAdapter {
    public init() {}
    public static let name = "srt"
    public let descriptor = AdapterDescriptor(
        name: SRTAdapter.name, family: "transcript", fileExtensions: ["srt"],
        summary:
            "SubRip subtitles/transcripts (inline Name: speakers, legacy charsets), one meeting-transcript per file",
        supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        if probe.hasExtension("srt") {
            return SRTParser.looksLikeSRT(TranscriptText.sniffText(probe)) ? .certain : .likely
        }
        // SRT content under a text name (`captions.txt`) is still SRT.
        if probe.hasExtension("txt") || probe.hasExtension("sub") {
            return SRTParser.looksLikeSRT(TranscriptText.sniffText(probe)) ? .certain : .no
        }
        return .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { TranscriptReader(format: .srt, input: input, context: context) }
    }
}

/// TTML / DFXP (`.ttml`, `.dfxp`, TTML `.xml`) through libxml2.
public struct TTMLAdapter: SourceAdapter {
    public init() {}
    public static let name = "ttml"
    public let descriptor = AdapterDescriptor(
        name: TTMLAdapter.name, family: "transcript", fileExtensions: ["ttml", "dfxp", "xml"],
        summary: "TTML/DFXP timed text (frame and tick times, ttm:agent speakers), one meeting-transcript per file",
        supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let isTTML = TTMLParser.looksLikeTTML(TranscriptText.sniffText(probe))
        if probe.hasExtension("ttml") || probe.hasExtension("dfxp") { return isTTML ? .certain : .likely }
        if probe.hasExtension("xml") { return isTTML ? .certain : .no }
        return .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { TranscriptReader(format: .ttml, input: input, context: context) }
    }
}

/// Plain speaker transcripts in `.txt` (Zoom, Otter, Teams, interviews). Claims a text file only when its head is
/// clearly a transcript; other `.txt` files stay with the `text` document adapter.
public struct PlainTranscriptAdapter: SourceAdapter {
    public init() {}
    public static let name = "transcript-text"
    public let descriptor = AdapterDescriptor(
        name: PlainTranscriptAdapter.name, family: "transcript", fileExtensions: ["txt", "text", "transcript"],
        summary:
            "plain speaker transcripts (Name: text, Otter/Teams `Name  0:00` headers, [Name]), when the text clearly is one",
        supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        guard probe.hasExtension("txt") || probe.hasExtension("text") || probe.hasExtension("transcript") else {
            return .no
        }
        guard !probe.looksBinary || Charset16.isUTF16(probe.head) else { return .no }
        return PlainTranscriptParser.looksLikeTranscript(TranscriptText.sniffText(probe)) ? .certain : .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { TranscriptReader(format: .plain, input: input, context: context) }
    }
}

/// The date sidecars beside transcripts (`meeting.vtt.meta.json`, `meeting.vtt.json`): read by the transcript
/// adapters for `document_created_at`, and claimed here so that they are neither imported as data nor reported as
/// unrecognised. They yield nothing.
public struct TranscriptSidecarAdapter: SourceAdapter {
    public init() {}
    public static let name = "transcript-sidecar"
    public let descriptor = AdapterDescriptor(
        name: TranscriptSidecarAdapter.name, family: "transcript", fileExtensions: ["vtt.meta.json", "srt.meta.json"],
        summary:
            "date sidecars of transcripts (<transcript>.meta.json / <transcript>.json): read with the transcript, nothing imported",
        supportsCursor: false)

    static let transcriptExtensions = ["vtt", "webvtt", "srt", "ttml", "dfxp", "txt"]

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let lower = probe.fileName.lowercased()
        for ext in Self.transcriptExtensions
        where lower.hasSuffix(".\(ext).meta.json") || lower.hasSuffix(".\(ext).json") {
            return probe.trimmedHead.first == UInt8(ascii: "{") ? .certain : .no
        }
        return .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        .just([])
    }
}

enum Charset16 {
    static func isUTF16(_ head: [UInt8]) -> Bool {
        head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF])
            || TranscriptText.utf16WithoutBOM(head) != nil
    }
}

/// Reads one transcript file whole (bounded by ``TranscriptText/readLimit(_:)``), then yields its skips and its
/// document(s).
final class TranscriptReader: RecordReader {
    private let format: TranscriptFormat
    private let input: SourceInput
    private let context: AdapterContext
    private var pending: [AdapterOutput]?
    private var index = 0

    init(format: TranscriptFormat, input: SourceInput, context: AdapterContext) {
        self.format = format
        self.input = input
        self.context = context
    }

    func next() async throws -> AdapterOutput? {
        if pending == nil { pending = try readAll() }
        guard let pending, index < pending.count else { return nil }
        defer { index += 1 }
        return pending[index]
    }

    private func skip(_ code: some SkipReason, _ message: String) -> [AdapterOutput] {
        [
            .skipped(
                SkippedRecord(
                    adapter: format.rawValue, file: input.displayPath, position: .wholeFile, code: code,
                    message: message))
        ]
    }

    private func readAll() throws -> [AdapterOutput] {
        let limit = TranscriptText.readLimit(context)
        if let size = input.size, size > Int64(limit) {
            return skip(
                SkipCode.fileTooLarge,
                "the transcript is \(size) bytes, over the \(limit)-byte limit for one meeting (max(64 MiB, 4 × --max-document-bytes)); split it or raise --max-document-bytes"
            )
        }
        let raw: [UInt8]
        do {
            raw = try input.open().readAll(limit: limit, file: input.displayPath)
        } catch let error as AdapterError where error.has(SkipCode.fileTooLarge) {
            return skip(
                SkipCode.fileTooLarge,
                "the transcript is over the \(limit)-byte limit for one meeting; split it or raise --max-document-bytes"
            )
        }
        if raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            return skip(SkipCode.emptyFile, "the file is empty or holds only whitespace; nothing to import")
        }

        var builder = TranscriptBuilder(adapterName: format.rawValue, input: input, context: context)
        let parsed: ParsedTranscript
        switch format {
        case .ttml:
            // libxml2 reads the XML declaration's encoding itself.
            parsed = TTMLParser.parse(raw)
        case .webvtt, .srt, .plain:
            if !Charset16.isUTF16(raw), raw.contains(0) {
                // NULs outside UTF-16: WebVTT turns them into U+FFFD; a file mostly of NULs is binary.
                let nuls = raw.prefix(4096).filter { $0 == 0 }.count
                if nuls * 4 > min(raw.count, 4096) {
                    return skip(
                        SkipCode.binaryContent,
                        "the file looks binary (NUL bytes in its first 4 KB), not a \(format.rawValue) transcript; remove it or rename it"
                    )
                }
            }
            let decoded = TranscriptText.decode(raw, label: context.options["encoding"])
            builder.charset = decoded.charset
            let lines = TranscriptText.lines(decoded.text)
            switch format {
            case .webvtt: parsed = WebVTTParser.parse(lines, fileName: input.fileName)
            case .srt: parsed = SRTParser.parse(lines)
            default: parsed = PlainTranscriptParser.parse(lines)
            }
        }
        // The parsers end early when the run stops or the item's time is up.
        try StopCheck.check()
        let budgets = context.budgets
        if parsed.cues.count > budgets.maxParts {
            let error = budgets.exceeded(
                .parts, "more than \(budgets.maxParts) cues in one transcript", file: input.displayPath)
            return skip(InputBudgets.Budget.parts.code, error.message)
        }
        return builder.outputs(for: parsed)
    }
}

/// Every transcript adapter, in registration order (SRT before plain text: SRT content in a `.txt` is SRT).
public enum TranscriptAdapters {
    public static let all: [any SourceAdapter] = [
        WebVTTAdapter(), SRTAdapter(), TTMLAdapter(), PlainTranscriptAdapter(), TranscriptSidecarAdapter(),
    ]
}
