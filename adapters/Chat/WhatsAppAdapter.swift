import BackfillCore
import BackfillMarkup
import Foundation

/// WhatsApp "Export chat" `.txt`: iOS (`[date, time] Name: text`) and Android (`date, time - Name: text`) layouts,
/// every date order and 12/24-hour form, invisible marks, multi-line messages, system lines and media placeholders.
/// Day/month order is inferred per file. Grouping: one document per day (default) or per chat
/// (`--group-by conversation`). See `adapters/Chat/README.md#whatsapp`.
public struct WhatsAppAdapter: SourceAdapter {
    public init() {}

    public static let name = "whatsapp"

    public let descriptor = AdapterDescriptor(
        name: WhatsAppAdapter.name, family: "chat", fileExtensions: ["txt"],
        summary: "WhatsApp chat export .txt (iOS and Android layouts, any date order, 12/24-hour clock)",
        supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        guard probe.hasExtension("txt") || probe.fileName.lowercased().hasPrefix("whatsapp") else { return .no }
        let text = String(decoding: probe.trimmedHead, as: UTF8.self)
        let parser = WhatsAppLineParser()
        var headers = 0
        var lines = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).prefix(20) {
            lines += 1
            if parser.header(String(line)) != nil { headers += 1 }
        }
        if headers >= 2 || (headers == 1 && lines <= 2) { return .certain }
        if headers == 1 && probe.fileName.lowercased().contains("whatsapp") { return .certain }
        return .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { WhatsAppReader(input: input, context: context) }
    }
}

/// The parts of a line that starts a message: date fields, time, and what follows.
struct WhatsAppHeader {
    var a: Int
    var b: Int
    var c: Int
    var yearFirst: Bool
    var hour: Int
    var minute: Int
    var second: Int
    /// `a`/`p` for 12-hour clocks.
    var meridiem: Character?
    var rest: String
}

/// Recognises message-starting lines. Not Sendable (NSRegularExpression): one per reader.
struct WhatsAppLineParser {
    private let expression: NSRegularExpression?

    init() {
        let date = #"(\d{1,4})[./\-](\d{1,2})[./\-](\d{1,4})"#
        let time = #"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:[\s_]*([AaPp])\.?\s?[Mm]\.?)?"#
        let ios = #"^\[\s*"# + date + #",?\s+"# + time + #"\s*\]\s?(.*)$"#
        let android = #"^"# + date + #",?\s+"# + time + #"\s+[-–]\s(.*)$"#
        // Named alternatives keep one set of group numbers: try iOS, then Android.
        expression = try? NSRegularExpression(pattern: "(?:" + ios + ")|(?:" + android + ")", options: [])
    }

    /// Invisible marks removed, odd spaces made plain.
    static func clean(_ line: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in line.unicodeScalars {
            switch scalar.value {
            case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF, 0x200B: continue
            case 0x202F, 0x00A0, 0x2009, 0x2007: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    func header(_ raw: String) -> WhatsAppHeader? {
        let line = Self.clean(raw)
        guard let expression, let first = line.first, first == "[" || first.isNumber else { return nil }
        let range = NSRange(line.startIndex..., in: line)
        guard let match = expression.firstMatch(in: line, options: [], range: range) else { return nil }
        // Groups 1–8: iOS; 9–16: Android.
        let base = match.range(at: 1).location != NSNotFound ? 1 : 9
        func group(_ offset: Int) -> String? {
            let r = match.range(at: base + offset)
            guard r.location != NSNotFound, let swiftRange = Range(r, in: line) else { return nil }
            return String(line[swiftRange])
        }
        guard let aText = group(0), let a = Int(aText), let b = group(1).flatMap(Int.init),
            let c = group(2).flatMap(Int.init), let hour = group(3).flatMap(Int.init),
            let minute = group(4).flatMap(Int.init)
        else { return nil }
        return WhatsAppHeader(
            a: a, b: b, c: c, yearFirst: aText.count == 4, hour: hour, minute: minute,
            second: group(5).flatMap(Int.init) ?? 0, meridiem: group(6)?.lowercased().first, rest: group(7) ?? "")
    }
}
