import BackfillKit
import BackfillSandbox
import BackfillTargets
import BackfillTestSupport
import Foundation
import GRDB
import Hummingbird
import Logging
import Testing

/// A target's sandbox routes defined here and nowhere else, added through the sandbox registry alone: the server
/// mounts them beside the standard ones, and an import into a toy HTTP target reaches them.
///
/// Seen failing on purpose: with `SandboxServer.makeApplication` not calling `add(to:)` for the last provider
/// (`parts.dropLast()`), the import stopped on 404s and `notes()` was empty; with the route storing `text` under
/// a fixed id, the per-id comparison failed.
@Suite("Sandbox routes added through the registry")
struct ToySandboxTests {
    /// The toy contract: `POST /toy/v1/notes` `{"id","text"}` → 201 `{"id"}`; a reused id → 409.
    struct ToySandbox: SandboxRoutesProvider {
        var name: String { "toy" }

        func registerMigrations(_ migrator: inout DatabaseMigrator) {
            migrator.registerMigration("toy-v1") { db in
                try db.execute(sql: "CREATE TABLE toy_notes (id TEXT PRIMARY KEY NOT NULL, text TEXT NOT NULL)")
            }
        }

        func makePart(_ services: SandboxServices) -> Part {
            Part(store: services.store, injector: services.makeInjector())
        }

        struct Part: SandboxPart {
            let store: SandboxStore
            let injector: SandboxFaultInjector

            func add(to router: Router<SandboxRequestContext>) {
                router.post("toy/v1/notes") { request, _ in
                    injector.countRequest()
                    let body = try await request.body.collect(upTo: 1 << 20)
                    store.received.record("toy", request, body)
                    guard let fields = WireValue.parse(body.readableBytesView)?.object,
                        let id = fields["id"]?.string, let text = fields["text"]?.string
                    else { return SandboxHTTP.json(.badRequest, ["error": "id and text are required"]) }
                    let stored = try await store.writer.write { db in
                        try db.execute(
                            sql: "INSERT INTO toy_notes (id, text) VALUES (?, ?) ON CONFLICT(id) DO NOTHING",
                            arguments: [id, text])
                        return db.changesCount > 0
                    }
                    return SandboxHTTP.json(stored ? .created : .conflict, ["id": id])
                }
            }

            func stats() async throws -> SandboxStats {
                SandboxServer.stats(injector, documents: try await notes().count)
            }

            /// Every stored note by id.
            func notes() async throws -> [String: String] {
                try await store.writer.read { db in
                    Dictionary(
                        uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, text FROM toy_notes").map {
                            (row: Row) -> (String, String) in (row["id"], row["text"])
                        })
                }
            }
        }
    }

    /// Sends each document to the toy routes, one request each.
    struct ToyHTTPClient: UploadTarget {
        let http: HTTPTransport
        var name: String { "toy-http" }
        var endpointDescription: String { http.baseURL }
        var maxBatchDocuments: Int { 2 }

        func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
            var outcomes: [String: ItemOutcome] = [:]
            for document in batch {
                let body = try JSONEncoder().encode(["id": document.documentID, "text": document.request.document])
                let answer = try await http.send(.POST, "/toy/v1/notes", body: Array(body))
                guard answer.status == 201 else { throw http.classify(answer) }
                outcomes[document.documentID] = .accepted(ingestionID: "toy-\(document.documentID)")
            }
            return SendResult(outcomes: outcomes)
        }

        func shutdown() async throws { try await http.shutdown() }
    }

    struct ToyHTTPTarget: TargetDescriptor {
        let baseURL: String
        var kind: TargetKind { TargetKind("toy-http") }
        var summary: String { "a toy target behind the sandbox's toy routes" }

        func identity(_ options: TargetRunOptions) -> String { "toy-http" }

        func profile(_ options: TargetRunOptions) -> ValidationProfile {
            ValidationProfile(
                target: "toy-http", acceptedTypes: Set(DocumentType.accepted), comingSoonTypes: [],
                typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
        }

        func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget {
            ToyHTTPClient(http: try HTTPTransport(baseURL: baseURL, headers: [], keyName: "TOY_KEY", logger: logger))
        }
    }

    @Test("an import into the toy target reaches the toy routes: every document stored by id with its text")
    func importReachesToyRoutes() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        let texts = ToyTargetTests.texts
        var lines = ""
        for (id, text) in texts.sorted(by: { $0.key < $1.key }) {
            let line = try JSONEncoder().encode(["document_id": id, "document": text, "document_type": "document"])
            lines += String(decoding: line, as: UTF8.self) + "\n"
        }
        try lines.write(to: input, atomically: true, encoding: .utf8)

        let registry = SandboxRegistry.standard.adding(ToySandbox())
        #expect(registry.names == ["synap", "goodmem", "mielto", "toy"])
        let server = try SandboxServer(
            configuration: SandboxConfiguration(), providers: registry.providers, logger: TestSupport.logger)
        let report = try await server.withRunning { port in
            var options = ImportOptions(inputs: [input.path])
            options.targets = TargetRegistry.standard.adding(ToyHTTPTarget(baseURL: "http://127.0.0.1:\(port)"))
            options.target = TargetKind("toy-http")
            options.ledger = folder.appendingPathComponent("ledger.sqlite").path
            options.environment = ["BACKFILL_HOME": folder.path]
            options.progress = nil
            return try await Backfill.runImport(options, logger: TestSupport.logger)
        }
        #expect(report.exitCode == 0)
        #expect(report.documents.sent == 3)
        let toy = try server.part(ToySandbox.Part.self)
        #expect(try await toy.notes() == texts)
        #expect(try await toy.stats().requests == 3)
        // The standard contracts are still there, and untouched.
        #expect(try await server.documents().isEmpty)
        #expect(try await server.mieltoMemories().isEmpty)
    }
}
