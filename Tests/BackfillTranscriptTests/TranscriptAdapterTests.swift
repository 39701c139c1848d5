import BackfillCore
import BackfillTestSupport
import BackfillTranscriptAdapter
import Foundation
import Testing

/// Reads in-memory bytes with one adapter.
func read(
    _ text: String, name: String, with adapter: any SourceAdapter, context: AdapterContext = AdapterContext()
) async throws -> [AdapterOutput] {
    try await read(bytes: Array(text.utf8), name: name, with: adapter, context: context)
}

func read(
    bytes: [UInt8], name: String, with adapter: any SourceAdapter, context: AdapterContext = AdapterContext()
) async throws -> [AdapterOutput] {
    try await collect(adapter.read(.bytes(bytes, displayPath: name), context: context, resumeFrom: nil))
}

func sniff(_ text: String, name: String, _ adapter: any SourceAdapter) -> SniffConfidence {
    sniff(bytes: Array(text.utf8), name: name, adapter)
}

func sniff(bytes: [UInt8], name: String, _ adapter: any SourceAdapter) -> SniffConfidence {
    adapter.sniff(SourceProbe(fileName: name, displayPath: name, head: Array(bytes.prefix(SourceProbe.headLength)), size: Int64(bytes.count)))
}

func sample(_ relative: String) throws -> [UInt8] {
    Array(try Data(contentsOf: samplesRoot.appendingPathComponent(relative)))
}

extension JSONValue {
    var strings: [String] { arrayValue?.compactMap(\.stringValue) ?? [] }
    var intValue: Int? {
        if case .integer(let value) = self { return Int(value) }
        return nil
    }
}

extension MemoryDocument {
    var meta: [String: JSONValue] { request.metadata?.objectValue ?? [:] }
}

@Suite("WebVTT")
struct WebVTTTests {
    @Test func teamsVoiceSpansAndGUIDIdentifiers() async throws {
        let outputs = try await read(bytes: try sample("transcripts/teams-standup.vtt"), name: "teams-standup.vtt", with: WebVTTAdapter())
        #expect(outputs.count == 1)
        let document = try #require(outputs.first?.document)
        #expect(document.meta["speakers"]?.strings == ["Mele Tupou", "Anders Nilsson", "Fatima Zahra"])
        #expect(document.meta["cue_count"]?.intValue == 6)
        // Consecutive cues of Mele merged into one turn; the unclosed <v> of cue 5 still names Anders.
        #expect(document.meta["turn_count"]?.intValue == 5)
        #expect(document.request.document.hasPrefix("Mele Tupou: Morning all. Quick round, please. Anders, you first.\n\nAnders Nilsson: The CSV export fix is merged; it's behind the \"exports-v2\" flag"))
        #expect(document.request.document.contains("QA starts tomorrow — I need"))
        #expect(document.request.document.contains("Blockers? None <- good."))
        #expect(document.request.documentType == .meetingTranscript)
        #expect(document.request.documentID?.hasPrefix("transcript:") == true)
    }

    @Test func zoomInlineNamesAndFileNameDate() async throws {
        let bytes = try sample("transcripts/GMT20240105-143000_Recording.transcript.vtt")
        let outputs = try await read(bytes: bytes, name: "GMT20240105-143000_Recording.transcript.vtt", with: WebVTTAdapter())
        let document = try #require(outputs.first?.document)
        #expect(document.meta["speakers"]?.strings == ["Priya Raman", "Tomás Ortega", "jwu"])
        #expect(document.request.documentCreatedAt == "2024-01-05T14:30:00Z")
        #expect(document.createdAtOrigin == .source)
        #expect(document.meta["cues_by_speaker"]?["Priya Raman"]?.intValue == 3)
        // The colon inside "macro: pricing FAQ" is not a speaker change.
        #expect(document.request.document.contains("jwu: Agreed. I'll draft the support macro: pricing FAQ, refunds, invoices. Decision recorded."))
        #expect(document.request.document.contains("ship it on the 15th & tell support"))

        // The id is path-independent: the same bytes under another name (no date in it) share it.
        let renamed = try await read(bytes: bytes, name: "copy.vtt", with: WebVTTAdapter())
        #expect(renamed.first?.document?.id == document.id)
        #expect(renamed.first?.document?.createdAtOrigin == .missing)
    }

