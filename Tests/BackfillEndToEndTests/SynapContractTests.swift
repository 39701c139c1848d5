import BackfillCore
import BackfillSandbox
import Foundation
import NIOHTTP1
import Testing

/// One case per rule of Synap's contract (docs/API-CONTRACTS.md, mirrored in
/// Sources/BackfillSandbox/README.md), each sent to the sandbox on both route profiles, with the status and
/// error body the contract prescribes. The README's rule table names these cases.
///
/// Checked that it can fail: with `mode` optional again in `WireValidator.check` the `missing_mode`,
/// `batch_fail_fast_refuses_whole` and `batch_item_without_mode` cases failed (201/200 instead of 422, 2 stored
/// instead of 0); with the batch-size guards answering 400 the two size cases failed; with
/// `Timestamp.parseDateTime` back to `Timestamp.parse` the `created_at_without_offset` case failed (422).
@Suite("Synap contract")
struct SynapContractTests {
    enum Setup: String, Sendable {
        case b2c, b2b, smallDocuments, nestedScopes
    }

    enum Route: Sendable {
        case create, batch, status(String), whoami

        func path(_ profile: String) -> String {
            switch (self, profile) {
            case (.create, "sdk"): return "/api/v1/memories/create"
            case (.create, _): return "/v1/memories"
            case (.batch, "sdk"): return "/api/v1/memories/batch"
            case (.batch, _): return "/v1/memories/batch"
            case (.status(let id), "sdk"): return "/api/v1/memories/status/\(id)"
            case (.status(let id), _): return "/v1/memories/\(id)/status"
            case (.whoami, _): return "/api/v1/auth/whoami"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Where docs/API-CONTRACTS.md says it.
        var contract: String
        var setup: Setup = .b2c
        var route: Route = .create
        /// Sent first (e.g. the document a conflict needs).
        var before: JSONValue? = nil
        var body: JSONValue? = nil
        var raw: String? = nil
        var key: String? = "synap_contract"
        /// Expected status on the SDK profile and on the documented one.
        var sdkStatus: Int
        var documentedStatus: Int
        /// Error body: `code` and, when set, `details.field`; `messageContains` must be in both `error` and `detail`.
        var code: String? = nil
        var field: String? = nil
        var messageContains: String? = nil
        /// Documents the store holds afterwards.
        var stored: Int? = nil

        var testDescription: String { name }
    }

    static func doc(_ id: String?, dropping: [String] = [], _ overrides: [String: JSONValue] = [:]) -> JSONValue {
        var fields: [String: JSONValue] = [
            "document": "the meeting moved to Tuesday", "document_type": "document", "mode": "long-range",
            "user_id": "u1", "document_created_at": "2024-01-05T10:00:00Z", "metadata": ["source": "contract"],
        ]
        if let id { fields["document_id"] = .string(id) }
        for key in dropping { fields[key] = nil }
        for (key, value) in overrides { fields[key] = value }
        return .object(fields)
    }

    static func batch(_ documents: [JSONValue], failFast: Bool? = nil) -> JSONValue {
        var fields: [String: JSONValue] = ["documents": .array(documents)]
        if let failFast { fields["fail_fast"] = .bool(failFast) }
        return .object(fields)
    }

    static let cases: [Case] = [
        // Required fields and enums (the 8 differences found against a contract server are marked *).
        Case(
            name: "missing_mode*", contract: "Synap CreateMemoryRequest: mode required on the wire",
            body: doc("m1", dropping: ["mode"]), sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT",
            field: "mode", messageContains: "mode is required and must be one of ['fast', 'long-range']", stored: 0),
        Case(
            name: "invalid_mode", contract: "mode: fast | long-range", body: doc("m2", ["mode": "slow"]),
            sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT", field: "mode", stored: 0),
        Case(
            name: "missing_document_type*", contract: "document_type required (both Synap pages)",
            body: doc("t1", dropping: ["document_type"]), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "document_type", messageContains: "document_type is required", stored: 0),
        Case(
            name: "unknown_document_type", contract: "document_type enum (docs/DESIGN.md §2)",
            body: doc("t2", ["document_type": "spreadsheet"]), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "document_type", stored: 0),
        Case(
            name: "coming_soon_document_type", contract: "human-chat-conversation, support-ticket, … are coming soon",
            body: doc("t3", ["document_type": "note"]), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "document_type", messageContains: "coming soon", stored: 0),
        Case(
            name: "missing_document", contract: "document (string, required)", body: doc("d1", dropping: ["document"]),
            sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT", field: "document", stored: 0),
        Case(
            name: "document_not_a_string", contract: "document (string, required)",
            body: doc("d2", ["document": ["text": "x"]]), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "document", stored: 0),
        Case(
            name: "empty_document", contract: "document (string, required)", body: doc("d3", ["document": "  "]),
            sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT", field: "document", stored: 0),
        Case(
            name: "document_over_instance_limit", contract: "max document size: per instance (a setting)",
            setup: .smallDocuments, body: doc("d4", ["document": .string(String(repeating: "x", count: 2_000))]),
            sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT", field: "document", stored: 0),
        Case(
            name: "created_at_without_offset*", contract: "document_created_at: ISO 8601 (an offset is optional)",
            body: doc("c1", ["document_created_at": "2020-01-01T10:00:00"]), sdkStatus: 200, documentedStatus: 201,
            stored: 1),
        Case(
            name: "created_at_with_offset", contract: "document_created_at: ISO 8601",
            body: doc("c2", ["document_created_at": "2020-01-01T10:00:00.250+02:00"]), sdkStatus: 200,
            documentedStatus: 201, stored: 1),
        Case(
            name: "created_at_date_only", contract: "document_created_at is a date and time (stricter reading)",
            body: doc("c3", ["document_created_at": "2020-01-01"]), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "document_created_at", stored: 0),
        Case(
            name: "created_at_not_a_date", contract: "document_created_at: ISO 8601",
            body: doc("c4", ["document_created_at": "last Tuesday"]), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "document_created_at", stored: 0),
        Case(
            name: "metadata_not_an_object", contract: "metadata (object, stored not indexed)",
            body: doc("x1", ["metadata": ["a", "b"]]), sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT",
            field: "metadata", stored: 0),
        Case(
            name: "user_id_not_a_string", contract: "user_id (string)", body: doc("x2", ["user_id": 7]),
            sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT", field: "user_id", stored: 0),
        Case(
            name: "empty_document_id", contract: "document_id (optional string)", body: doc("", ["document_id": ""]),
            sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT", field: "document_id", stored: 0),
        Case(
            name: "document_id_is_optional", contract: "document_id (optional string)",
            body: doc(nil), sdkStatus: 200, documentedStatus: 201, stored: 1),
        // Scopes.
        Case(
            name: "scope_without_nested_scopes", contract: "scope: only for accounts with nested scopes",
            body: doc("s1", ["scope": ["customer": "acme", "team": "pay", "user": "u1"]]), sdkStatus: 400,
            documentedStatus: 400, code: "INVALID_INPUT", field: "scope", stored: 0),
        Case(
            name: "scope_with_nested_scopes", contract: "scope: only for accounts with nested scopes",
            setup: .nestedScopes, body: doc("s2", ["scope": ["customer": "acme", "team": "pay", "user": "u1"]]),
            sdkStatus: 200, documentedStatus: 201, stored: 1),
        Case(
            name: "b2c_customer_id", contract: "equals_customer (B2C): a customer_id gets 400",
            body: doc("s3", ["customer_id": "acme"]), sdkStatus: 400, documentedStatus: 400, code: "INVALID_INPUT",
            field: "customer_id", stored: 0),
        Case(
            name: "b2b_user_id_without_customer_id", contract: "strict (B2B): user_id without customer_id gets 400",
            setup: .b2b, body: doc("s4"), sdkStatus: 400, documentedStatus: 400, code: "INVALID_INPUT",
            field: "customer_id", stored: 0),
        Case(
            name: "b2b_with_customer_id", contract: "strict (B2B): customer_id required", setup: .b2b,
            body: doc("s5", ["customer_id": "acme"]), sdkStatus: 200, documentedStatus: 201, stored: 1),
        // Idempotency.
        Case(
            name: "reused_document_id_conflicts", contract: "a reused document_id is rejected with 409 Conflict",
            before: doc("dup"), body: doc("dup"), sdkStatus: 409, documentedStatus: 409, code: "CONFLICT",
            messageContains: "already exists", stored: 1),
        // Auth and the body.
        Case(
            name: "no_key", contract: "Authorization: Bearer synap_…", body: doc("a1"), key: nil, sdkStatus: 401,
            documentedStatus: 401, code: "UNAUTHORIZED", stored: 0),
        Case(
            name: "not_a_synap_key", contract: "Authorization: Bearer synap_…", body: doc("a2"), key: "sk_other",
            sdkStatus: 401, documentedStatus: 401, code: "UNAUTHORIZED", stored: 0),
        Case(
            name: "body_not_json", contract: "errors: 400 INVALID_INPUT", raw: "{not json", sdkStatus: 400,
            documentedStatus: 400, code: "INVALID_INPUT", stored: 0),
        // Batches.
        Case(
            name: "batch_of_0*", contract: "batch: 1 to 100 documents (a request-model violation: 422)",
            route: .batch, body: batch([]), sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT",
            field: "documents", stored: 0),
        Case(
            name: "batch_of_101*", contract: "batch: max 100 documents per call", route: .batch,
            body: batch((0..<101).map { doc("b\($0)") }), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "documents", messageContains: "at most 100", stored: 0),
        Case(
            name: "batch_of_100", contract: "batch: max 100 documents per call", route: .batch,
            body: batch((0..<100).map { doc("b\($0)") }), sdkStatus: 200, documentedStatus: 201, stored: 100),
        Case(
            name: "batch_fail_fast_refuses_whole*", contract: "fail_fast: true rejects the whole batch",
            route: .batch, body: batch([doc("f1"), doc("f2", dropping: ["mode"])], failFast: true), sdkStatus: 422,
            documentedStatus: 422, code: "INVALID_INPUT", field: "mode", messageContains: "document 1", stored: 0),
        Case(
            name: "batch_item_without_mode*", contract: "per-document failures without fail_fast", route: .batch,
            body: batch([doc("g1"), doc("g2", dropping: ["mode"])], failFast: false), sdkStatus: 200,
            documentedStatus: 201, stored: 1),
        Case(
            name: "batch_fail_fast_not_boolean", contract: "fail_fast: boolean", route: .batch,
            body: .object(["documents": [doc("h1")], "fail_fast": "yes"]), sdkStatus: 422, documentedStatus: 422,
            code: "INVALID_INPUT", field: "fail_fast", stored: 0),
        Case(
            name: "batch_documents_missing", contract: "batch: {documents: […]}", route: .batch,
            body: .object(["docs": [doc("h2")]]), sdkStatus: 422, documentedStatus: 422, code: "INVALID_INPUT",
            field: "documents", stored: 0),
        // Status and whoami.
        Case(
            name: "status_of_unknown_ingestion", contract: "GET status/{ingestion_id}",
            route: .status("00000000-0000-4000-8000-000000000000"), sdkStatus: 404, documentedStatus: 404,
            code: "NOT_FOUND", stored: 0),
        Case(
            name: "whoami", contract: "whoami returns user_context_isolation", route: .whoami, sdkStatus: 200,
            documentedStatus: 200, stored: 0),
    ]

    @Test(arguments: cases)
    func rule(_ rule: Case) async throws {
        for profile in ["sdk", "documented"] {
            let sandbox = try SandboxTests.server {
                $0.apiKey = nil
                switch rule.setup {
                case .b2c: break
                case .b2b: $0.isolation = "strict"
                case .smallDocuments: $0.maxDocumentBytes = 1_000
                case .nestedScopes: $0.nestedScopes = true
                }
            }
            try await sandbox.withRunning { port in
                let method: HTTPMethod = {
                    switch rule.route {
                    case .create, .batch: return .POST
                    case .status, .whoami: return .GET
                    }
                }()
                if let before = rule.before {
                    let first = try await SandboxTests.send(.POST, port, rule.route.path(profile), json: before)
                    #expect(first.status < 300)
                }
                let reply = try await SandboxTests.send(
                    method, port, rule.route.path(profile), json: rule.body, raw: rule.raw, key: rule.key)
                let expected = profile == "sdk" ? rule.sdkStatus : rule.documentedStatus
                #expect(reply.status == expected, "\(rule.name) on \(profile): \(reply.text)")
                if let code = rule.code {
                    #expect(reply["code"] == .string(code), "\(rule.name) on \(profile): \(reply.text)")
                    // Both readers find the message: `error` (documented) and `detail` (the SDK's FastAPI reading).
                    #expect(reply["error"]?.stringValue?.isEmpty == false)
                    #expect(reply["detail"] == reply["error"])
                }
                if let field = rule.field {
                    #expect(reply["details"]?["field"] == .string(field), "\(rule.name) on \(profile): \(reply.text)")
                }
                if let text = rule.messageContains {
                    #expect(reply["error"]?.stringValue?.contains(text) == true, "\(rule.name): \(reply.text)")
                }
                if let stored = rule.stored {
                    #expect(try await sandbox.documents().count == stored, "\(rule.name) on \(profile)")
                }
                if case .whoami = rule.route {
                    #expect(reply["user_context_isolation"] == "equals_customer")
                    #expect(reply["client_id"]?.stringValue?.isEmpty == false)
                    #expect(reply["instance_id"]?.stringValue?.isEmpty == false)
                }
            }
        }
    }

    /// Successful answers in each profile's shape, and per-item failures the official SDK can parse: every SDK-shape
    /// item carries a UUID `ingestion_id` and a `queued_at` (the SDK's batch_create parses both for every item).
    @Test func batchAnswersOnBothProfiles() async throws {
        let sandbox = try SandboxTests.server()
        try await sandbox.withRunning { port in
            _ = try await SandboxTests.send(.POST, port, "/api/v1/memories/create", json: Self.doc("old"))
            let body = Self.batch([Self.doc("new"), Self.doc("old"), Self.doc("bad", dropping: ["mode"])])
            let sdk = try await SandboxTests.send(.POST, port, "/api/v1/memories/batch", json: body)
            #expect(sdk.status == 200)
            #expect(sdk["total"] == 3)
            #expect(sdk["succeeded"] == 1)
            #expect(sdk["failed"] == 2)
            let items = sdk["results"]?.arrayValue ?? []
            #expect(items.map { $0["document_id"]?.stringValue } == ["new", "old", "bad"])
            #expect(items.map { $0["status"]?.stringValue } == ["queued", "failed", "failed"])
            for item in items {
                #expect(item["ingestion_id"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
                #expect(item["queued_at"]?.stringValue.flatMap(Timestamp.parse) != nil)
            }
            #expect(items[1]["error_message"]?.stringValue?.contains("already exists") == true)
            #expect(items[2]["error_message"]?.stringValue?.contains("mode is required") == true)

            let documented = try await SandboxTests.send(
                .POST, port, "/v1/memories/batch",
                json: Self.batch([Self.doc("new2"), Self.doc("old"), Self.doc("bad2", ["mode": "slow"])]))
            #expect(documented.status == 201)
            #expect(documented["results"]?.arrayValue?.count == 1)
            let errors = documented["errors"]?.arrayValue ?? []
            #expect(errors.map { $0["index"] } == [1, 2])
            #expect(errors.map { $0["code"] } == ["DUPLICATE", "INVALID_INPUT"])
            #expect(Set(try await sandbox.documents().map(\.documentID)) == ["old", "new", "new2"])
        }
    }
}
