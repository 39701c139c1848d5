import BackfillCore
import BackfillGoodMemTarget
import BackfillSynapTarget
import BackfillTestSupport
import Foundation
import Testing

@Suite("CreateMemoryRequest")
struct RequestTests {
    /// Synap's documented request fields (API reference "Create Memory"), as a JSON example kept in samples/expected.
    @Test("encodes field for field like Synap's documented example")
    func goldenRequest() throws {
        let request = CreateMemoryRequest(
            document:
                "User: I moved to Lisbon last month and I'm looking for a climbing gym.\nAssistant: Congratulations on the move! Here are three gyms near the city centre...",
            documentType: .aiChatConversation, documentID: "conv-2024-03-17-0042",
            documentCreatedAt: Timestamp.format(Date(timeIntervalSince1970: 1_710_685_325)),
            userID: "user_8f2a", customerID: "acme-corp", mode: .longRange,
            metadata: ["source": "support-chat", "channel": "web", "agent_version": "2.3.1"])
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(request))
        let golden = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(contentsOf: TestSupport.samples.appendingPathComponent("expected/synap-documented-request.json")))
        #expect(encoded == golden)
        // And it decodes back to the same request.
        let decoded = try JSONDecoder().decode(CreateMemoryRequest.self, from: JSONEncoder().encode(request))
        #expect(decoded == request)
    }

    @Test("absent optionals are omitted, not null")
    func omitsAbsent() throws {
        let request = CreateMemoryRequest(document: "hi", documentType: .note)
        let text = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        #expect(!text.contains("null"))
        let object = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)).objectValue
        #expect(Set(object?.keys ?? [:].keys) == ["document", "document_type"])
    }

    @Test("timestamps: formatted in UTC with Z; parsed only with a zone", arguments: [
        ("2024-01-05T10:00:00Z", true), ("2024-01-05T10:00:00.123Z", true), ("2024-01-05T12:00:00+02:00", true),
        ("2025-10-01T18:42:27.303515Z", true), ("2024-01-05T10:00:00+0200", true), ("2024-01-05T10:00:00", false),
        ("2024-01-05", false), ("yesterday", false), ("", false),
    ])
    func timestamps(text: String, valid: Bool) {
        #expect((Timestamp.parse(text) != nil) == valid, "\(text)")
    }

    @Test func timestampRoundTrip() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.parse("2024-01-05T12:00:00+02:00") == Timestamp.parse("2024-01-05T10:00:00Z"))
        #expect(Timestamp.parse("2025-10-01T18:42:27.303515Z")?.timeIntervalSince1970 ?? 0 > 1_759_344_147.3)
    }

    @Test("UUIDv5 matches the RFC's reference value")
    func uuidV5() throws {
        let dns = try #require(UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"))
        #expect(ContentHash.uuidV5(namespace: dns, name: "python.org").uuidString.lowercased() == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    }

    @Test func sha256() {
        #expect(ContentHash.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(DocumentID.contentHash(prefix: "text", content: Array("abc".utf8)) == "text:ba7816bf8f01cfea414140de5dae2223")
        #expect(DocumentID.part("a", 2) == "a#part-2")
    }

    @Test("LineReader keeps offsets across chunk boundaries, CRLF and a missing final newline")
    func lineReader() throws {
        let text = "one\r\ntwo\n\nthree-is-longer\nfour"
        let reader = LineReader(source: MemoryByteSource(Array(text.utf8)), chunkSize: 3)
        var lines: [(String, Int64, Int)] = []
        while let line = try reader.next() {
            lines.append((String(decoding: line.bytes, as: UTF8.self), line.byteOffset, line.number))
        }
        #expect(lines.map(\.0) == ["one", "two", "", "three-is-longer", "four"])
        #expect(lines.map(\.1) == [0, 5, 9, 10, 26])
        #expect(lines.map(\.2) == [1, 2, 3, 4, 5])
    }
}