    @Test func genericFileWithNoteStyleRegionSettingsAndSpans() async throws {
        let outputs = try await read(bytes: try sample("transcripts/generic-captions.vtt"), name: "generic-captions.vtt", with: WebVTTAdapter())
        let document = try #require(outputs.first?.document)
        let text = document.request.document
        #expect(document.meta["title"]?.stringValue == "Product review (captions)")
        #expect(document.meta["language"]?.stringValue == "en-GB")
        #expect(!text.contains("cue(") && !text.contains("width:40%") && !text.contains("written by hand"))
        #expect(!text.contains("align:") && !text.contains("<") && !text.contains("00:05.900"))
        #expect(text.contains("Esme: Welcome to the quarterly review. We have three items: pricing, hiring and the roadmap."))
        // Ruby text (しがつ) dropped, base kept.
        #expect(text.contains("Kenji Sato: The Tokyo office opens in 四月, 予定通り."))
        #expect(!text.contains("しがつ"))
        // Two voices in one cue; entities decoded (&#8212; &amp; &lrm;).
        #expect(text.contains("Esme: Good.\n\nKenji Sato: One more thing — R&D wants a \u{200E}demo slot."))
        // Hour-ful timing after hour-less ones; unattributed text continues the previous speaker.
        #expect(document.meta["duration_seconds"] == .number(3725.5))
        #expect(document.meta["cue_count"]?.intValue == 5)
    }

    @Test func timestampsOptionAddsStamps() async throws {
        let context = AdapterContext(options: ["timestamps": "true"])
        let outputs = try await read(bytes: try sample("transcripts/teams-standup.vtt"), name: "t.vtt", with: WebVTTAdapter(), context: context)
        let document = try #require(outputs.first?.document)
        #expect(document.request.document.hasPrefix("[00:00] Mele Tupou: Morning all."))
        #expect(document.request.document.contains("\n\n[00:07] Anders Nilsson: The CSV"))
        // Stamps do not change the identity of the meeting.
        let plain = try await read(bytes: try sample("transcripts/teams-standup.vtt"), name: "t.vtt", with: WebVTTAdapter())
        #expect(plain.first?.document?.id == document.id)
    }

    @Test func longMeetingsUseHourStamps() async throws {
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Start.\n\n01:30:00.000 --> 01:30:02.000\n<v B>End.\n"
        let outputs = try await read(vtt, name: "long.vtt", with: WebVTTAdapter(), context: AdapterContext(options: ["timestamps": "true"]))
        #expect(outputs.first?.document?.request.document == "[0:00:01] A: Start.\n\n[1:30:00] B: End.")
    }

    @Test func sniffing() {
        #expect(sniff("WEBVTT\n\n", name: "x.txt", WebVTTAdapter()) == .certain)
        #expect(sniff("\u{FEFF}WEBVTT - title\n", name: "x", WebVTTAdapter()) == .certain)
        #expect(sniff("1\n00:00:01.000 --> 00:00:02.000\nhi\n", name: "x.vtt", WebVTTAdapter()) == .likely)
        #expect(sniff("hello", name: "x.md", WebVTTAdapter()) == .no)
        // UTF-16 with a BOM.
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(sniff(bytes: utf16, name: "x.vtt", WebVTTAdapter()) == .certain)
    }

