import BackfillMarkup
import BackfillTestSupport
import Foundation
import Testing

/// Charset labels are trimmed without Foundation; Foundation's `trimmingCharacters` is the oracle, on labels built
/// from quotes, spaces, tabs, other whitespace, non-ASCII letters and real names.
/// Broken to see it fail: (1) the trailing side left untrimmed (`end` at the end) — `"utf-8" ` kept its quote and
/// space; (2) `isBlank` answering false for every label starting below 0x7F (the `> 0x20` test dropped) — a
/// label of spaces was not blank.
@Suite("Charset labels")
struct CharsetLabelTests {
    @Test func trimmedAsFoundationTrimsThem() {
        let pieces = [" ", "\t", "\"", "'", "\n", "\u{A0}", "\u{3000}", "utf-8", "ISO-8859-1", "é", "x", "Shift_JIS"]
        let quotesAndSpace = CharacterSet(charactersIn: " \t\"'")
        var random = SeededGenerator(seed: 41)
        var differing: [String] = []
        for _ in 0..<20_000 {
            let label = (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }
                .joined()
            if Charset.trimmedLabel(label) != label.trimmingCharacters(in: quotesAndSpace) {
                differing.append(label.debugDescription)
            }
            if Charset.isBlank(label) != label.trimmingCharacters(in: .whitespaces).isEmpty {
                differing.append("blank: " + label.debugDescription)
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(10))")
        #expect(Charset.normalise(" \"ISO-8859-1\" ") == "WINDOWS-1252")
    }
}