@Suite("Validation profile")
struct ValidationTests {
    func document(_ request: CreateMemoryRequest) -> MemoryDocument {
        MemoryDocument(
            request: request, provenance: Provenance(adapter: "test", file: "f", position: .wholeFile),
            createdAtOrigin: .source)
    }

    func code(_ request: CreateMemoryRequest, profile: ValidationProfile = .synap()) -> String? {
        var doc = document(request)
        if case .rejected(let rejection) = profile.validate(&doc) { return rejection.code }
        return nil
    }

    @Test func rejections() {
        let ok = CreateMemoryRequest(document: "text", documentType: .email, documentID: "a", mode: .longRange)
        #expect(code(ok) == nil)
        var r = ok
        // Synap requires mode on the wire (the pipeline fills the SDK's default first); GoodMem takes none.
        r.mode = nil
        #expect(code(r) == "missing_mode")
        #expect(code(r, profile: .goodmem()) == nil)
        r = ok
        r.documentCreatedAt = "2024-01-05T10:00:00"
        #expect(code(r) == nil, "ISO 8601 without an offset is valid for Synap")
        r.documentCreatedAt = "2024-01-05"
        #expect(code(r) == "invalid_created_at", "a date alone is not a date and time")
        r = ok
        r.documentID = nil
        #expect(code(r) == "missing_document_id")
        r = ok
        r.document = "  \n"
        #expect(code(r) == "empty_document")
        r = ok
        r.documentType = DocumentType("spreadsheet")
        #expect(code(r) == "unknown_document_type")
        r = ok
        r.mode = Mode(rawValue: "slow")
        #expect(code(r) == "invalid_mode")
        r = ok
        r.documentCreatedAt = "2024-13-45"
        #expect(code(r) == "invalid_created_at")
        r = ok
        r.metadata = .array([])
        #expect(code(r) == "metadata_not_object")
        r = ok
        r.document = String(repeating: "x", count: 11)
        #expect(code(r, profile: .synap(maxDocumentBytes: 10)) == "document_too_large")
        r = ok
        r.customerID = "c"
        var b2c = ValidationProfile.synap()
        b2c.isolation = "equals_customer"
        #expect(code(r, profile: b2c) == "scope_conflict")
        var b2b = ValidationProfile.synap()
        b2b.isolation = "strict"
        r = ok
        r.userID = "u"
        #expect(code(r, profile: b2b) == "scope_conflict")
        r.userID = nil
        #expect(code(r, profile: b2b) == "scope_conflict", "strict: customer_id is required (the stricter reading)")
        r.customerID = "c"
        #expect(code(r, profile: b2b) == nil)
    }

    @Test("coming-soon types go through the type map, and the original type is reported")
    func typeMap() throws {
        var doc = document(CreateMemoryRequest(document: "t", documentType: .note, documentID: "a", mode: .fast))
        #expect(ValidationProfile.synap().validate(&doc) == .valid(mappedFrom: .note))
        #expect(doc.request.documentType == .document)

        var human = document(CreateMemoryRequest(document: "t", documentType: .humanChatConversation, documentID: "b", mode: .fast))
        let custom = try TypeMap.synapDefault.overriding(with: ["human-chat-conversation=document"])
        #expect(ValidationProfile.synap(typeMap: custom).validate(&human) == .valid(mappedFrom: .humanChatConversation))
        #expect(human.request.documentType == .document)

        var unmapped = document(CreateMemoryRequest(document: "t", documentType: .supportTicket, documentID: "c"))
        #expect(
            ValidationProfile.synap(typeMap: TypeMap([:])).validate(&unmapped)
                == .rejected(
                    Rejection(
                        code: "unsupported_document_type",
                        message:
                            "document_type 'support-ticket' is not accepted by synap yet; map it with --type-map support-ticket=document"
                    )))
        #expect(throws: ValidationError.self) { try TypeMap.synapDefault.overriding(with: ["nonsense"]) }
    }
}