    @Test func utf16AndCRLines() async throws {
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "WEBVTT\r00:00.000 --> 00:01.000\r<v Zoë>Hallo\r\r00:01.000 --> 00:02.000\r<v Zoë>Welt\r".utf16 {
            utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        let outputs = try await read(bytes: utf16, name: "x.vtt", with: WebVTTAdapter())
        let document = try #require(outputs.first?.document)
        #expect(document.request.document == "Zoë: Hallo Welt")
        #expect(document.meta["encoding"]?.stringValue == "UTF-16LE")
    }

    @Test func voiceClassesAndUnclosedSpans() async throws {
        let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v.first.loud Esme Hale>Hi\nthere\n\n00:01.000 --> 00:02.000\n<v Roger>Yes <b>sir</b></v>\n"
        let outputs = try await read(vtt, name: "v.vtt", with: WebVTTAdapter())
        #expect(outputs.first?.document?.request.document == "Esme Hale: Hi there\n\nRoger: Yes sir")
    }
}

@Suite("SRT")
struct SRTTests {
    @Test func windows1252FallbackAndTolerance() async throws {
        let outputs = try await read(bytes: try sample("transcripts/interview-cp1252.srt"), name: "interview-cp1252.srt", with: SRTAdapter())
        let document = try #require(outputs.first?.document)
        let text = document.request.document
        #expect(document.meta["encoding"]?.stringValue == "WINDOWS-1252")
        #expect(document.meta["speakers"]?.strings == ["INTERVIEWER", "Chloé Martin"])
        // `.` milliseconds, text after the end time, a blank line inside a cue, speaker named only at change,
        // <i> stripped, no final blank line.
        #expect(text == """
            INTERVIEWER: Welcome back. You moved to Lyon in 2019 — why?

            Chloé Martin: For the cafés, honestly. And the “slower” pace. The rent was half of Paris’s.

            INTERVIEWER: Any regrets?

            Chloé Martin: None – well, the winters.
            """)
        #expect(document.meta["cue_count"]?.intValue == 5)
        #expect(document.meta["duration_seconds"] == .number(19))
    }

    static let gb2312: [UInt8] = [
        0x31, 0x0D, 0x0A, 0x30, 0x30, 0x3A, 0x30, 0x30, 0x3A, 0x30, 0x31, 0x2C, 0x30, 0x30, 0x30, 0x20, 0x2D, 0x2D, 0x3E,
        0x20, 0x30, 0x30, 0x3A, 0x30, 0x30, 0x3A, 0x30, 0x33, 0x2C, 0x35, 0x30, 0x30, 0x0D, 0x0A, 0xD6, 0xF7, 0xB3, 0xD6,
        0xC8, 0xCB, 0x3A, 0x20, 0xBB, 0xB6, 0xD3, 0xAD, 0xCA, 0xD5, 0xBF, 0xB4, 0xBD, 0xF1, 0xCC, 0xEC, 0xB5, 0xC4, 0xBD,
        0xDA, 0xC4, 0xBF, 0xA1, 0xA3, 0x0D, 0x0A, 0x0D, 0x0A, 0x32, 0x0D, 0x0A, 0x30, 0x30, 0x3A, 0x30, 0x30, 0x3A, 0x30,
        0x34, 0x2C, 0x30, 0x30, 0x30, 0x20, 0x2D, 0x2D, 0x3E, 0x20, 0x30, 0x30, 0x3A, 0x30, 0x30, 0x3A, 0x30, 0x36, 0x2C,
        0x30, 0x30, 0x30, 0x0D, 0x0A, 0xCD, 0xF5, 0xB7, 0xBC, 0x3A, 0x20, 0xD0, 0xBB, 0xD0, 0xBB, 0xA3, 0xAC, 0xBA, 0xDC,
        0xB8, 0xDF, 0xD0, 0xCB, 0xC0, 0xB4, 0xB5, 0xBD, 0xD5, 0xE2, 0xC0, 0xEF, 0xA1, 0xA3, 0x0D, 0x0A,
    ]

    @Test func gb2312WithEncodingOption() async throws {
        let outputs = try await read(
            bytes: Self.gb2312, name: "talk.srt", with: SRTAdapter(), context: AdapterContext(options: ["encoding": "gb2312"]))
        let document = try #require(outputs.first?.document)
        #expect(document.request.document == "主持人: 欢迎收看今天的节目。\n\n王芳: 谢谢，很高兴来到这里。")
        #expect(document.meta["speakers"]?.strings == ["主持人", "王芳"])
        #expect(document.meta["encoding"]?.stringValue == "GB18030")
    }

    @Test func bracketUpperAndFullWidthColonSpeakers() async throws {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n[Ann] Hi.\n\n2\n00:00:02,500 --> 00:00:03,000\nBOB: Hey.\n\n3\n00:00:03,500 --> 00:00:04,000\n李雷：你好。\n\n4\n00:00:04,500 --> 00:00:05,000\n- Ann: Two voices\n- Bob: in one cue\n"
        let outputs = try await read(srt, name: "s.srt", with: SRTAdapter())
        #expect(outputs.first?.document?.request.document == "Ann: Hi.\n\nBOB: Hey.\n\n李雷: 你好。\n\nAnn: Two voices\n\nBob: in one cue")
    }

    @Test func withoutSpeakersParagraphsBreakAtPauses() async throws {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n2\n00:00:02,100 --> 00:00:03,000\nTwo.\n\n3\n00:00:09,000 --> 00:00:10,000\nThree.\n"
        let outputs = try await read(srt, name: "s.srt", with: SRTAdapter())
        let document = try #require(outputs.first?.document)
        #expect(document.request.document == "One. Two.\n\nThree.")
        #expect(document.meta["speakers"]?.strings == [])
    }

    @Test func sniffing() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nhi\n"
        #expect(sniff(srt, name: "a.srt", SRTAdapter()) == .certain)
        #expect(sniff(srt, name: "a.txt", SRTAdapter()) == .certain)
        #expect(sniff("junk", name: "a.srt", SRTAdapter()) == .likely)
        #expect(sniff("junk", name: "a.txt", SRTAdapter()) == .no)
    }

    @Test func sameMeetingAsVTTAndSRTSharesItsID() async throws {
        let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna: Ship it.\n\n2\n00:00:02.000 --> 00:00:03.000\nBo: Friday.\n"
        let srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nAna: Ship it.\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nBo: Friday.\r\n"
        let a = try await read(vtt, name: "a.vtt", with: WebVTTAdapter())
        let b = try await read(srt, name: "b.srt", with: SRTAdapter())
        #expect(a.first?.document?.id == b.first?.document?.id)
        #expect(a.first?.document?.id != nil)
    }
}

@Suite("TTML")
struct TTMLTests {
    @Test func frameTimesAgentsAndSpans() async throws {
        let outputs = try await read(
            bytes: try sample("transcripts/board-call-frames.ttml"), name: "board-call-frames.ttml", with: TTMLAdapter(),
            context: AdapterContext(options: ["timestamps": "true"]))
        let document = try #require(outputs.first?.document)
        #expect(document.meta["speakers"]?.strings == ["Grace Okafor", "Lin Chen", "guest"])
        #expect(document.meta["title"]?.stringValue == "Board call, Q3 budget")
        #expect(document.meta["language"]?.stringValue == "en-US")
        #expect(document.request.document == """
            [00:01] Grace Okafor: Let's begin with the budget. Lin, the headline?

            [00:05] Lin Chen: Spend is four percent under plan. Mostly delayed hiring.

            [00:13] Grace Okafor: Questions?

            [00:13] guest: Will that slip into Q4?

            [00:16] Lin Chen: Partly; we re-forecast in October.
            """)
        // 00:00:01:00 (div) + 15.5 s, end 18 s + 1 s = 19 s.
        #expect(document.meta["duration_seconds"] == .number(19))
    }

    @Test func tickTimesAndInlineNames() async throws {
        let outputs = try await read(
            bytes: try sample("transcripts/support-call-ticks.dfxp"), name: "x.dfxp", with: TTMLAdapter(),
            context: AdapterContext(options: ["timestamps": "true"]))
        let document = try #require(outputs.first?.document)
        #expect(document.request.document.hasPrefix("[00:00] Agent: Thanks for calling, this is Ravi.\n\n[00:04] Caller: Hi,"))
        #expect(document.meta["duration_seconds"] == .number(12))
    }

    @Test func timeExpressions() async throws {
        let ttml = """
            <tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:frameRate="25" ttp:subFrameRate="2"><body><div>
            <p begin="0.5h" end="1800.5s">a</p><p begin="30m1s" end="30m2s">b</p><p begin="00:30:03:12.1" end="1800004ms">c</p>
            <p begin="45025f" end="90100t">d</p></div></body></tt>
            """
        let outputs = try await read(ttml, name: "t.ttml", with: TTMLAdapter(), context: AdapterContext(options: ["timestamps": "true"]))
        let document = try #require(outputs.first?.document)
        // 30m1s is not a TTML expression: a warning, the text is kept.
        #expect(document.request.document.hasPrefix("[30:00] a b"))
        #expect(document.meta["parse_warnings"]?.strings.contains { $0.contains("30m1s") } == true)
        // 00:30:03:12.1 = 1803 s + (12 + 1/2 subframes) / 25 fps = 1803.5 s; its end (1800004ms) is before it.
        #expect(document.meta["duration_seconds"] == .number(1803.5))
        #expect(document.meta["parse_warnings"]?.strings.contains { $0.contains("end before they start") } == true)
        // 45025 frames at 25 fps = 1801 s; ticks default to frameRate × subFrameRate = 50/s: 90100t = 1802 s.
        #expect(document.request.document == "[30:00] a b\n\n[30:03] c d")
        let frames = """
            <tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:frameRate="25" ttp:subFrameRate="2"><body><div>
            <p begin="45025f" end="90100t">d</p></div></body></tt>
            """
        let single = try await read(frames, name: "f.ttml", with: TTMLAdapter(), context: AdapterContext(options: ["timestamps": "true"]))
        #expect(single.first?.document?.request.document == "[30:01] d")
        #expect(single.first?.document?.meta["duration_seconds"] == .number(1802))
    }

    @Test func sniffing() {
        let head = "<?xml version=\"1.0\"?>\n<tt xmlns=\"http://www.w3.org/ns/ttml\">"
        #expect(sniff(head, name: "a.xml", TTMLAdapter()) == .certain)
        #expect(sniff(head, name: "a.dfxp", TTMLAdapter()) == .certain)
        #expect(sniff("<rss/>", name: "a.xml", TTMLAdapter()) == .no)
        #expect(sniff("<rss/>", name: "a.ttml", TTMLAdapter()) == .likely)
    }
}

@Suite("Plain transcripts")
struct PlainTranscriptTests {
    @Test func otterHeaders() async throws {
        let outputs = try await read(
            bytes: try sample("transcripts/otter-design-sync.txt"), name: "otter.txt", with: PlainTranscriptAdapter(),
            context: AdapterContext(options: ["timestamps": "true"]))
        let document = try #require(outputs.first?.document)
        #expect(document.meta["speakers"]?.strings == ["Speaker 1", "Aiko Tanaka", "Marcus Webb"])
        #expect(document.request.document == """
            Design sync

            [00:00] Speaker 1: Can everyone see my screen? This is the new onboarding flow.

            [00:07] Aiko Tanaka: Yes. The second step feels long. Could we split the form?

            [00:15] Speaker 1: We could. Metrics say people drop at the address field.

            [00:24] Marcus Webb: Then move the address to after the first purchase.

            [00:31] Aiko Tanaka: Agreed, let's prototype that.
            """)
    }

    @Test func stampedQAndALines() async throws {
        let outputs = try await read(bytes: try sample("transcripts/interview-notes.txt"), name: "i.txt", with: PlainTranscriptAdapter())
        let document = try #require(outputs.first?.document)
        #expect(document.meta["speakers"]?.strings == ["Q", "A"])
        #expect(document.request.document.contains("A: Exports. I copy numbers into a spreadsheet every Monday, which takes an hour."))
    }

    @Test func claimsOnlyClearTranscripts() throws {
        #expect(sniff(bytes: try sample("transcripts/otter-design-sync.txt"), name: "o.txt", PlainTranscriptAdapter()) == .certain)
        #expect(sniff(bytes: try sample("documents/meeting-notes.txt"), name: "meeting-notes.txt", PlainTranscriptAdapter()) == .no)
        let prose = "Dear team,\n\nNote: the office is closed Friday.\nAgenda: budget, hiring.\nThanks: everyone.\n"
        #expect(sniff(prose, name: "p.txt", PlainTranscriptAdapter()) == .no)
        let email = "From: a@example.com\nTo: b@example.com\nSubject: hi\nDate: today\n\nBody"
        #expect(sniff(email, name: "e.txt", PlainTranscriptAdapter()) == .no)
        let zoom = "[Alice Smith] 10:02:13\nHello.\n[Bob] 10:02:20\nHi.\n"
        #expect(sniff(zoom, name: "z.txt", PlainTranscriptAdapter()) == .certain)
        let upper = "JOHN: hi\nMARY: hello\nJOHN: bye\n"
        #expect(sniff(upper, name: "u.txt", PlainTranscriptAdapter()) == .certain)
        #expect(sniff(upper, name: "u.md", PlainTranscriptAdapter()) == .no)
    }
}

@Suite("Transcript documents")
struct TranscriptDocumentTests {
    static let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ana Lima>Budget first.\n\n00:01.000 --> 00:02.000\n<v Bo>Then hiring.\n"

    @Test func identityMapSetsUserIDs() async throws {
        let identities = IdentityMap(["bo": .init(userID: "u-bo", customerID: "acme"), "ana lima": .init(userID: "u-ana", customerID: nil)])
        let outputs = try await read(Self.vtt, name: "m.vtt", with: WebVTTAdapter(), context: AdapterContext(identities: identities))
        let document = try #require(outputs.first?.document)
        #expect(document.request.userID == "u-ana")
        #expect(document.request.customerID == nil)
        #expect(document.meta["speaker_user_ids"] == .object(["Ana Lima": "u-ana", "Bo": "u-bo"]))
    }

    @Test func audioTypeAndCreatedAtOption() async throws {
        let context = AdapterContext(options: ["transcript-type": "audio", "created-at": "2023-06-01T08:00:00+02:00"])
        let outputs = try await read(Self.vtt, name: "m.vtt", with: WebVTTAdapter(), context: context)
        let document = try #require(outputs.first?.document)
        #expect(document.request.documentType == .audio)
        #expect(document.request.documentCreatedAt == "2023-06-01T06:00:00Z")
        #expect(document.createdAtOrigin == .source)
    }

    @Test func mtimeIsACountedFallback() async throws {
        let input = SourceInput.bytes(Array(Self.vtt.utf8), displayPath: "m.vtt", modificationDate: Date(timeIntervalSince1970: 1_700_000_000))
        let outputs = try await collect(WebVTTAdapter().read(input, context: AdapterContext(), resumeFrom: nil))
        let document = try #require(outputs.first?.document)
        #expect(document.createdAtOrigin == .fallback)
        #expect(document.createdAtFallback == "file modification time")
        #expect(document.request.documentCreatedAt == "2023-11-14T22:13:20Z")
    }

    @Test func sidecarDateAndTitle() async throws {
        let path = samplesRoot.appendingPathComponent("transcripts/teams-standup.vtt").path
        let input = try SourceInput.file(path: path)
        let outputs = try await collect(WebVTTAdapter().read(input, context: AdapterContext(options: ["created-at": "2020-01-01T00:00:00Z"]), resumeFrom: nil))
        let document = try #require(outputs.first?.document)
        // The sidecar wins over the option.
        #expect(document.request.documentCreatedAt == "2024-02-12T08:00:00Z")
        #expect(document.meta["title"]?.stringValue == "Platform stand-up")
        #expect(document.meta["created_at_from"]?.stringValue == "sidecar")
        #expect(sniff(bytes: try sample("transcripts/teams-standup.vtt.meta.json"), name: "teams-standup.vtt.meta.json", TranscriptSidecarAdapter()) == .certain)
        #expect(sniff("{}", name: "conversations.json", TranscriptSidecarAdapter()) == .no)
    }

    @Test func longMeetingsSplitAtTurnBoundaries() async throws {
        var vtt = "WEBVTT\n\n"
        for index in 0..<120 {
            let speaker = ["Ana", "Bo", "Chen"][index % 3]
            let seconds = index * 5
            vtt += String(format: "00:%02d:%02d.000 --> 00:%02d:%02d.500\n", seconds / 60, seconds % 60, seconds / 60, seconds % 60)
            vtt += "<v \(speaker)>Sentence number \(index) about the roadmap and the budget.\n\n"
        }
        let limit = 1000
        let outputs = try await read(vtt, name: "long.vtt", with: WebVTTAdapter(), context: AdapterContext(maxDocumentBytes: limit))
        let documents = outputs.compactMap(\.document)
        #expect(documents.count > 5)
        #expect(outputs.allSatisfy { $0.document != nil })
        let base = try #require(documents.first?.id.components(separatedBy: "#").first)
        for (index, document) in documents.enumerated() {
            #expect(document.id == "\(base)#part-\(index + 1)")
            #expect(document.request.document.utf8.count <= limit)
            #expect(document.meta["part_count"]?.intValue == documents.count)
            // Every part starts with a speaker label: parts break between turns.
            #expect(["Ana: ", "Bo: ", "Chen: "].contains { document.request.document.hasPrefix($0) })
        }
        let all = documents.map(\.request.document).joined(separator: "\n\n")
        for index in 0..<120 { #expect(all.contains("Sentence number \(index) about")) }
    }

    @Test func aTurnLongerThanTheLimitIsCutAtSpaces() async throws {
        let words = (0..<400).map { "word\($0)" }.joined(separator: " ")
        let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ana>\(words)\n"
        let outputs = try await read(vtt, name: "l.vtt", with: WebVTTAdapter(), context: AdapterContext(maxDocumentBytes: 500))
        let documents = outputs.compactMap(\.document)
        #expect(documents.count > 4)
        #expect(documents.allSatisfy { $0.request.document.utf8.count <= 500 && $0.request.document.hasPrefix("Ana: ") })
        let rejoined = documents.map { String($0.request.document.dropFirst(5)) }.joined(separator: " ")
        #expect(rejoined == words)
    }
}
