import BackfillCore
import BackfillTestSupport
import BackfillTranscriptAdapter
import Foundation
import Testing

/// `samples/bad/transcripts/`: imported with what could be read, or skipped with a reason; never a crash.
@Suite("Bad transcript input")
struct BadInputTests {
    static func readBad(_ name: String, context: AdapterContext = AdapterContext()) async throws -> [AdapterOutput] {
        let path = samplesRoot.appendingPathComponent("bad/transcripts/\(name)").path
        let claimed = try sniffAdapter(path: path, displayPath: "bad/transcripts/\(name)")
        return try await collect(claimed.adapter.read(claimed.input, context: context, resumeFrom: nil))
    }

    @Test func vttWithoutHeaderIsReadWithAWarning() async throws {
        let outputs = try await Self.readBad("no-header.vtt")
        let document = try #require(outputs.first?.document)
        #expect(outputs.count == 1)
        #expect(document.request.document == "Sam: This file lost its WEBVTT line. It is still read, with a warning.")
        #expect(document.meta["parse_warnings"]?.strings.first?.contains("no WEBVTT header") == true)
    }

    @Test func timingsOutOfOrderEndBeforeStartAndUnreadable() async throws {
        let outputs = try await Self.readBad("bad-timings.srt")
        let skips = outputs.compactMap(\.skipped)
        let document = try #require(outputs.compactMap(\.document).first)
        #expect(skips.map(\.code) == ["malformed_timing"])
        #expect(skips.first?.position.line == 14)
        #expect(skips.first?.message.contains("00:00:xx,000") == true)
        // Nothing lost: the text under the unreadable timing joins the previous cue.
        #expect(document.request.document.contains("Bo: This cue ends before it starts. The timing above is unreadable."))
        let warnings = document.meta["parse_warnings"]?.strings ?? []
        #expect(warnings.contains { $0.contains("starts before the previous cue") })
        #expect(warnings.contains { $0.contains("ends before it starts") })
    }

    @Test func blocksWithoutTimingsAreSkippedWithTheirLine() async throws {
        let outputs = try await Self.readBad("broken-blocks.vtt")
        let skips = outputs.compactMap(\.skipped)
        #expect(skips.map(\.code) == ["malformed_cue", "malformed_timing"])
        #expect(skips.map(\.position.line) == [3, 6])
        #expect(skips.allSatisfy { $0.file == "bad/transcripts/broken-blocks.vtt" && $0.adapter == "webvtt" })
        #expect(outputs.compactMap(\.document).first?.request.document == "Kim: The only good cue.")
    }

    @Test func truncatedTTMLKeepsWhatWasRead() async throws {
        let outputs = try await Self.readBad("truncated.ttml")
        let document = try #require(outputs.first?.document)
        #expect(document.request.document.hasPrefix("First line survives."))
        #expect(document.meta["parse_warnings"]?.strings.first?.contains("malformed or truncated") == true)
    }

    @Test func externalEntitiesAreNeverLoaded() async throws {
        let outputs = try await Self.readBad("external-entity.ttml")
        for output in outputs {
            if let document = output.document { #expect(!document.request.document.contains("root:")) }
        }
    }

    @Test func headerOnlyIsAnEmptyTranscript() async throws {
        let outputs = try await Self.readBad("header-only.vtt")
        #expect(outputs.map { $0.skipped?.code } == ["empty_transcript"])
    }

    @Test func aOneMegabyteCueIsImported() async throws {
        let big = String(repeating: "blah ", count: 210_000)
        let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ana>\(big)\n\n00:01.000 --> 00:02.000\n<v Bo>After.\n"
        let outputs = try await read(vtt, name: "big.vtt", with: WebVTTAdapter())
        let documents = outputs.compactMap(\.document)
        #expect(documents.count == 1)
        #expect(documents.first?.request.document.hasSuffix("Bo: After.") == true)
        // With a smaller document limit it is split into parts, never dropped.
        let parts = try await read(vtt, name: "big.vtt", with: WebVTTAdapter(), context: AdapterContext(maxDocumentBytes: 256 * 1024))
        #expect(parts.compactMap(\.document).count == 5)
    }

    @Test func emptyAndBinaryFiles() async throws {
        let empty = try await read("", name: "e.vtt", with: WebVTTAdapter())
        #expect(empty.map { $0.skipped?.code } == ["empty_file"])
        let binary = try await read(bytes: [0x00, 0x01, 0x02, 0x00, 0x00, 0x10, 0x00, 0x00, 0x33, 0x00], name: "b.srt", with: SRTAdapter())
        #expect(binary.map { $0.skipped?.code } == ["binary_content"])
        let notXML = try await read("this is not xml at all", name: "n.ttml", with: TTMLAdapter())
        #expect(notXML.compactMap(\.skipped).isEmpty == false)
    }

    @Test func randomBytesNeverCrash() async throws {
        var generator = SystemRandomNumberGenerator()
        let adapters: [any SourceAdapter] = [WebVTTAdapter(), SRTAdapter(), TTMLAdapter(), PlainTranscriptAdapter()]
        let seeds = ["WEBVTT\n\n00:00.000 --> 00:01.000\n<v A>x\n", "1\n00:00:01,000 --> 00:00:02,000\nA: x\n",
                     "<tt xmlns=\"http://www.w3.org/ns/ttml\"><body><div><p begin=\"1s\">x</p></div></body></tt>", "A  0:00\nx\nB  0:01\ny\n"]
        for round in 0..<200 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            for _ in 0..<(1 + round % 8) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
            }
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator))) }
            _ = try await read(bytes: bytes, name: "r", with: adapters[round % adapters.count])
        }
    }
}
