import BackfillCore
import Foundation

/// Where a transcript's `document_created_at` comes from. Transcripts hold only media-relative times, so the date
/// comes from beside the file, in this order:
/// 1. a sidecar JSON file next to it (`<file>.meta.json`, else `<file>.json`) with `created_at`, `start_time` or
///    `recording_start` (ISO 8601 with a zone, or epoch seconds) — e.g. saved from Zoom's recordings API;
/// 2. the `created-at` option (`--adapter-option created-at=2024-01-05T14:30:00Z`);
/// 3. a Zoom cloud-recording file name: `GMT20240105-143000_Recording.transcript.vtt` (UTC);
/// 4. the file's modification time, as a counted fallback.
struct CreatedAtResolver {
    let input: SourceInput
    let options: [String: String]

    struct Resolution {
        var date: Date?
        var origin: TimestampOrigin
        var fallback: String?
        /// `sidecar`, `option`, `file name` (for metadata); nil for the mtime fallback and when missing.
        var originLabel: String?
        /// A title found in the sidecar (`topic`, `title`).
        var title: String?
    }

    /// Sidecar names tried, in order, for a transcript named `name`.
    static func sidecarNames(for name: String) -> [String] {
        [name + ".meta.json", name + ".json"]
    }

    /// The fields read from a sidecar for the date, in order.
    static let dateFields = ["created_at", "start_time", "recording_start"]

    func resolve() -> Resolution {
        var title: String?
        if let sidecar = readSidecar() {
            title = (sidecar["topic"] ?? sidecar["title"])?.stringValue
            for field in Self.dateFields {
                if let value = sidecar[field], let date = Self.date(from: value) {
                    return Resolution(date: date, origin: .source, originLabel: "sidecar", title: title)
                }
            }
        }
        if let option = options["created-at"], let date = Timestamp.parse(option) {
            return Resolution(date: date, origin: .source, originLabel: "option", title: title)
        }
        if let date = Self.zoomFileNameDate(input.fileName) {
            return Resolution(date: date, origin: .source, originLabel: "file name", title: title)
        }
        if let modified = input.modificationDate {
            return Resolution(date: modified, origin: .fallback, fallback: "file modification time", title: title)
        }
        return Resolution(date: nil, origin: .missing, title: title)
    }

    /// The sidecar beside a file on disk (archive members have none).
    private func readSidecar() -> JSONValue? {
        guard input.archiveEntry == nil, !input.displayPath.contains("!/") else { return nil }
        // The folder part of the path, by hand (NSString's path methods trap on some inputs on Linux).
        let path = input.displayPath
        let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        for name in Self.sidecarNames(for: input.fileName) where !name.hasPrefix(".json") {
            let path = folder + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = (attributes[.size] as? NSNumber)?.intValue, size < 1 << 20,
                let data = FileManager.default.contents(atPath: path),
                let value = try? JSONDecoder().decode(JSONValue.self, from: data), value.objectValue != nil
            else { continue }
            return value
        }
        return nil
    }

    static func date(from value: JSONValue) -> Date? {
        if let text = value.stringValue { return Timestamp.parse(text) }
        if let seconds = value.doubleValue, seconds > 0 {
            // Epoch milliseconds are common in exports too.
            return Date(timeIntervalSince1970: seconds > 1e11 ? seconds / 1000 : seconds)
        }
        return nil
    }

    /// `GMT20240105-143000…` anywhere in the name → 2024-01-05T14:30:00Z.
    static func zoomFileNameDate(_ name: String) -> Date? {
        let bytes = Array(name.utf8)
        let marker = Array("GMT".utf8)
        guard bytes.count >= 18 else { return nil }
        var index = 0
        while index + 18 <= bytes.count {
            if Array(bytes[index..<index + 3]) == marker {
                let digits = bytes[index + 3..<index + 18]
                let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
                let all = Array(digits)
                if all[8] == UInt8(ascii: "-"), all[0..<8].allSatisfy(isDigit), all[9..<15].allSatisfy(isDigit) {
                    func number(_ range: Range<Int>) -> Int {
                        all[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
                    }
                    var components = DateComponents()
                    components.year = number(0..<4)
                    components.month = number(4..<6)
                    components.day = number(6..<8)
                    components.hour = number(9..<11)
                    components.minute = number(11..<13)
                    components.second = number(13..<15)
                    var calendar = Calendar(identifier: .gregorian)
                    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
                    guard (1...12).contains(components.month ?? 0), (1...31).contains(components.day ?? 0),
                        (0...23).contains(components.hour ?? 99), (0...59).contains(components.minute ?? 99),
                        (0...60).contains(components.second ?? 99)
                    else { return nil }
                    return calendar.date(from: components)
                }
            }
            index += 1
        }
        return nil
    }
}
