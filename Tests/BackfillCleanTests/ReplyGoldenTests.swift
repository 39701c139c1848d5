import BackfillClean
import BackfillMarkup
import Foundation
import Testing

/// The `--strip quotes,signatures` goldens: `Goldens/strip/NAME.txt` (a plain-text body) or `NAME.html` (an HTML
/// body, converted with the quote and signature blocks left out), and `NAME.expected.txt`: a first line
/// `# quoted_lines=N quoted_characters=N signature_lines=N signature_characters=N forwards=N`, then the cleaned
/// text. The directory is listed at run time: a new pair is picked up without touching this file.
///
/// Broken on purpose once to see these fail (then restored): `ReplyPhrases.attribution` returning nil for every
/// line failed 33 goldens (every attribution case, and the others with an attribution: interleaved, signature
/// or footer before a quote, html-apple-outside); `QuoteBlocks.role` ignoring `gmail_quote` failed
/// html-gmail-bottom (in html-gmail the text pass backs the HTML one up: the attribution left in cuts the quote).
enum StripGoldens {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Goldens/strip")

    /// Every golden's name (`NAME.txt` / `NAME.html` with a `NAME.expected.txt`), sorted.
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.compactMap { file -> String? in
            guard !file.hasSuffix(".expected.txt") else { return nil }
            if file.hasSuffix(".txt") { return String(file.dropLast(4)) }
            if file.hasSuffix(".html") { return String(file.dropLast(5)) }
            return nil
        }.sorted()
    }()

    static func read(_ file: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
    }

    /// The input's text, with the one line break ending the file dropped.
    static func input(_ name: String) throws -> (text: String, isHTML: Bool) {
        let isHTML = FileManager.default.fileExists(atPath: folder.appendingPathComponent(name + ".html").path)
        var text = try read(name + (isHTML ? ".html" : ".txt"))
        if text.hasSuffix("\n") { text.removeLast() }
        return (text, isHTML)
    }

    /// The expected counts and text.
    static func expected(_ name: String) throws -> (counts: StripCounts, text: String) {
        var content = try read(name + ".expected.txt")
        if content.hasSuffix("\n") { content.removeLast() }
        let header = content.prefix { $0 != "\n" }
        let text = String(content.dropFirst(header.count + 1))
        var fields: [String: Int] = [:]
        for pair in header.dropFirst(2).split(separator: " ") {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { fields[String(parts[0])] = value }
        }
        var counts = StripCounts()
        counts.quotedLines = fields["quoted_lines"] ?? -1
        counts.quotedCharacters = fields["quoted_characters"] ?? -1
        counts.signatureLines = fields["signature_lines"] ?? -1
        counts.signatureCharacters = fields["signature_characters"] ?? -1
        counts.forwards = fields["forwards"] ?? -1
        return (counts, text)
    }

    /// What the email adapter does with a body: HTML converted with the blocks left out, then the text pass.
    static func clean(_ text: String, isHTML: Bool) -> (text: String, counts: StripCounts) {
        let cleaner = ReplyCleaner(kinds: [.quotes, .signatures])
        guard isHTML else { return cleaner.clean(text) }
        let converted = HTMLText.convert(
            Array(text.utf8), encoding: "UTF-8", strip: HTMLText.Stripping(quotes: true, signatures: true))
        var (cleaned, counts) = cleaner.clean(converted.text)
        counts.quotedLines += converted.stripped.quotedLines
        counts.quotedCharacters += converted.stripped.quotedCharacters
        counts.signatureLines += converted.stripped.signatureLines
        counts.signatureCharacters += converted.stripped.signatureCharacters
        return (cleaned, counts)
    }
}

@Suite struct ReplyGoldenTests {
    @Test(arguments: StripGoldens.names)
    func golden(_ name: String) throws {
        let (input, isHTML) = try StripGoldens.input(name)
        let expected = try StripGoldens.expected(name)
        let (text, counts) = StripGoldens.clean(input, isHTML: isHTML)
        #expect(text == expected.text, "\(name): text differs")
        #expect(counts == expected.counts, "\(name): counts differ")
    }

    /// Every language and footer style the issue lists has a golden. Fails when one is deleted or renamed.
    @Test func coverage() {
        let names = Set(StripGoldens.names)
        let languages = ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "ru", "ja", "zh"]
        var required: [String] = []
        for lang in languages {
            required.append("outlook-\(lang)")
            required.append(lang == "en" ? "footer-en-iphone" : "footer-\(lang)")
            #expect(names.contains { $0.hasPrefix("attribution-\(lang)-") || $0 == "attribution-\(lang)" }, "\(lang)")
        }
        required += ["original-en", "original-de", "original-fr", "original-es", "original-it", "original-nl"]
        required += ["original-pt", "original-pl", "original-ru", "forward-gmail-en", "forward-apple-en"]
        required += ["footer-en-android", "footer-en-outlook-ios", "footer-en-mail-windows", "footer-en-yahoo"]
        required += ["signature-dashdash", "signature-dashdash-nospace", "disclaimer-en-confidentiality"]
        required += ["disclaimer-de", "disclaimer-fr", "attribution-en-thunderbird", "interleaved-nested"]
        required += ["html-gmail", "html-apple", "html-thunderbird", "html-outlook"]
        for name in required { #expect(names.contains(name), "missing golden \(name)") }
        // Two client styles for English and German.
        #expect(names.filter { $0.hasPrefix("attribution-en-") }.count >= 2)
        #expect(names.filter { $0.hasPrefix("attribution-de-") }.count >= 2)
        #expect(names.filter { $0.hasPrefix("survive-") }.count >= 8)
    }
}

