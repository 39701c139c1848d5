import BackfillCore
import BackfillRequestsAdapter
import BackfillSynapTarget
import BackfillTestSupport
import Foundation
import Testing

@Suite("Requests JSONL")
struct RequestsJSONLAdapterTests {
    let adapter = RequestsJSONLAdapter()

    private func read(_ text: String, cursor: SourceCursor? = nil) async throws -> [AdapterOutput] {
        try await collect(
            adapter.read(
                .bytes(Array(text.utf8), displayPath: "r.jsonl"), context: AdapterContext(), resumeFrom: cursor))
    }

    private func skipped(_ line: String) async throws -> SkippedRecord? {
        try await read(line + "\n").first?.skipped
    }

    @Test func descriptorAndSniff() {
        #expect(adapter.descriptor.name == "requests-jsonl")
        #expect(adapter.descriptor.family == "requests")
        #expect(adapter.descriptor.supportsCursor)
        func probe(_ name: String, _ head: String) -> SourceProbe {
            SourceProbe(fileName: name, displayPath: name, head: Array(head.utf8), size: nil)
        }
        #expect(
            adapter.sniff(probe("a.jsonl", "\u{FEFF}\n  {\"document\":\"x\",\"document_type\":\"note\"}\n")) == .certain
        )
        #expect(adapter.sniff(probe("a.NDJSON", "{\"document\":\"x\"")) == .certain)
        #expect(adapter.sniff(probe("a.jsonl", "{\"text\":\"x\"}\n{\"document\":1}")) == .likely)
        #expect(adapter.sniff(probe("a.jsonl", "")) == .likely)
        #expect(adapter.sniff(probe("a.json", "{\"document\":\"x\"}")) == .no)
    }

    @Test func readsRequests() async throws {
        let text = """
            {"document":"hello","document_type":"email","document_id":"e1","document_created_at":"2024-01-05T10:00:00+01:00","user_id":"u","customer_id":"c","mode":"long-range","metadata":{"a":1,"b":[true,null]},"scope":{"team":"x"},"unknown":{"x":1}}

            {"document":"second","document_type":"document"}
            """
        let outputs = try await read(text)
        #expect(outputs.count == 2)
        let first = try #require(outputs[0].document)
        #expect(
            first.request
                == CreateMemoryRequest(
                    document: "hello", documentType: .email, documentID: "e1",
                    documentCreatedAt: "2024-01-05T10:00:00+01:00", userID: "u", customerID: "c", mode: .longRange,
                    metadata: ["a": 1, "b": [true, nil]], scope: ["team": "x"]))
        #expect(first.createdAtOrigin == .source)
        #expect(
            first.provenance
                == Provenance(
                    adapter: "requests-jsonl", file: "r.jsonl",
                    position: RecordPosition(byteOffset: 0, line: 1, recordIndex: 1)))
        let firstLineLength = Array(text.utf8).firstIndex(of: UInt8(ascii: "\n")) ?? 0
        let secondOffset = Int64(firstLineLength + 2)
        #expect(first.cursorAfter == SourceCursor(byteOffset: secondOffset - 1, recordIndex: 1))
        let second = try #require(outputs[1].document)
        #expect(second.provenance.position == RecordPosition(byteOffset: secondOffset, line: 3, recordIndex: 3))
        #expect(second.createdAtOrigin == .missing)
        #expect(second.request.documentCreatedAt == nil)
        #expect(second.request.metadata == nil)
        #expect(second.cursorAfter == SourceCursor(byteOffset: Int64(text.utf8.count), recordIndex: 3))
        // No document_id: a hash of the line, the same wherever the line sits.
        let line = #"{"document":"second","document_type":"document"}"#
        #expect(second.id == DocumentID.contentHash(prefix: "jsonl", content: Array(line.utf8)))
        let elsewhere = try await collect(
            adapter.read(
                .bytes(Array("\r\n\(line)\r\n".utf8), displayPath: "other/x.ndjson"), context: AdapterContext(),
                resumeFrom: nil))
        #expect(elsewhere.first?.document?.id == second.id)
    }

    @Test func malformedLineNamesItsNumber() async throws {
        let text = """
            {"document":"ok","document_type":"note"}
            {"document":"ok","document_type":"note"}
            {"document": "cut
            {"document":"after","document_type":"note"}
            """
        let outputs = try await read(text)
        #expect(outputs.count == 4)
        let skipped = try #require(outputs[2].skipped)
        #expect(skipped.code == "malformed_json")
        #expect(skipped.position.line == 3)
        #expect(skipped.message.hasPrefix("line 3: not valid JSON ("))
        #expect(skipped.message.hasSuffix("fix or remove the line"))
        #expect(outputs[3].document?.request.document == "after")
    }

    @Test(arguments: [
        (#"{"document":"x", "document_type": }"#, "unexpected '}' at column 35 where a value should be"),
        (#"{"a":1} trailing"#, "unexpected 't' at column 9 after the end of the JSON value"),
        (#"{"document":"cut off"#, "unterminated string starting at column 13"),
        (#"{'document':1}"#, "unexpected ''' at column 2 where a quoted key should be"),
        (#"{"a":True}"#, "unexpected 'T' at column 6 where a value should be"),
        (#"{"a":1,}"#, "unexpected '}' at column 8 where a quoted key should be"),
        (#"{"a":[1 2]}"#, "unexpected '2' at column 9 where ',' or ']' should be"),
        (#"{"a":"\q"}"#, "unexpected 'q' at column 8: not a valid escape"),
        (#"{"a":01}"#, "unexpected '1' at column 7 where ',' or '}' should be"),
        (#"{"a" 1}"#, "unexpected '1' at column 6 where ':' should follow the key"),
    ])
    func syntaxErrorsArePinpointed(line: String, reason: String) async throws {
        let skip = try #require(try await skipped(line))
        #expect(skip.code == "malformed_json")
        #expect(skip.message.contains("not valid JSON (\(reason)"), "\(skip.message)")
    }

    @Test func invalidUTF8InALine() async throws {
        let bytes = Array(#"{"document":"caf"#.utf8) + [0xE9] + Array(#"","document_type":"note"}"#.utf8) + [0x0A]
        let outputs = try await collect(
            adapter.read(.bytes(bytes, displayPath: "r.jsonl"), context: AdapterContext(), resumeFrom: nil))
        let skip = try #require(outputs.first?.skipped)
        #expect(skip.code == "malformed_json")
        #expect(skip.message.contains("invalid UTF-8 at column 17"), "\(skip.message)")
    }

    @Test(arguments: [
        #"{"a":1,"b":-42,"c":3.25,"d":-1.5e-3,"e":1E+3,"f":9223372036854775807,"g":-9223372036854775808}"#,
        #"{"big":92233720368547758070,"neg0":-0,"zero":0,"frac":0.5}"#,
        #"{"s":"plain","t":"tab\tnew\nline","u":"\u00e9\u4e2d\ud83d\ude00","q":"\"quoted\" \\ \/ \b\f\r"}"#,
        #"{"nested":{"deep":[1,[2,[3,{"x":null}]],true,false]},"empty":{},"list":[]}"#,
        #"  { "spaced" :  [ 1 , 2 ] , "k" : "v" }  "#,
        #"{"dup":1,"dup":2}"#,
        #"{"utf8":"café — 😀 中文"}"#,
    ])
    func valuesMatchJSONDecoder(json: String) async throws {
        let outputs = try await read(#"{"document":"x","document_type":"note","metadata":"# + json + "}")
        let document = try #require(outputs.first?.document)
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        #expect(document.request.metadata == expected)
    }

    @Test func escapesInTheDocument() async throws {
        let line = #"{"document":"caf\u00e9\n\ud83d\ude00 \"q\" lone:\ud800!","document_type":"note"}"#
        let document = try #require(try await read(line).first?.document)
        #expect(document.request.document == "café\n😀 \"q\" lone:\u{FFFD}!")
    }

    @Test func deepNestingIsRefused() async throws {
        // Past the depth budget (64 by default): skipped naming it.
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let skip = try #require(try await skipped(#"{"document":"x","document_type":"note","metadata":"# + deep + "}"))
        #expect(skip.code == "nesting_too_deep")
        #expect(skip.message.contains("nested deeper than 64 levels"))
        #expect(skip.message.contains("(budget --max-depth 64)"))
    }

    @Test func notAnObject() async throws {
        for line in ["[1,2]", "42", "\"text\"", "null"] {
            let skip = try #require(try await skipped(line))
            #expect(skip.code == "malformed_json", "\(line)")
            #expect(skip.message.contains("not an object"), "\(skip.message)")
        }
    }

    @Test func missingFields() async throws {
        let noDocument = try #require(try await skipped(#"{"document_type":"note"}"#))
        #expect(noDocument.code == "missing_field")
        #expect(noDocument.message.contains("\"document\""))
        let noType = try #require(try await skipped(#"{"document":"x"}"#))
        #expect(noType.code == "missing_field")
        #expect(noType.message.contains("\"document_type\""))
        let nullDocument = try #require(try await skipped(#"{"document":null,"document_type":"note"}"#))
        #expect(nullDocument.code == "missing_field")
    }

    @Test(arguments: [
        (#"{"document":42,"document_type":"note"}"#, "\"document\" is a number"),
        (#"{"document":"x","document_type":["note"]}"#, "\"document_type\" is an array"),
        (#"{"document":"x","document_type":"note","document_id":7}"#, "\"document_id\" is a number"),
        (
            #"{"document":"x","document_type":"note","document_created_at":1700000000}"#,
            "\"document_created_at\" is a number"
        ),
        (#"{"document":"x","document_type":"note","user_id":true}"#, "\"user_id\" is a boolean"),
        (#"{"document":"x","document_type":"note","customer_id":{"id":1}}"#, "\"customer_id\" is an object"),
        (#"{"document":"x","document_type":"note","mode":1}"#, "\"mode\" is a number"),
    ])
    func wrongFieldTypes(line: String, fragment: String) async throws {
        let skip = try #require(try await skipped(line))
        #expect(skip.code == "wrong_field_type")
        #expect(skip.message.contains(fragment), "\(skip.message)")
        #expect(skip.message.contains("expected a string"))
    }

    @Test func unknownTypesAndOddShapesAreKeptForValidation() async throws {
        let outputs = try await read(
            #"{"document":"x","document_type":"spreadsheet","metadata":"not an object","scope":[1],"mode":"slow"}"#)
        let document = try #require(outputs.first?.document)
        #expect(document.request.documentType == DocumentType("spreadsheet"))
        #expect(document.request.metadata == .string("not an object"))
        #expect(document.request.scope == [1])
        #expect(document.request.mode == Mode(rawValue: "slow"))
        var copy = document
        guard case .rejected(let rejection) = ValidationProfile.synap().validate(&copy) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.code == "unknown_document_type")
    }

    @Test func resumeFromACursor() async throws {
        let url = samplesRoot.appendingPathComponent("requests/requests.jsonl")
        let input = try SourceInput.file(path: url.path, displayPath: "requests/requests.jsonl")
        let all = try await collect(adapter.read(input, context: AdapterContext(), resumeFrom: nil)).compactMap(
            \.document)
        #expect(all.count == 8)
        let cursor = try #require(all[2].cursorAfter)
        let rest = try await collect(adapter.read(input, context: AdapterContext(), resumeFrom: cursor)).compactMap(
            \.document)
        #expect(rest == Array(all.dropFirst(3)))

        // A source that cannot seek (a compressed archive member): skips by record index.
        let bytes = try Array(Data(contentsOf: url))
        let stream = SourceInput(
            displayPath: "requests/requests.jsonl", fileName: "requests.jsonl", size: nil, modificationDate: nil,
            open: { StreamOnlyByteSource(bytes) })
        let streamed = try await collect(adapter.read(stream, context: AdapterContext(), resumeFrom: cursor))
            .compactMap(\.document)
        #expect(streamed == Array(all.dropFirst(3)))
        // Resuming after the last record yields nothing.
        let end = try await collect(adapter.read(input, context: AdapterContext(), resumeFrom: all.last?.cursorAfter))
        #expect(end.isEmpty)
    }

    @Test func badLinesSample() async throws {
        let url = samplesRoot.appendingPathComponent("bad/bad-lines.jsonl")
        let input = try SourceInput.file(path: url.path, displayPath: "bad/bad-lines.jsonl")
        let outputs = try await collect(adapter.read(input, context: AdapterContext(), resumeFrom: nil))
        #expect(outputs.count == 4)
        #expect(outputs[0].document?.id == "bad-0001")
        #expect(outputs[1].skipped?.code == "malformed_json")
        #expect(outputs[1].skipped?.message.hasPrefix("line 2: not valid JSON (unterminated string") == true)
        #expect(outputs[2].document?.request.documentType == DocumentType("spreadsheet"))
        #expect(outputs[3].document?.id == "bad-0004")
    }

    @Test func manyLinesStreamInOrder() async throws {
        var text = ""
        for index in 0..<5000 {
            text += #"{"document":"item \#(index)","document_type":"note","metadata":{"i":\#(index)}}"# + "\n"
        }
        let outputs = try await read(text)
        #expect(outputs.count == 5000)
        #expect(outputs.last?.document?.request.document == "item 4999")
        #expect(Set(outputs.compactMap(\.document?.id)).count == 5000)
    }
}
