import BackfillCore
import BackfillTestSupport
import BackfillTranscriptAdapter
import Foundation
import Testing

/// `bench/gen_corpus.py vtt|srt` output: every file imports with every speaker and cue accounted for,
/// checked against the generator's truth file (python3 is installed by `scripts/bootstrap.sh`).
@Suite("Generated corpus")
struct CorpusTests {
    static let generator = packageRoot.appendingPathComponent("bench/gen_corpus.py").path

    @Test(arguments: ["vtt", "srt"])
    func everySpeakerAndCueAccountedFor(_ kind: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-corpus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent(kind).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.generator, kind, "--files", "24", "--minutes", "6", "--seed", "7", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let truth = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: out + ".truth.json")))
        let items = try #require(truth["items"]?.arrayValue)
        #expect(items.count == 24)
        for item in items {
            let name = try #require(item["file"]?.stringValue)
            let path = (out as NSString).appendingPathComponent(name)
            let claimed = try sniffAdapter(path: path, displayPath: path)
            #expect(claimed.adapter.name == (kind == "vtt" ? "webvtt" : "srt"))
            let outputs = try await collect(claimed.adapter.read(claimed.input, context: AdapterContext(), resumeFrom: nil))
            try #require(outputs.count == 1, "\(name): \(outputs)")
            let document = try #require(outputs.first?.document)
            let meta = document.meta
            let style = item["style"]?.stringValue ?? ""
            #expect(meta["cue_count"] == item["cues"], "\(name) (\(style)) cues")
            #expect(meta["speakers"] == item["speakers"], "\(name) (\(style)) speakers")
            #expect(meta["cues_by_speaker"] == item["cues_per_speaker"], "\(name) (\(style)) cues per speaker")
            let duration = meta["duration_seconds"]?.doubleValue ?? -1
            #expect(abs(duration - (item["duration_seconds"]?.doubleValue ?? 0)) < 0.002, "\(name) duration")
            let firstText = try #require(item["first_text"]?.stringValue)
            #expect(document.request.document.contains(firstText), "\(name) (\(style)) first text")
            // Words: the document's words minus the speaker labels' words.
            let speakers = Set(item["speakers"]?.strings ?? [])
            var words = 0
            for turn in document.request.document.components(separatedBy: "\n\n") {
                var text = Substring(turn)
                if let colon = text.range(of: ": "), speakers.contains(String(text[..<colon.lowerBound])) {
                    text = text[colon.upperBound...]
                }
                words += text.split(whereSeparator: \.isWhitespace).count
            }
            #expect(words == item["words"]?.intValue, "\(name) (\(style)) words")
        }
    }
}