/// The API around the goldens: kinds, counts, the options' independence, the HTML option off.
///
/// Broken on purpose once each (then restored): `parseKinds` skipping unknown words failed `parseKinds`;
/// `StripCounts.+` dropping `forwards` failed `countsAddAndCode`; `ReplyPass` marking and removing signatures
/// whatever the kinds failed `kindsAreIndependent`; `QuoteBlocks` taking signature blocks whatever
/// `Stripping.signatures` failed `htmlOptionOff`.
@Suite struct ReplyCleanerTests {
    @Test func parseKinds() throws {
        #expect(try ReplyCleaner.parseKinds("quotes,signatures") == [.quotes, .signatures])
        #expect(try ReplyCleaner.parseKinds(" Quotes ") == [.quotes])
        #expect(try ReplyCleaner.parseKinds("all") == Set(StripKind.allCases))
        #expect(try ReplyCleaner.parseKinds("signatures,") == [.signatures])
        #expect(throws: StripKindError(word: "sigs")) { try ReplyCleaner.parseKinds("quotes,sigs") }
        #expect(throws: StripKindError(word: "")) { try ReplyCleaner.parseKinds(",") }
        let error = try #require(throws: StripKindError.self) { try ReplyCleaner.parseKinds("quotes,html") }
        #expect(error.description.contains("'html'"))
    }

    @Test func countsAddAndCode() throws {
        var a = StripCounts()
        #expect(a.isEmpty)
        a.quotedLines = 2
        a.quotedCharacters = 30
        a.forwards = 1
        var b = StripCounts()
        b.signatureLines = 3
        b.signatureCharacters = 40
        b.forwards = 2
        let sum = a + b
        #expect(!sum.isEmpty)
        let values: [Int] = [sum.quotedLines, sum.quotedCharacters, sum.signatureLines, sum.signatureCharacters]
        #expect(values == [2, 30, 3, 40])
        #expect(sum.forwards == 3)
        // The metadata's snake-case keys; missing ones read as 0.
        let json = String(decoding: try JSONEncoder().encode(sum), as: UTF8.self)
        #expect(json.contains("\"quoted_lines\":2") && json.contains("\"signature_characters\":40"))
        let decoded = try JSONDecoder().decode(StripCounts.self, from: Data(#"{"quoted_lines": 4}"#.utf8))
        #expect(decoded.quotedLines == 4 && decoded.signatureLines == 0)
    }

    private let sample = """
        Agreed.

        --\u{20}
        Siobhán

        ---------- Forwarded message ---------
        From: Carol <carol@y.example>

        Invoice attached.

        On Mon, Jan 5, 2015 at 8:27 AM Bob Smith <bob@y.example> wrote:
        > Can you forward the invoice?
        """

    @Test func kindsAreIndependent() {
        let quotes = ReplyCleaner(kinds: [.quotes]).clean(sample)
        #expect(quotes.text.contains("-- \nSiobhán"))
        #expect(!quotes.text.contains("> Can you"))
        #expect(quotes.text.contains("[forwarded message]"))
        #expect(quotes.counts.signatureLines == 0 && quotes.counts.quotedLines == 2 && quotes.counts.forwards == 1)

        let signatures = ReplyCleaner(kinds: [.signatures]).clean(sample)
        #expect(!signatures.text.contains("Siobhán"))
        #expect(signatures.text.contains("> Can you forward the invoice?"))
        #expect(signatures.text.contains("---------- Forwarded message ---------"))
        #expect(signatures.counts.quotedLines == 0 && signatures.counts.signatureLines == 2)

        let none = ReplyCleaner(kinds: []).clean(sample)
        #expect(none.text == sample && none.counts.isEmpty)
        // Nothing to remove: the text comes back as it was.
        let plain = "Just a note.\n\nSiobhán"
        let unchanged = ReplyCleaner(kinds: [.quotes, .signatures]).clean(plain)
        #expect(unchanged.text == plain && unchanged.counts.isEmpty)
    }

    /// Without a `Stripping` (or with `.none`) every HTML golden converts as before: quotes and signatures stay.
    @Test func htmlOptionOff() throws {
        let htmlNames = StripGoldens.names.filter { $0.hasPrefix("html-") }
        #expect(htmlNames.count >= 4)
        for name in htmlNames {
            let bytes = Array(try StripGoldens.input(name).text.utf8)
            let plain = HTMLText.convert(bytes, encoding: "UTF-8")
            let off = HTMLText.convert(bytes, encoding: "UTF-8", strip: .none)
            #expect(plain == off, "\(name)")
            #expect(off.stripped.isEmpty, "\(name)")
            let quotesOnly = HTMLText.convert(bytes, encoding: "UTF-8", strip: HTMLText.Stripping(quotes: true))
            #expect(quotesOnly.stripped.signatureLines == 0, "\(name)")
        }
        let gmail = HTMLText.convert(Array(try StripGoldens.input("html-gmail").text.utf8), encoding: "UTF-8")
        #expect(gmail.text.contains("Can we meet on Tuesday?") && gmail.text.contains("Head of Finance"))
    }
}
