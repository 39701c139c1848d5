import BackfillCore
import Foundation
import Testing

/// `whitespaceTrimmed` against its oracle, Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)`.
/// Broken to see it fail: (1) U+0085 left out of `isWhitespaceOrNewline` — the scalar sweep named it; (2) the
/// trailing loop removed (`end` left at the end) — the generated strings with trailing space differed.
@Suite("Text trimming")
struct TextTrimmingTests {
    @Test func everyScalarAsFoundationHasIt() {
        let set = CharacterSet.whitespacesAndNewlines
        var differing: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if String.isWhitespaceOrNewline(scalar) != set.contains(scalar) {
                differing.append(String(value, radix: 16))
            }
        }
        #expect(differing.isEmpty, "differs from CharacterSet for U+\(differing.prefix(20))")
    }

    @Test func sameResultsAsFoundation() {
        let pieces = [
            " ", "\t", "\n", "\r\n", "\u{85}", "\u{A0}", "\u{2028}", "\u{3000}", "\u{200B}", "\u{301}", "a", "é",
            "日本", "👩‍👩‍👧", "e\u{301}", "x y", "\u{FEFF}",
        ]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...7, using: &random)).map { _ in pieces.randomElement(using: &random)! }
                .joined()
            let expected = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let got = text.whitespaceTrimmed
            #expect(
                Array(got.unicodeScalars) == Array(expected.unicodeScalars),
                "\(Array(text.unicodeScalars).map { String($0.value, radix: 16) })")
            if Array(got.unicodeScalars) != Array(expected.unicodeScalars) { return }
        }
    }
}
