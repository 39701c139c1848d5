import BackfillCore
import BackfillDocumentAdapter
import BackfillEmailAdapter
import BackfillMarkup
import BackfillTestSupport
import BackfillTranscriptAdapter
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Natural texts (UTF-8, ≥ 200 characters each), two per language, in `texts/`.
let textsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("texts")

/// The legacy encodings each language's texts are generated in (iconv, at test time).
let legacyMatrix: [(language: String, encodings: [String])] = [
    ("cs", ["WINDOWS-1250", "ISO-8859-2"]), ("pl", ["WINDOWS-1250", "ISO-8859-2"]),
    ("hu", ["WINDOWS-1250", "ISO-8859-2"]),
    ("ru", ["WINDOWS-1251", "ISO-8859-5", "KOI8-R"]), ("uk", ["WINDOWS-1251", "ISO-8859-5", "KOI8-U"]),
    ("bg", ["WINDOWS-1251", "ISO-8859-5", "KOI8-R"]),
    ("el", ["ISO-8859-7"]),
    ("fr", ["ISO-8859-1", "ISO-8859-15", "WINDOWS-1252"]), ("de", ["ISO-8859-1", "ISO-8859-15", "WINDOWS-1252"]),
    ("es", ["ISO-8859-1", "ISO-8859-15", "WINDOWS-1252"]),
    ("zh-hans", ["GB2312", "GBK", "GB18030"]), ("zh-hant", ["BIG5"]),
    ("ja", ["SHIFT_JIS", "EUC-JP", "ISO-2022-JP"]), ("ko", ["EUC-KR"]),
]
/// Every text is also generated in these (iconv's UTF-16 and UTF-32 write a BOM).
let unicodeEncodings = ["UTF-8", "UTF-16", "UTF-32"]

enum CorpusError: Error { case unencodable(String, String), missing(String) }

/// `text` in `charset` through glibc iconv; throws when one character has no mapping (no silent skips).
func encode(_ text: String, as charset: String) throws -> [UInt8] {
    let descriptor = iconv_open(charset, "UTF-8")
    guard descriptor != iconv_t(bitPattern: -1) else { throw CorpusError.unencodable(charset, "unknown") }
    defer { iconv_close(descriptor) }
    var input = Array(text.utf8)
    var output = [UInt8](repeating: 0, count: input.count * 4 + 64)
    let (result, produced) = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer -> (Int, Int) in
            guard let inBase = inBuffer.baseAddress, let outBase = outBuffer.baseAddress else { return (-1, 0) }
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase)
                .assumingMemoryBound(to: CChar.self)
            var inLeft = inBuffer.count
            var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase)
                .assumingMemoryBound(to: CChar.self)
            var outLeft = outBuffer.count
            var result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
            if result != -1 { result = iconv(descriptor, nil, nil, &outPointer, &outLeft) }
            return (result == -1 || inLeft > 0 ? -1 : 0, outBuffer.count - outLeft)
        }
    }
    guard result == 0 else { throw CorpusError.unencodable(charset, String(text.prefix(40))) }
    return Array(output[0..<produced])
}

struct Sample {
    var name: String
    var text: String
}

func loadTexts(_ language: String) throws -> [Sample] {
    var samples: [Sample] = []
    for number in 1...2 {
        let name = "\(language)-\(number).txt"
        let url = textsRoot.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw CorpusError.missing(name) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        samples.append(Sample(name: name, text: text))
    }
    return samples
}

/// Subtitle cues: each paragraph cut into pieces of at most 60 characters, at a space when there is one.
func cues(_ text: String) -> [String] {
    var result: [String] = []
    for paragraph in text.split(separator: "\n") {
        var rest = Substring(paragraph)
        while !rest.isEmpty {
            if rest.count <= 60 {
                result.append(String(rest))
                break
            }
            let window = rest.prefix(60)
            let cut = window.lastIndex(of: " ") ?? window.endIndex
            result.append(String(rest[..<cut]).trimmingCharacters(in: .whitespaces))
            rest = rest[cut...].drop(while: { $0 == " " })
        }
    }
    return result.filter { !$0.isEmpty }
}

