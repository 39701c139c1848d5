import BackfillCore
import BackfillDocumentAdapter
import BackfillTestSupport
import Foundation
import Testing

/// Long documents are split, not refused (issue 19, bullet 7), for the text family: `TextParts` cuts at the most
/// natural boundary inside the limit, and the pieces concatenated are the text.
///
/// Broken on purpose once each (then restored): `TextParts.split` returning the whole text failed
/// `sevenMegabytesBecomeParts` (one 7 MB document) and every size check; the blank-line rule removed (cutting at
/// the last line break) failed `cutsAtTheBoundaryInsideTheLimit`'s paragraph case; the back-half rule removed (its test and the early exit) failed
/// `noNeedlesslySmallParts`; the scalar walk removed (cutting at the byte limit) failed `multibyteRunsAreCutBetweenScalars`
/// (a piece that is not valid UTF-8 decoded with U+FFFD, so the concatenation differed); the part metadata left
/// out (in `MemoryDocument.splitIntoParts`) failed `sevenMegabytesBecomeParts`.
@Suite("Long text documents become #part-N documents")
struct TextPartsTests {
    static func check(_ text: String, limit: Int) -> [Substring] {
        let pieces = TextParts.split(text, maxBytes: limit)
        #expect(pieces.joined() == text)
        #expect(pieces.allSatisfy { $0.utf8.count <= limit && !$0.isEmpty })
        return pieces
    }

    @Test func cutsAtTheBoundaryInsideTheLimit() {
        // Paragraphs: after the blank line.
        let paragraphs = "first paragraph line one\nline two\n\nsecond paragraph that goes on\nand on\n"
        let byParagraph = Self.check(paragraphs, limit: 50)
        #expect(byParagraph.first == "first paragraph line one\nline two\n\n")
        // No blank line: after the last line break.
        let lines = "alpha beta gamma\ndelta epsilon zeta\neta theta iota kappa"
        #expect(Self.check(lines, limit: 40).first == "alpha beta gamma\ndelta epsilon zeta\n")
        // One line: after the last space.
        #expect(Self.check("one two three four five six", limit: 12).first == "one two ")
        // Fits: the text itself, once.
        #expect(TextParts.split("short", maxBytes: 100) == ["short"])
    }

    @Test func noNeedlesslySmallParts() {
        // A blank line right at the start, then one long paragraph of lines: the cut is at the last line break,
        // not after the early blank line.
        let text = "Title\n\n" + (0..<40).map { "line number \($0) of the paragraph" }.joined(separator: "\n")
        let pieces = Self.check(text, limit: 400)
        #expect(pieces[0].utf8.count > 300, "\(pieces[0].utf8.count)")
    }

    @Test func multibyteRunsAreCutBetweenScalars() {
        let text = String(repeating: "żółw😀", count: 500)  // no whitespace at all
        let pieces = Self.check(text, limit: 101)
        #expect(pieces.count > 10)
        let bytes = pieces.map { Array($0.utf8) }
        #expect(bytes.allSatisfy { String(validating: $0, as: UTF8.self) != nil })
        #expect(bytes.reduce([], +) == Array(text.utf8))
    }

    /// The case: a 7 MB plain-text file under the default limit (4 MiB) becomes parts, none rejected.
    @Test func sevenMegabytesBecomeParts() async throws {
        var paragraphs: [String] = []
        var size = 0
        var n = 0
        while size < 7_000_000 {
            let paragraph =
                "Paragraph \(n). " + String(repeating: "Words of the archive, written over years. ", count: 20)
            paragraphs.append(paragraph)
            size += paragraph.utf8.count + 2
            n += 1
        }
        let text = paragraphs.joined(separator: "\n\n") + "\n"
        let outputs = try await collect(
            TextAdapter().read(
                .bytes(Array(text.utf8), displayPath: "in/big.txt", modificationDate: Date(timeIntervalSince1970: 1e9)),
                context: AdapterContext(), resumeFrom: nil))
        let documents = outputs.compactMap(\.document)
        #expect(outputs.count == documents.count)
        #expect(documents.count == 2)
        let whole = try #require(
            try await collect(
                TextAdapter().read(
                    .bytes(Array("x".utf8), displayPath: "in/x.txt"), context: AdapterContext(), resumeFrom: nil)
            ).first?.document)
        #expect(whole.request.metadata?["part"] == nil)  // a file that fits is one document, as before
        #expect(documents.map(\.request.document).joined() == text)
        let base = try #require(documents.first?.request.metadata?["parent_document_id"]?.stringValue)
        #expect(base.hasPrefix("text:"))
        for (index, document) in documents.enumerated() {
            #expect(document.id == "\(base)#part-\(index + 1)")
            #expect(document.request.document.utf8.count <= ValidationProfile.defaultMaxDocumentBytes)
            #expect(document.request.metadata?["part"] == .integer(Int64(index + 1)))
            #expect(document.request.metadata?["parts"] == .integer(2))
            #expect(document.request.documentCreatedAt == "2001-09-09T01:46:40Z")
            // Cut at a paragraph's end: every part but the last ends with the blank line.
            if index < documents.count - 1 { #expect(document.request.document.hasSuffix("\n\n")) }
        }
    }
}
