import BackfillChatAdapter
import BackfillCore
import BackfillDocumentAdapter
import BackfillEmailAdapter
import BackfillPipeline
import BackfillSynapTarget
import BackfillTestSupport
import BackfillTranscriptAdapter
import Foundation
import Logging
import Testing

@Suite("Charsets in a real run's report")
struct CharsetReportTests {
    /// A plan over files on disk: the report counts text sources per charset and lists the low-confidence guess.
    /// Broken on purpose: the `noteCharset` call in `ReadStage` removed — the counts stayed empty and this
    /// test failed.
    @Test func planCountsSourcesPerCharsetAndListsTheDoubtfulOne() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-charset-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let russian = try #require(try loadTexts("ru").first).text
        let chinese = try #require(try loadTexts("zh-hans").first).text
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        try write("a-koi8.txt", try encode(russian, as: "KOI8-R"))
        try write("b-gb2312.srt", try encode(srt(cues(chinese)), as: "GB2312"))
        try write("c-utf8.md", Array("# Notes\n\nPlain UTF-8 — ünïcödé.\n".utf8))
        // Bytes that are no text: decoded (nothing is lost) but listed as a doubtful guess.
        try write("d-noise.txt", Array("noise ".utf8) + noise(count: 400, seed: 14))
        // A WhatsApp export re-saved in windows-1251.
        let whatsapp = "12/03/2023, 18:04 - Иван: \(russian)\n12/03/2023, 18:05 - Мария: Спасибо, до завтра!\n"
        try write("WhatsApp Chat with Иван.txt", try encode(whatsapp, as: "WINDOWS-1251"))

        let registry = AdapterRegistry(
            TranscriptAdapters.all + [WhatsAppAdapter(), TextAdapter()], containers: [])
        let configuration = PipelineConfiguration(inputs: [folder.path], profile: .synap())
        let pipeline = ImportPipeline(
            configuration: configuration, registry: registry, ledger: nil, target: nil,
            report: RunReport(command: "plan"), logger: Logger(label: "charset-test"))
        let report = try await pipeline.run()
        print(report.text())
        #expect(report.charsets["KOI8-R"] == 1)
        #expect(report.charsets["GB18030"] == 1)
        #expect(report.charsets["UTF-8"] == 1)
        #expect(report.charsets["WINDOWS-1251"] == 1)
        let doubtful = try #require(report.lowConfidenceCharsets.first)
        #expect(report.lowConfidenceCharsets.count == 1)
        #expect(doubtful.file.hasSuffix("d-noise.txt"))
        #expect(doubtful.confidence < SourceCharset.confidenceThreshold)
        #expect(report.text().contains("d-noise.txt: \(doubtful.charset), confidence"))
        #expect(report.json().contains("\"low_confidence_charsets\""))
    }

    /// A WhatsApp export re-saved in a legacy charset: every line decoded with the charset detected from the head.
    /// Broken on purpose: `decideCharset` always answering UTF-8 — the names and text came back as U+FFFD,
    /// this test failed.
    @Test func whatsAppExportInWindows1251() async throws {
        let russian = try #require(try loadTexts("ru").last).text
        let chat = "12/03/2023, 18:04 - Иван: \(russian)\n12/03/2023, 18:05 - Мария: Спасибо, до завтра!\n"
        let bytes = try encode(chat, as: "WINDOWS-1251")
        let outputs = try await collect(
            WhatsAppAdapter().read(
                .bytes(bytes, displayPath: "WhatsApp Chat with Иван.txt"), context: AdapterContext(), resumeFrom: nil))
        guard case .document(let document) = try #require(outputs.first) else {
            Issue.record("not a document: \(outputs)")
            return
        }
        #expect(document.request.document.contains("Иван: \(russian)"))
        #expect(document.request.document.contains("Мария: Спасибо, до завтра!"))
        #expect(document.charset?.name == "WINDOWS-1251")
    }
}
