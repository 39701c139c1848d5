import BackfillCore
import BackfillDocumentAdapter
import BackfillTestSupport
import Foundation
import Testing

/// Evernote `.enex` beyond its goldens: framing across any chunk size, CDATA that says `</note>`, attachments' bytes
/// never held, the bad files of issue 19 (cut mid-note, not an export).
///
/// Broken on purpose once each (then restored): the framer without its CDATA state failed `cdataIsNotMarkup` (the
/// note ended at the `</note>` in its text, before "in CDATA"); `<data>` kept instead of skipped failed
/// `attachmentsAreNotHeld` (the note went over its budget: `note_too_large`); the `recent` window cut to 4 bytes (no
/// token longer than that was ever seen) failed `framingIsChunkIndependent` and `badFiles`.
@Suite("Evernote")
struct EvernoteTests {
    static func note(_ title: String, _ enml: String, data: String = "") -> String {
        """
          <note><title>\(title)</title><created>20230730T205204Z</created>
            <content><![CDATA[<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE en-note SYSTEM "http://xml.evernote.com/pub/enml2.dtd"><en-note>\(enml)</en-note>]]></content>
            \(data.isEmpty ? "" : "<resource><data encoding=\"base64\">\(data)</data><mime>application/pdf</mime><resource-attributes><file-name>scan.pdf</file-name></resource-attributes></resource>")
          </note>
        """
    }

    static func export(_ notes: [String]) -> [UInt8] {
        Array(
            ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<en-export application=\"Evernote\">\n"
                + notes.joined(separator: "\n") + "\n</en-export>\n").utf8)
    }

    static func read(_ bytes: [UInt8], step: Int = 1 << 20, limit: Int = ValidationProfile.defaultMaxDocumentBytes)
        async throws -> [AdapterOutput]
    {
        let input = SourceInput(
            displayPath: "in/Notebook.enex", fileName: "Notebook.enex", size: Int64(bytes.count), modificationDate: nil,
            open: { TrickleSource(bytes, step: step) })
        return try await collect(
            EvernoteAdapter().read(input, context: AdapterContext(maxDocumentBytes: limit), resumeFrom: nil))
    }

    @Test(arguments: [1, 3, 7, 9, 64, 1 << 20])
    func framingIsChunkIndependent(step: Int) async throws {
        let bytes = Self.export([Self.note("One", "<div>first</div>"), Self.note("Two", "<div>second</div>")])
        let documents = try await Self.read(bytes, step: step).compactMap(\.document)
        #expect(documents.map(\.request.document) == ["One\n\nfirst", "Two\n\nsecond"])
        #expect(documents.allSatisfy { $0.request.metadata?["notebook"] == "Notebook" })
    }

    @Test func cdataIsNotMarkup() async throws {
        let bytes = Self.export([
            Self.note("XML", "<div>close a note with &lt;/note&gt; or </note> in CDATA</div>"),
            Self.note("After", "<div>next</div>"),
        ])
        let outputs = try await Self.read(bytes)
        #expect(outputs.compactMap(\.document).count == 2, "\(outputs)")
        #expect(outputs.compactMap(\.document).first?.request.document.hasSuffix("in CDATA") == true, "\(outputs)")
        #expect(outputs.compactMap(\.document).last?.request.document == "After\n\nnext")
    }

    @Test func attachmentsAreNotHeld() async throws {
        // 6 MB of base64 in a note, with a budget of 4 × 64 KiB for the note's XML: read, because the data is skipped.
        let data = String(repeating: "QUJD", count: 1_500_000)
        let bytes = Self.export([Self.note("Scan", "<div>see the scan</div>", data: data)])
        let outputs = try await Self.read(bytes, step: 1 << 16, limit: 64 << 10)
        let document = try #require(outputs.first?.document, "\(outputs)")
        #expect(document.request.document == "Scan\n\nsee the scan")
        #expect(
            document.request.metadata?["attachments"]
                == .array([.object(["file_name": "scan.pdf", "mime_type": "application/pdf"])]))
    }

    /// Broken on purpose: with `<en-export` looked for anywhere in the head, the tar's head (an entry header, then the
    /// export's bytes) was `certain`, and an archive of the samples was read as one Evernote export.
    @Test func sniffing() {
        func sniff(_ name: String, _ head: [UInt8]) -> SniffConfidence {
            EvernoteAdapter().sniff(SourceProbe(fileName: name, displayPath: name, head: head, size: nil))
        }
        let export = Self.export([Self.note("One", "<div>first</div>")])
        #expect(sniff("Notebook.xml", export) == .certain)
        #expect(sniff("Notebook.enex", Array("not xml".utf8)) == .likely)
        let tar = Array("documents/Notebook.enex".utf8) + [UInt8](repeating: 0, count: 489) + export
        #expect(sniff("samples.tar", tar) == .no)
    }

    @Test func badFiles() async throws {
        let cut = Array(
            Self.export([Self.note("One", "<div>first</div>"), Self.note("Two", "<div>second</div>")]).dropLast(60))
        let outputs = try await Self.read(cut)
        #expect(outputs.first?.document?.request.document == "One\n\nfirst")
        #expect(outputs.last?.skipped?.code == "truncated_note")
        let notExport = try await Self.read(Array("just some text in a file named .enex".utf8))
        #expect(notExport.map(\.skipped?.code) == ["not_an_export"])
        let empty = try await Self.read(Self.export([Self.note("", "")]))
        #expect(empty.map(\.skipped?.code) == ["empty_note"])
    }
}