func srt(_ cues: [String]) -> String {
    cues.enumerated().map { index, cue in
        let start = index * 3
        return
            "\(index + 1)\n00:00:\(String(format: "%02d", start % 60)),000 --> 00:00:\(String(format: "%02d", start % 60 + 2)),500\n\(cue)\n"
    }.joined(separator: "\n")
}

/// A mail without a charset parameter: 8bit body (7bit for ISO-2022-JP, base64 for UTF-16/32).
func mail(_ body: [UInt8], encoding: String) -> [UInt8] {
    let wide = encoding.hasPrefix("UTF-16") || encoding.hasPrefix("UTF-32")
    let transfer = wide ? "base64" : (encoding == "ISO-2022-JP" ? "7bit" : "8bit")
    let head = """
        From: Ana Novak <ana@example.org>
        To: Petr Svoboda <petr@example.org>
        Subject: Notes
        Date: Tue, 14 May 2024 09:30:00 +0200
        Message-ID: <notes-\(encoding)@example.org>
        MIME-Version: 1.0
        Content-Type: text/plain
        Content-Transfer-Encoding: \(transfer)


        """
    if wide {
        let encoded = Data(body).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return Array(head.utf8) + Array(encoded.utf8) + [0x0A]
    }
    return Array(head.utf8) + body + [0x0A]
}

struct Outcome {
    var sample: String
    var encoding: String
    var format: String
    var exact: Bool
    var charset: SourceCharset?
}

func firstDocument(_ bytes: [UInt8], name: String, adapter: any SourceAdapter) async throws -> MemoryDocument? {
    let outputs = try await collect(
        adapter.read(.bytes(bytes, displayPath: name), context: AdapterContext(), resumeFrom: nil))
    for output in outputs { if case .document(let document) = output { return document } }
    return nil
}

/// Reads one generated file in all three formats; `exact` when the original text came back unchanged.
func outcomes(_ sample: Sample, encoding: String) async throws -> [Outcome] {
    var results: [Outcome] = []
    let stem = "\(sample.name.dropLast(4))-\(encoding.lowercased())"
    // TXT: the document is the text.
    let txt = try await firstDocument(
        try encode(sample.text + "\n", as: encoding), name: stem + ".txt", adapter: TextAdapter())
    results.append(
        Outcome(
            sample: stem + ".txt", encoding: encoding, format: "txt",
            exact: txt?.request.document.trimmingCharacters(in: .whitespacesAndNewlines) == sample.text,
            charset: txt?.charset))
    // SRT: every cue's text, unchanged, in the transcript.
    let cueTexts = cues(sample.text)
    let subtitle = try await firstDocument(
        try encode(srt(cueTexts), as: encoding), name: stem + ".srt", adapter: SRTAdapter())
    results.append(
        Outcome(
            sample: stem + ".srt", encoding: encoding, format: "srt",
            exact: subtitle.map { document in cueTexts.allSatisfy { document.request.document.contains($0) } } ?? false,
            charset: subtitle?.charset))
    // Mail: the body, unchanged, after the rendered headers.
    let message = try await firstDocument(
        mail(try encode(sample.text + "\n", as: encoding), encoding: encoding), name: stem + ".eml",
        adapter: EMLAdapter())
    results.append(
        Outcome(
            sample: stem + ".eml", encoding: encoding, format: "eml",
            exact: message?.request.document.hasSuffix("\n\n" + sample.text) ?? false, charset: message?.charset))
    return results
}

/// High bytes that are no text in any charset, the same on every run (a 64-bit LCG).
func noise(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return 0x80 | UInt8(truncatingIfNeeded: state >> 57)
    }
}

func rate(_ outcomes: [Outcome]) -> Double {
    outcomes.isEmpty ? 0 : Double(outcomes.count { $0.exact }) / Double(outcomes.count)
}

