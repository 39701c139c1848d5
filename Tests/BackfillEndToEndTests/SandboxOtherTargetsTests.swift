import AsyncHTTPClient
import BackfillCore
import BackfillSandbox
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// GoodMem (`/goodmem/v1`) and Mielto (`/mielto/api/v1`) contracts of the sandbox, over real HTTP on port 0.
@Suite("Sandbox: GoodMem and Mielto")
struct SandboxOtherTargetsTests {
    static let logger = Logger(label: "sandbox-other-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let goodmemKey = ["x-api-key": "gm_test_key"]
    static let mieltoKey = ["Authorization": "Bearer mielto_test_key"]

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var json: JSONValue?
        var text: String

        subscript(key: String) -> JSONValue? { json?[key] }
    }

    static func send(
        _ method: HTTPMethod, _ port: Int, _ path: String, json: JSONValue? = nil, raw: String? = nil,
        headers: [String: String]
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(json)))
        } else if let raw {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: raw))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 64 << 20)
        let data = Data(body.readableBytesView)
        return Reply(
            status: Int(response.status.code), headers: response.headers,
            json: try? JSONDecoder().decode(JSONValue.self, from: data), text: String(decoding: data, as: UTF8.self))
    }

    static func goodmem(
        _ method: HTTPMethod, _ port: Int, _ path: String, json: JSONValue? = nil, raw: String? = nil
    ) async throws -> Reply {
        try await send(method, port, "/goodmem/v1" + path, json: json, raw: raw, headers: goodmemKey)
    }

    static func mielto(
        _ method: HTTPMethod, _ port: Int, _ path: String, json: JSONValue? = nil, raw: String? = nil,
        workspace: String? = nil
    ) async throws -> Reply {
        var headers = mieltoKey
        if let workspace { headers["X-Workspace-Id"] = workspace }
        return try await send(method, port, "/mielto/api/v1" + path, json: json, raw: raw, headers: headers)
    }

    static func server(_ configure: (inout SandboxConfiguration) -> Void = { _ in }) throws -> SandboxServer {
        var configuration = SandboxConfiguration()
        configure(&configuration)
        return try SandboxServer(configuration: configuration, logger: logger)
    }

    static let space = "6f1c2a44-8d0e-4c55-9a43-1f0b6d2e9a01"
    static let otherSpace = "0d8e1b7a-5c3f-4e2d-8b6a-9f4c3d2e1a00"

    /// A UUID from a small number, so tests can name memories.
    static func uuid(_ number: Int) -> String {
        String(format: "00000000-0000-4000-8000-%012ld", number)
    }

    static func memory(
        _ id: String?, space: String = space, text: String = "hello", document: String? = nil
    ) -> JSONValue {
        var fields: [String: JSONValue] = [
            "spaceId": .string(space), "originalContent": .string(text), "contentType": "text/plain",
            "metadata": ["source": "test", "backfill_document_id": .string(document ?? id ?? "none")],
        ]
        if let id { fields["memoryId"] = .string(id) }
        return .object(fields)
    }

    /// The sandbox's one embedder (`GET /goodmem/v1/embedders`); a space must name one.
    static let embedders: JSONValue = [["embedderId": "00000000-0000-4000-8000-0000000e1bed"]]

    static func makeSpace(_ port: Int, id: String = space, name: String = "backfill") async throws {
        let reply = try await goodmem(
            .POST, port, "/spaces", json: ["spaceId": .string(id), "name": .string(name), "spaceEmbedders": embedders])
        #expect(reply.status == 201)
    }

    static func mieltoMemory(
        _ text: String, user: String = "u1", document: String? = nil, type: String? = nil
    ) -> JSONValue {
        var fields: [String: JSONValue] = ["user_id": .string(user), "memory": .string(text), "topics": ["t"]]
        if let document { fields["metadata"] = ["backfill_document_id": .string(document)] }
        if let type { fields["memory_type"] = .string(type) }
        return .object(fields)
    }

    // MARK: Auth

    @Test func goodmemAuth() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            let cases: [[String: String]] = [
                [:], ["x-api-key": "sk_wrong"], ["x-api-key": "gm_"], ["Authorization": "Bearer gm_abc"],
            ]
            for headers in cases {
                let reply = try await Self.send(.GET, port, "/goodmem/v1/spaces", headers: headers)
                #expect(reply.status == 401)
                #expect(reply.json == ["error": "invalid or missing API key"])
                let write = try await Self.send(
                    .POST, port, "/goodmem/v1/memories", json: Self.memory(Self.uuid(1)), headers: headers)
                #expect(write.status == 401)
            }
            #expect(try await Self.send(.GET, port, "/goodmem/v1/spaces", headers: ["x-api-key": "gm_k"]).status == 200)
        }
        let exact = try Self.server { $0.goodmemAPIKey = "gm_exact" }
        try await exact.withRunning { port in
            #expect(try await Self.goodmem(.GET, port, "/spaces").status == 401)
            let ok = try await Self.send(.GET, port, "/goodmem/v1/spaces", headers: ["x-api-key": "gm_exact"])
            #expect(ok.status == 200)
            #expect(!ok.text.contains("gm_exact"))
        }
    }

    @Test func mieltoAuth() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            for headers: [String: String] in [
                [:], ["Authorization": "Bearer "], ["Authorization": "Basic abc"], ["X-API-Key": ""],
            ] {
                let reply = try await Self.send(.GET, port, "/mielto/api/v1/memories", headers: headers)
                #expect(reply.status == 401)
                #expect(reply["detail"] == "invalid or missing API key")
            }
            for headers in [["Authorization": "Bearer k"], ["X-API-Key": "k"]] {
                #expect(try await Self.send(.GET, port, "/mielto/api/v1/memories", headers: headers).status == 200)
            }
        }
        let exact = try Self.server { $0.mieltoAPIKey = "mk_exact" }
        try await exact.withRunning { port in
            #expect(try await Self.mielto(.GET, port, "/memories").status == 401)
            let bearer = try await Self.send(
                .GET, port, "/mielto/api/v1/memories", headers: ["Authorization": "Bearer mk_exact"])
            #expect(bearer.status == 200)
            let header = try await Self.send(.GET, port, "/mielto/api/v1/memories", headers: ["X-API-Key": "mk_exact"])
            #expect(header.status == 200)
        }
        #expect(try await sandbox.mieltoMemories().isEmpty)
    }

    // MARK: GoodMem spaces

    @Test func goodmemSpaces() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            let empty = try await Self.goodmem(.GET, port, "/spaces")
            #expect(empty.json == ["spaces": [], "nextToken": nil])

            let generated = try await Self.goodmem(
                .POST, port, "/spaces", json: ["name": "first", "spaceEmbedders": Self.embedders])
            #expect(generated.status == 201)
            let generatedID = try #require(generated["spaceId"]?.stringValue)
            #expect(UUID(uuidString: generatedID) != nil)
            #expect(generated["name"] == "first")
            guard case .integer(let createdAt)? = generated["createdAt"] else {
                Issue.record("createdAt is not an integer")
                return
            }
            #expect(abs(Double(createdAt) / 1000 - Date().timeIntervalSince1970) < 60)

            // A client id is kept (lower-cased, as a live server prints UUIDs).
            let given = try await Self.goodmem(
                .POST, port, "/spaces",
                json: ["spaceId": .string(Self.space.uppercased()), "name": "second", "spaceEmbedders": Self.embedders])
            #expect(given.status == 201)
            #expect(given["spaceId"] == .string(Self.space))

            let sameID = try await Self.goodmem(
                .POST, port, "/spaces",
                json: ["spaceId": .string(Self.space), "name": "third", "spaceEmbedders": Self.embedders])
            #expect(sameID.status == 409)
            #expect(sameID["error"]?.stringValue?.hasPrefix("ALREADY_EXISTS: ") == true)
            let sameName = try await Self.goodmem(
                .POST, port, "/spaces", json: ["name": "first", "spaceEmbedders": Self.embedders])
            #expect(sameName.status == 409)
            #expect(sameName["error"]?.stringValue?.hasPrefix("ALREADY_EXISTS: ") == true)

            let invalid = try await Self.goodmem(.POST, port, "/spaces", json: ["spaceId": "nope"])
            #expect(invalid.status == 400)
            #expect(
                invalid["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue }.sorted()
                    == ["name", "spaceEmbedders", "spaceId"])
            let unknownEmbedder = try await Self.goodmem(
                .POST, port, "/spaces",
                json: ["name": "fourth", "spaceEmbedders": [["embedderId": .string(Self.space)]]])
            #expect(unknownEmbedder.status == 404)

            // Newest first by default, as GoodMem lists spaces.
            let listing = try await Self.goodmem(.GET, port, "/spaces")
            #expect(listing["spaces"]?.arrayValue?.map { $0["name"] } == ["second", "first"])
            #expect(listing["nextToken"] == .null)
            let ascending = try await Self.goodmem(.GET, port, "/spaces?sortOrder=ASCENDING&max_results=1")
            #expect(ascending["spaces"]?.arrayValue?.map { $0["name"] } == ["first"])
            let token = try #require(ascending["nextToken"]?.stringValue)
            let rest = try await Self.goodmem(.GET, port, "/spaces?sortOrder=ASCENDING&maxResults=1&nextToken=\(token)")
            #expect(rest["spaces"]?.arrayValue?.map { $0["name"] } == ["second"])
            #expect(rest["nextToken"] == .null)
            let filtered = try await Self.goodmem(.GET, port, "/spaces?nameFilter=f*")
            #expect(filtered["spaces"]?.arrayValue?.map { $0["name"] } == ["first"])
            let one = try await Self.goodmem(.GET, port, "/spaces/\(Self.space)")
            #expect(one["name"] == "second")
            #expect(try await Self.goodmem(.GET, port, "/spaces/\(Self.otherSpace)").status == 404)
        }
    }

    // MARK: GoodMem single create

    @Test func goodmemSingleCreate() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            try await Self.makeSpace(port)
            let id = Self.uuid(1)
            let created = try await Self.goodmem(.POST, port, "/memories", json: Self.memory(id, document: "doc-1"))
            #expect(created.status == 201)
            #expect(created["memoryId"] == .string(id))
            #expect(created["spaceId"] == .string(Self.space))
            // Content comes back only when asked for, base64-encoded (a bytes field).
            #expect(created["originalContent"] == nil)
            #expect(created["originalContentLength"] == 5)
            #expect(created["contentType"] == "text/plain")
            let read = try await Self.goodmem(.GET, port, "/memories/\(id)?include_content=true")
            #expect(read["originalContent"] == .string(Data("hello".utf8).base64EncodedString()))
            #expect(try await Self.goodmem(.GET, port, "/memories/\(Self.uuid(99))").status == 404)
            #expect(created["metadata"] == ["source": "test", "backfill_document_id": "doc-1"])
            #expect(created["processingStatus"] == "PENDING")
            #expect(created["createdAt"] == created["updatedAt"])
            if case .integer? = created["createdAt"] {} else { Issue.record("createdAt is not in milliseconds") }

            let again = try await Self.goodmem(.POST, port, "/memories", json: Self.memory(id.uppercased()))
            #expect(again.status == 409)
            #expect(again.json == ["error": .string("ALREADY_EXISTS: memory \(id) exists")])

            let unknown = try await Self.goodmem(
                .POST, port, "/memories", json: Self.memory(Self.uuid(2), space: Self.otherSpace))
            #expect(unknown.status == 404)
            #expect(unknown.json == ["error": .string("NOT_FOUND: space \(Self.otherSpace)")])

            let invalid = try await Self.goodmem(
                .POST, port, "/memories", json: ["memoryId": "x", "spaceId": .string(Self.space)])
            #expect(invalid.status == 400)
            let fields = invalid["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(Set(fields) == ["memoryId", "originalContent", "contentType"])
            #expect(invalid["errors"]?.arrayValue?.allSatisfy { $0["message"]?.stringValue?.isEmpty == false } == true)

            var tooMuch: [String: JSONValue] = [:]
            for index in 0...50 { tooMuch["k\(index)"] = "v" }
            let overLimit = try await Self.goodmem(
                .POST, port, "/memories",
                json: [
                    "spaceId": .string(Self.space), "originalContent": "x", "contentType": "text/plain",
                    "metadata": .object(tooMuch),
                ])
            #expect(overLimit.status == 400)
            #expect(overLimit["errors"]?.arrayValue?.first?["field"] == "metadata")

            let both = try await Self.goodmem(
                .POST, port, "/memories",
                json: [
                    "spaceId": .string(Self.space), "originalContent": "x", "originalContentB64": "eA==",
                    "contentType": "text/plain",
                ])
            #expect(both.status == 400)

            let base64 = try await Self.goodmem(
                .POST, port, "/memories",
                json: [
                    "spaceId": .string(Self.space),
                    "originalContentB64": .string(Data("bytes".utf8).base64EncodedString()),
                    "contentType": "application/octet-stream",
                ])
            #expect(base64.status == 201)
            #expect(base64["originalContentLength"] == 5)
            #expect(base64["metadata"] == [:])
            #expect(base64["memoryId"]?.stringValue.flatMap { UUID(uuidString: $0) } != nil)

            #expect(try await Self.goodmem(.POST, port, "/memories", raw: "{nope").status == 400)
        }
        let records = try await sandbox.goodmemMemories()
        #expect(records.count == 2)
        #expect(records.first == SandboxMemoryRecord(id: Self.uuid(1), documentID: "doc-1", stored: 1))
        #expect(records.last?.documentID == nil)
        #expect(records.last?.stored == 1)
    }

    // MARK: GoodMem batch create

    /// [new, already stored, invalid (no contentType), unknown space, repeat of the first, no memoryId]
    static func mixedBatch() -> JSONValue {
        var invalid = memory(uuid(12))
        if case .object(var fields) = invalid {
            fields["contentType"] = nil
            invalid = .object(fields)
        }
        return [
            "requests": [
                memory(uuid(10)), memory(uuid(1)), invalid, memory(uuid(13), space: otherSpace), memory(uuid(10)),
                memory(nil, document: "doc-generated"),
            ]
        ]
    }

    @Test func goodmemBatchCreateAnswers200WithPerItemResults() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            try await Self.makeSpace(port)
            #expect(try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1))).status == 201)
            let reply = try await Self.goodmem(.POST, port, "/memories:batchCreate", json: Self.mixedBatch())
            #expect(reply.status == 200)
            let results = try #require(reply["results"]?.arrayValue)
            try #require(results.count == 6)
            #expect(results.map { $0["success"] } == [true, false, false, false, false, true])

            #expect(results[0]["memoryId"] == .string(Self.uuid(10)))
            #expect(results[0]["memory"]?["memoryId"] == .string(Self.uuid(10)))
            #expect(results[0]["memory"]?["processingStatus"] == "PENDING")
            #expect(results[0]["error"] == nil)

            #expect(results[1]["memoryId"] == .string(Self.uuid(1)))
            #expect(results[1]["error"]?["code"] == 6)
            #expect(results[1]["error"]?["message"]?.stringValue?.hasPrefix("ALREADY_EXISTS: ") == true)
            #expect(results[1]["memory"] == nil)

            #expect(results[2]["error"]?["code"] == 3)
            #expect(results[2]["error"]?["message"]?.stringValue?.hasPrefix("INVALID_ARGUMENT: ") == true)
            #expect(results[2]["error"]?["message"]?.stringValue?.contains("contentType") == true)

            #expect(results[3]["error"]?["code"] == 5)
            #expect(results[3]["error"]?["message"] == .string("NOT_FOUND: space \(Self.otherSpace)"))

            #expect(results[4]["memoryId"] == .string(Self.uuid(10)))
            #expect(results[4]["error"]?["code"] == 6)

            let generated = try #require(results[5]["memoryId"]?.stringValue)
            #expect(UUID(uuidString: generated) != nil)

            for bad in [["requests": []], ["requests": "x"], [:]] as [JSONValue] {
                let rejected = try await Self.goodmem(.POST, port, "/memories:batchCreate", json: bad)
                #expect(rejected.status == 400)
                #expect(rejected["errors"]?.arrayValue?.first?["field"] == "requests")
            }
        }
        let records = try await sandbox.goodmemMemories()
        #expect(records.map(\.documentID) == [Self.uuid(1), Self.uuid(10), "doc-generated"])
        #expect(records.allSatisfy { $0.stored == 1 })
    }

    @Test(arguments: [false, true])
    func goodmemBatchToggles(allOn: Bool) async throws {
        let sandbox = try Self.server {
            $0.goodmem.successAsString = allOn
            $0.goodmem.httpErrorCodes = allOn
            $0.goodmem.answer207 = allOn
        }
        try await sandbox.withRunning { port in
            try await Self.makeSpace(port)
            #expect(try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1))).status == 201)
            let reply = try await Self.goodmem(.POST, port, "/memories:batchCreate", json: Self.mixedBatch())
            #expect(reply.status == (allOn ? 207 : 200))
            let results = try #require(reply["results"]?.arrayValue)
            let yes: JSONValue = allOn ? "true" : true
            let no: JSONValue = allOn ? "false" : false
            #expect(results.map { $0["success"] } == [yes, no, no, no, no, yes])
            let codes: [JSONValue] = allOn ? [409, 400, 404, 409] : [6, 3, 5, 6]
            #expect(results[1...4].map { $0["error"]?["code"] } == codes)

            // All items stored: 200 even with answer207.
            let clean = try await Self.goodmem(
                .POST, port, "/memories:batchCreate", json: ["requests": [Self.memory(Self.uuid(20))]])
            #expect(clean.status == 200)
            #expect(clean["results"]?.arrayValue?.first?["success"] == yes)

            let get = try await Self.goodmem(
                .POST, port, "/memories:batchGet",
                json: ["memoryIds": [.string(Self.uuid(20)), .string(Self.uuid(99))]])
            #expect(get.status == 200)
            #expect(get["results"]?.arrayValue?.map { $0["success"] } == [yes, no])
            #expect(get["results"]?.arrayValue?.last?["error"]?["code"] == (allOn ? 404 : 5))
        }
    }

    // MARK: GoodMem reads and delete

    @Test func goodmemBatchGet() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            try await Self.makeSpace(port)
            let batch: JSONValue = ["requests": [Self.memory(Self.uuid(1)), Self.memory(Self.uuid(2), text: "two")]]
            #expect(try await Self.goodmem(.POST, port, "/memories:batchCreate", json: batch).status == 200)
            let ids: [JSONValue] = [
                .string(Self.uuid(2)), .string(Self.uuid(3)), .string(Self.uuid(1).uppercased()), "bad",
            ]
            let reply = try await Self.goodmem(
                .POST, port, "/memories:batchGet", json: ["memoryIds": .array(ids), "includeContent": true])
            #expect(reply.status == 200)
            let results = try #require(reply["results"]?.arrayValue)
            try #require(results.count == 4)
            #expect(results.map { $0["success"] } == [true, false, true, false])
            #expect(results[0]["memory"]?["originalContent"] == .string(Data("two".utf8).base64EncodedString()))
            #expect(results[0]["memoryId"] == .string(Self.uuid(2)))
            #expect(results[1]["memoryId"] == .string(Self.uuid(3)))
            #expect(results[1]["error"] == ["code": 5, "message": "NOT_FOUND"])
            #expect(results[2]["memoryId"] == .string(Self.uuid(1)))
            #expect(results[3]["error"]?["code"] == 3)
            #expect(try await Self.goodmem(.POST, port, "/memories:batchGet", json: ["memoryIds": []]).status == 400)
        }
    }

    @Test func goodmemListingPagesAndFilters() async throws {
        // Generous times: on a loaded 2-core machine the paging above can take longer than a few hundred ms.
        let sandbox = try Self.server {
            $0.processingAfter = .seconds(8)
            $0.completedAfter = .seconds(9)
        }
        try await sandbox.withRunning { port in
            try await Self.makeSpace(port)
            try await Self.makeSpace(port, id: Self.otherSpace, name: "other")
            let batch = JSONValue.array((1...7).map { Self.memory(Self.uuid($0)) })
            #expect(
                try await Self.goodmem(.POST, port, "/memories:batchCreate", json: ["requests": batch]).status == 200)
            #expect(
                try await Self.goodmem(
                    .POST, port, "/memories", json: Self.memory(Self.uuid(8), space: Self.otherSpace)
                )
                .status == 201)
            // PENDING is asked at once, COMPLETED once 9 s have passed since the writes: the paging between them may
            // be slow on a loaded machine (asked after the paging, PENDING once found nothing: 8 s had gone by).
            let written = ContinuousClock.now
            let pending = try await Self.goodmem(.GET, port, "/spaces/\(Self.space)/memories?statusFilter=PENDING")
            #expect(pending["memories"]?.arrayValue?.count == 7)

            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                var path = "/spaces/\(Self.space)/memories?maxResults=3"
                if let token {
                    path += "&nextToken=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)"
                }
                let page = try await Self.goodmem(.GET, port, path)
                #expect(page.status == 200)
                seen += page["memories"]?.arrayValue?.compactMap { $0["memoryId"]?.stringValue } ?? []
                token = page["nextToken"]?.stringValue
                if token == nil { #expect(page["nextToken"] == .null) }
                pages += 1
            } while token != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == (1...7).map(Self.uuid))

            try await Task.sleep(until: written + .milliseconds(9500))
            let completed = try await Self.goodmem(.GET, port, "/spaces/\(Self.space)/memories?statusFilter=COMPLETED")
            #expect(completed["memories"]?.arrayValue?.count == 7)
            #expect(completed["memories"]?.arrayValue?.allSatisfy { $0["processingStatus"] == "COMPLETED" } == true)
            let none = try await Self.goodmem(.GET, port, "/spaces/\(Self.space)/memories?statusFilter=PENDING")
            #expect(none["memories"] == [])

            // maxResults is clamped to 1...500 (snake_case spellings are read too), not refused.
            let clamped = try await Self.goodmem(.GET, port, "/spaces/\(Self.space)/memories?max_results=0")
            #expect(clamped["memories"]?.arrayValue?.count == 1)
            #expect(try await Self.goodmem(.GET, port, "/spaces/\(Self.space)/memories?maxResults=501").status == 200)
            for bad in ["maxResults=many", "nextToken=garbage", "statusFilter=DONE"] {
                #expect(try await Self.goodmem(.GET, port, "/spaces/\(Self.space)/memories?\(bad)").status == 400)
            }
            let unknown = try await Self.goodmem(.GET, port, "/spaces/\(Self.uuid(77))/memories")
            #expect(unknown.status == 404)
            #expect(unknown["error"]?.stringValue?.hasPrefix("NOT_FOUND: ") == true)
        }
    }

    @Test func goodmemDeleteAndDuplicatesInTheAdminListing() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            try await Self.makeSpace(port)
            // Two memories for one source document (a client without deterministic ids).
            let batch: JSONValue = [
                "requests": [
                    Self.memory(Self.uuid(1), document: "doc-a"), Self.memory(Self.uuid(2), document: "doc-a"),
                    Self.memory(Self.uuid(3), document: "doc-b"),
                ]
            ]
            #expect(try await Self.goodmem(.POST, port, "/memories:batchCreate", json: batch).status == 200)
            let admin = try await Self.send(.GET, port, "/_sandbox/goodmem/memories", headers: [:])
            #expect(admin.status == 200)
            #expect(admin["memories"]?.arrayValue?.map { $0["stored"] } == [2, 2, 1])
            #expect(
                admin["memories"]?.arrayValue?.first == [
                    "id": .string(Self.uuid(1)), "document_id": "doc-a", "stored": 2,
                ])

            let deleted = try await Self.goodmem(.DELETE, port, "/memories/\(Self.uuid(2))")
            #expect(deleted.status == 204)
            #expect(try await Self.goodmem(.DELETE, port, "/memories/\(Self.uuid(2))").status == 404)
            #expect(try await sandbox.deleteGoodMemMemory(id: Self.uuid(3).uppercased()))
            #expect(try await sandbox.deleteGoodMemMemory(id: Self.uuid(3)) == false)
            let get = try await Self.goodmem(
                .POST, port, "/memories:batchGet", json: ["memoryIds": [.string(Self.uuid(2)), .string(Self.uuid(3))]])
            #expect(get["results"]?.arrayValue?.map { $0["success"] } == [false, false])
            // Deleted behind the ledger's back: the same id can be created again.
            #expect(try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(3))).status == 201)
        }
        #expect(
            try await sandbox.goodmemMemories() == [
                SandboxMemoryRecord(id: Self.uuid(1), documentID: "doc-a", stored: 1),
                SandboxMemoryRecord(id: Self.uuid(3), documentID: Self.uuid(3), stored: 1),
            ])
    }

    // MARK: Mielto

    @Test func mieltoCreateHasNoDedup() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            let first = try await Self.mielto(
                .POST, port, "/memories", json: Self.mieltoMemory("likes tea", document: "doc-1", type: "agent"),
                workspace: "ws-1")
            #expect(first.status == 200)
            #expect(first["message"] == "Memory created")
            let id = try #require(first["memory_id"]?.stringValue)
            let memory = try #require(first["memory"])
            #expect(memory["memory_id"] == .string(id))
            #expect(memory["user_id"] == "u1")
            #expect(memory["memory"] == "likes tea")
            #expect(memory["memory_type"] == "agent")
            #expect(memory["topics"] == ["t"])
            #expect(memory["metadata"] == ["backfill_document_id": "doc-1"])
            #expect(memory["workspace_id"] == "ws-1")
            #expect(memory["created_at"]?.stringValue.flatMap(Timestamp.parse) != nil)

            // The same body again is a new memory: the client must guard.
            let second = try await Self.mielto(
                .POST, port, "/memories", json: Self.mieltoMemory("likes tea", document: "doc-1"))
            #expect(second.status == 200)
            #expect(second["memory_id"] != first["memory_id"])
            #expect(second["memory"]?["memory_type"] == "user")
            #expect(second["memory"]?["workspace_id"] == .null)

            let plain = try await Self.mielto(.POST, port, "/memories", json: ["user_id": "u2", "memory": "x"])
            #expect(plain["memory"]?["metadata"] == [:])
            #expect(plain["memory"]?["topics"] == [])

            let admin = try await Self.send(.GET, port, "/_sandbox/mielto/memories", headers: [:])
            #expect(admin["memories"]?.arrayValue?.map { $0["stored"] } == [2, 2, 1])
            #expect(admin["memories"]?.arrayValue?.last?["document_id"] == .null)
        }
        let records = try await sandbox.mieltoMemories()
        #expect(records.map(\.documentID) == ["doc-1", "doc-1", nil])
        #expect(records.map(\.stored) == [2, 2, 1])
    }

    @Test func mieltoValidationAnswers422() async throws {
        let sandbox = try Self.server { $0.maxDocumentBytes = 10 }
        try await sandbox.withRunning { port in
            let missing = try await Self.mielto(.POST, port, "/memories", json: ["memory": "x"])
            #expect(missing.status == 422)
            #expect(
                missing.json == [
                    "detail": [["loc": ["body", "user_id"], "msg": "field required", "type": "value_error.missing"]]
                ])
            let cases: [(JSONValue, JSONValue)] = [
                (["user_id": "u", "memory": ""], ["body", "memory"]),
                (["user_id": "u", "memory": "far too long text"], ["body", "memory"]),
                (["user_id": 5, "memory": "x"], ["body", "user_id"]),
                (["user_id": "u", "memory": "x", "memory_type": "robot"], ["body", "memory_type"]),
                (["user_id": "u", "memory": "x", "topics": "t"], ["body", "topics"]),
                (["user_id": "u", "memory": "x", "topics": ["a", 1]], ["body", "topics", 1]),
                (["user_id": "u", "memory": "x", "metadata": [1]], ["body", "metadata"]),
            ]
            for (body, loc) in cases {
                let reply = try await Self.mielto(.POST, port, "/memories", json: body)
                #expect(reply.status == 422)
                #expect(reply["detail"]?.arrayValue?.map { $0["loc"] } == [loc])
                #expect(reply["detail"]?.arrayValue?.first?["type"]?.stringValue?.isEmpty == false)
            }
            let both = try await Self.mielto(.POST, port, "/memories", json: [:])
            #expect(both["detail"]?.arrayValue?.count == 2)
            #expect(try await Self.mielto(.POST, port, "/memories", raw: "{nope").status == 422)
            for bad in ["limit=101", "limit=0", "limit=x", "cursor=garbage"] {
                #expect(try await Self.mielto(.GET, port, "/memories?\(bad)").status == 422)
            }
        }
        #expect(try await sandbox.mieltoMemories().isEmpty)
    }

    @Test func mieltoListingPagesPerUserAndDeletes() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            for index in 0..<25 {
                let user = index % 5 == 4 ? "other" : "u1"
                let reply = try await Self.mielto(
                    .POST, port, "/memories", json: Self.mieltoMemory("m\(index)", user: user))
                #expect(reply.status == 200)
            }
            let defaultPage = try await Self.mielto(.GET, port, "/memories?user_id=u1")
            #expect(defaultPage["data"]?.arrayValue?.count == 20)
            #expect(defaultPage["has_more"] == false)
            #expect(defaultPage["next_cursor"] == .null)

            var texts: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                var path = "/memories?user_id=u1&limit=7"
                if let cursor {
                    path += "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)"
                }
                let page = try await Self.mielto(.GET, port, path)
                #expect(page.status == 200)
                texts += page["data"]?.arrayValue?.compactMap { $0["memory"]?.stringValue } ?? []
                cursor = page["next_cursor"]?.stringValue
                #expect(page["has_more"] == .bool(cursor != nil))
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(texts == (0..<25).filter { $0 % 5 != 4 }.map { "m\($0)" })

            let all = try await Self.mielto(.GET, port, "/memories?limit=100")
            #expect(all["data"]?.arrayValue?.count == 25)

            let first = try #require(all["data"]?.arrayValue?.first?["memory_id"]?.stringValue)
            let deleted = try await Self.mielto(.DELETE, port, "/memories/\(first)")
            #expect(deleted.status == 204)
            #expect(try await Self.mielto(.GET, port, "/memories/\(first)").status == 404)
            let kept = try #require(all["data"]?.arrayValue?[2]["memory_id"]?.stringValue)
            let read = try await Self.mielto(.GET, port, "/memories/\(kept)")
            #expect(read["memory_id"] == .string(kept))
            #expect(read["memory"] == "m2")
            #expect(try await Self.mielto(.GET, port, "/memories/\(kept)?user_id=other").status == 404)
            let newest = try await Self.mielto(.GET, port, "/memories?user_id=u1&limit=2&sort_order=desc")
            #expect(newest["data"]?.arrayValue?.compactMap { $0["memory"]?.stringValue } == ["m23", "m22"])
            let search = try await Self.mielto(
                .POST, port, "/memories/search", json: ["query": "M13", "user_id": "u1", "limit": 100])
            #expect(search["memories"]?.arrayValue?.compactMap { $0["memory"]?.stringValue } == ["m13"])
            #expect(search["total_results"] == 1)
            let gone = try await Self.mielto(.DELETE, port, "/memories/\(first)")
            #expect(gone.status == 404)
            let second = try #require(all["data"]?.arrayValue?[1]["memory_id"]?.stringValue)
            #expect(try await sandbox.deleteMieltoMemory(id: second))
            #expect(try await Self.mielto(.GET, port, "/memories?limit=100")["data"]?.arrayValue?.count == 23)
        }
    }

    @Test func mieltoWorkspaceScopesTheListing() async throws {
        let sandbox = try Self.server()
        try await sandbox.withRunning { port in
            _ = try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("a"), workspace: "ws-1")
            _ = try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("b"), workspace: "ws-2")
            let scoped = try await Self.mielto(.GET, port, "/memories?user_id=u1", workspace: "ws-2")
            #expect(scoped["data"]?.arrayValue?.map { $0["memory"] } == ["b"])
            let unscoped = try await Self.mielto(.GET, port, "/memories?user_id=u1")
            #expect(unscoped["data"]?.arrayValue?.count == 2)
        }
    }

    @Test func mieltoCreditLimit() async throws {
        let sandbox = try Self.server { $0.mielto.creditLimitAfter = 2 }
        try await sandbox.withRunning { port in
            var statuses: [Int] = []
            for index in 0..<4 {
                statuses.append(
                    try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("c\(index)")).status)
            }
            #expect(statuses == [200, 200, 402, 402])
            let refused = try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("c9"))
            #expect(refused.json == ["detail": "credit limit exceeded", "error_code": "CREDIT_LIMIT_EXCEEDED"])
            // Invalid bodies are rejected before credits are looked at.
            #expect(try await Self.mielto(.POST, port, "/memories", json: ["memory": "x"]).status == 422)
            // Reads still work.
            #expect(try await Self.mielto(.GET, port, "/memories")["data"]?.arrayValue?.count == 2)
        }
        #expect(try await sandbox.mieltoMemories().count == 2)
        #expect(throws: (any Error).self) { try Self.server { $0.mielto.creditLimitAfter = -1 } }
    }

    // MARK: Faults

    @Test func rateLimitAppliesToEachTargetsWrites() async throws {
        let sandbox = try Self.server { $0.faults.rateLimitPerSecond = 2 }
        try await sandbox.withRunning { port in
            // The space is made in the store: through the API it would take a token (space creation is a write).
            try await sandbox.createGoodMemSpace(id: Self.space, name: "backfill")
            // Sent at once, so a loaded machine cannot refill the bucket between them. Reads share the bucket with
            // writes: a listing is one of the four.
            async let g0 = Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(0)))
            async let g1 = Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1)))
            async let g2 = Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(2)))
            async let g3 = Self.goodmem(.GET, port, "/spaces/\(Self.space)/memories")
            let goodmem = try await [g0, g1, g2, g3]
            #expect(goodmem.filter { $0.status == 429 }.count == 2)
            #expect(goodmem.filter { $0.status != 429 }.allSatisfy { [200, 201].contains($0.status) })
            #expect(goodmem.filter { $0.status != 429 }.allSatisfy { $0.headers.first(name: "X-RateLimit-Limit") == "2" })
            let limitedGoodMem = try #require(goodmem.first { $0.status == 429 })
            let retryAfter = try #require(limitedGoodMem.headers.first(name: "Retry-After").flatMap { Int($0) })
            #expect(retryAfter >= 1)
            #expect(limitedGoodMem["error"]?.stringValue?.hasPrefix("RESOURCE_EXHAUSTED") == true)
            var createdAtOnce = 0
            for index in 0..<3 where goodmem[index].status == 201 { createdAtOnce += 1 }

            // Each target has its own bucket.
            async let m0 = Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("r0"))
            async let m1 = Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("r1"))
            async let m2 = Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("r2"))
            let mielto = try await [m0, m1, m2]
            #expect(mielto.map(\.status).sorted() == [200, 200, 429])
            let limitedMielto = try #require(mielto.first { $0.status == 429 })
            #expect(limitedMielto["error_code"] == "RATE_LIMITED")
            #expect(limitedMielto.headers.first(name: "Retry-After") != nil)
            #expect(
                try await Self.send(
                    .POST, port, "/api/v1/memories/create",
                    json: [
                        "document": "synap", "document_id": "s-1", "document_type": "document", "mode": "long-range",
                    ],
                    headers: ["Authorization": "Bearer synap_k"]
                ).status == 200)

            try await Task.sleep(for: .seconds(retryAfter))
            let batch: JSONValue = ["requests": [Self.memory(Self.uuid(9))]]
            #expect(try await Self.goodmem(.POST, port, "/memories:batchCreate", json: batch).status == 200)
            let stored = try await sandbox.goodmemMemories().map(\.id)
            #expect(stored.count == createdAtOnce + 1 && stored.contains(Self.uuid(9)))
        }
        #expect(try await sandbox.mieltoMemories().count == 2)
        #expect(try await sandbox.documents().map(\.documentID) == ["s-1"])
    }

    @Test func injectedFailuresStoreNothing() async throws {
        let sandbox = try Self.server { $0.faults.failRate = 1 }
        try await sandbox.withRunning { port in
            for index in 0..<4 {
                let goodmem = try await Self.goodmem(
                    .POST, port, "/memories:batchCreate", json: ["requests": [Self.memory(Self.uuid(index))]])
                #expect([500, 503].contains(goodmem.status))
                #expect(goodmem["error"]?.stringValue?.contains("sandbox injected failure") == true)
                let mielto = try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("f\(index)"))
                #expect([500, 503].contains(mielto.status))
                #expect(mielto["detail"] == "sandbox injected failure")
            }
        }
        #expect(try await sandbox.goodmemMemories().isEmpty)
        #expect(try await sandbox.mieltoMemories().isEmpty)
    }

    @Test func acceptThenFailStoresAndAnswers503() async throws {
        let sandbox = try Self.server { $0.faults.acceptThenFailRate = 1 }
        try await sandbox.withRunning { port in
            // Space creation is a faulted write: stored, then 503; the listing (a read) is never accepted-then-failed.
            let space = try await Self.goodmem(
                .POST, port, "/spaces",
                json: ["spaceId": .string(Self.space), "name": "backfill", "spaceEmbedders": Self.embedders])
            #expect(space.status == 503)
            #expect(space["error"]?.stringValue?.contains("after storing") == true)
            let spaces = try await Self.goodmem(.GET, port, "/spaces")
            #expect(spaces.status == 200)
            #expect(spaces["spaces"]?.arrayValue?.count == 1)
            let single = try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1)))
            #expect(single.status == 503)
            #expect(single.headers.first(name: "Retry-After") == "1")
            #expect(single["error"]?.stringValue?.contains("after storing") == true)
            let batch = try await Self.goodmem(
                .POST, port, "/memories:batchCreate", json: ["requests": [Self.memory(Self.uuid(2))]])
            #expect(batch.status == 503)
            // The retry with the same id finds it stored.
            let retry = try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1)))
            #expect(retry.status == 503)
            let mielto = try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("a"))
            #expect(mielto.status == 503)
            #expect(mielto["detail"] == "sandbox injected failure after storing")
        }
        #expect(try await sandbox.goodmemMemories().map(\.id) == [Self.uuid(1), Self.uuid(2)])
        #expect(try await sandbox.mieltoMemories().count == 1)
    }

    @Test func resetsAndLatency() async throws {
        let resetting = try Self.server { $0.faults.resetRate = 1 }
        try await resetting.createGoodMemSpace(id: Self.space, name: "backfill")
        try await resetting.withRunning { port in
            // Every API route resets, reads and space creation included.
            await #expect(throws: (any Error).self) { _ = try await Self.goodmem(.GET, port, "/spaces") }
            await #expect(throws: (any Error).self) {
                _ = try await Self.goodmem(.POST, port, "/spaces", json: ["name": "other"])
            }
            await #expect(throws: (any Error).self) { _ = try await Self.mielto(.GET, port, "/memories") }
            await #expect(throws: (any Error).self) {
                _ = try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1)))
            }
            await #expect(throws: (any Error).self) {
                _ = try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("x"))
            }
        }
        #expect(try await resetting.goodmemMemories().isEmpty)
        #expect(try await resetting.mieltoMemories().isEmpty)

        let slow = try Self.server { $0.faults.latency = .milliseconds(300) }
        try await slow.withRunning { port in
            try await Self.makeSpace(port)
            var start = ContinuousClock.now
            #expect(try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1))).status == 201)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            start = ContinuousClock.now
            #expect(try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("x")).status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
        }
    }

    // MARK: Persistence

    @Test func memoriesPersistAcrossRestarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sandbox-other-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sandbox.sqlite").path

        let mieltoID = try await Self.server { $0.storePath = path }.withRunning { port in
            try await Self.makeSpace(port)
            #expect(try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1))).status == 201)
            let reply = try await Self.mielto(.POST, port, "/memories", json: Self.mieltoMemory("kept", document: "d"))
            return try #require(reply["memory_id"]?.stringValue)
        }
        let second = try Self.server { $0.storePath = path }
        #expect(try await second.goodmemMemories().map(\.id) == [Self.uuid(1)])
        #expect(try await second.mieltoMemories() == [SandboxMemoryRecord(id: mieltoID, documentID: "d", stored: 1)])
        try await second.withRunning { port in
            #expect(try await Self.goodmem(.GET, port, "/spaces")["spaces"]?.arrayValue?.count == 1)
            #expect(try await Self.goodmem(.POST, port, "/memories", json: Self.memory(Self.uuid(1))).status == 409)
            let listed = try await Self.mielto(.GET, port, "/memories?user_id=u1")
            #expect(listed["data"]?.arrayValue?.first?["memory"] == "kept")
        }
    }
}