@Suite("Charset detection acceptance (issue 14, point 1)")
struct CharsetAcceptanceTests {
    /// Broken on purpose to see this fail: `Charset.detect` returning windows-1252 at confidence 1 for every
    /// non-UTF-8 input (the old UTF-8-then-windows-1252 rule) — 27.3 % of the legacy files exact, the test failed
    /// on both rates and on every unflagged miss. (Dropping the sibling check did not fail it: the 9 misses were
    /// all flagged low-confidence and the legacy rate stayed at 95.5 %; `siblingsUchardetConfusesAreToldApart`
    /// guards that.)
    @Test func generatedFilesDecodeExactlyOrAreFlagged() async throws {
        var legacy: [Outcome] = []
        var unicode: [Outcome] = []
        for (language, encodings) in legacyMatrix {
            for sample in try loadTexts(language) {
                #expect(sample.text.count >= 200, "\(sample.name) is shorter than 200 characters")
                for encoding in encodings { legacy += try await outcomes(sample, encoding: encoding) }
                for encoding in unicodeEncodings { unicode += try await outcomes(sample, encoding: encoding) }
            }
        }
        let all = legacy + unicode
        var lines = ["encoding          exact/total  rate"]
        let byEncoding = Dictionary(grouping: all, by: \.encoding)
        for encoding in legacyMatrix.flatMap(\.encodings).reduce(
            into: [String](), { if !$0.contains($1) { $0.append($1) } })
            + unicodeEncodings
        {
            let group = byEncoding[encoding] ?? []
            lines.append(
                "\(encoding.padding(toLength: 18, withPad: " ", startingAt: 0))\(group.count { $0.exact })/\(group.count)"
                    + String(format: "        %.1f %%", rate(group) * 100))
        }
        lines.append(String(format: "legacy encodings: %.1f %% exact (%d files)", rate(legacy) * 100, legacy.count))
        lines.append(String(format: "all: %.1f %% exact (%d files)", rate(all) * 100, all.count))
        for flagged in all where flagged.exact && flagged.charset?.isLowConfidence == true {
            lines.append(
                "exact but flagged: \(flagged.sample) \(flagged.charset?.name ?? "?") confidence \(flagged.charset?.confidence ?? -1)"
            )
        }
        for miss in all where !miss.exact {
            lines.append(
                "miss: \(miss.sample) read as \(miss.charset?.name ?? "?") confidence \(miss.charset?.confidence ?? -1) low=\(miss.charset?.isLowConfidence ?? false)"
            )
        }
        let exactConfidences = all.filter(\.exact).compactMap { $0.charset?.confidence }
        lines.append(
            "confidence of the exact ones: min \(exactConfidences.min() ?? 0), below threshold \(all.count { $0.exact && $0.charset?.isLowConfidence == true })"
        )
        print(lines.joined(separator: "\n"))
        #expect(rate(legacy) >= 0.95, "legacy encodings: \(rate(legacy))")
        #expect(rate(all) >= 0.95, "all encodings: \(rate(all))")
        for miss in all where !miss.exact {
            #expect(miss.charset?.isLowConfidence == true, "\(miss.sample) garbled without a low-confidence warning")
        }
        // Every generated file was read as a document and carries how it was decoded.
        #expect(all.allSatisfy { $0.charset != nil })
    }

    /// The issue's GB2312 subtitle (`宇宙守护神 …` came out as `ÓîÖæÊØ»¤Éñ …`), with no option.
    /// Broken on purpose: the same old-rule break as above — the text came back as exactly the issue's
    /// `ÓîÖæÊØ»¤Éñ …` with charset WINDOWS-1252, and this test failed.
    @Test func gb2312SubtitleFromTheIssue() async throws {
        let subtitle = """
            1
            00:00:01,000 --> 00:00:03,000
            宇宙守护神

            2
            00:00:03,500 --> 00:00:06,000
            很久以前，在一个遥远的星系里，

            3
            00:00:06,500 --> 00:00:09,000
            有一位勇敢的战士守护着和平。

            """
        let bytes = try encode(subtitle, as: "GB2312")
        let document = try #require(try await firstDocument(bytes, name: "guardian.srt", adapter: SRTAdapter()))
        #expect(document.request.document.hasPrefix("宇宙守护神"))
        #expect(document.request.document.contains("有一位勇敢的战士守护着和平。"))
        #expect(document.charset?.name == "GB18030")
        #expect(document.charset?.isLowConfidence == false)
        #expect(document.request.metadata?["encoding"] == .string("GB18030"))
    }
}
