import BackfillCore
import BackfillTargets
import Foundation
import Logging
import NIOHTTP1

/// GoodMem (self-hosted) over `POST /v1/memories:batchCreate`. Exactly-once: each memory's id is a UUIDv5 of the
/// document id, so a resend is answered ALREADY_EXISTS (counted as `duplicate`). A batch answer is HTTP 200 even
/// when items failed: every item's `success` is checked.
public final class GoodMemClient: UploadTarget {
    /// The namespace of memory ids: `memoryId = UUIDv5(namespace, document_id)`. Fixed forever — changing it would
    /// break deduplication against memories already created.
    public static let memoryNamespace = UUID(
        uuid: (
            0x8f, 0x5e, 0x2a, 0x41, 0x6c, 0x1d, 0x5b, 0x3e, 0x9a, 0x77, 0x0b, 0x4c, 0xd2, 0x19, 0xe6, 0x03
        ))
    /// GoodMem's limit on metadata properties.
    public static let maxMetadataProperties = 50

    public struct Configuration: Sendable {
        public var baseURL: String = "http://localhost:8080"
        public var apiKey: String
        public var spaceID: String?
        public var spaceName: String?
        public var createSpace = false
        public var batchSize = 100
        public var tls = TLSOptions()
        public init(apiKey: String) { self.apiKey = apiKey }
    }

    public let configuration: Configuration
    private let http: HTTPTransport
    private let space: SpaceBox

    /// The resolved space id (after ``prepare()``).
    final class SpaceBox: @unchecked Sendable {
        // Written once by prepare() before any send; read-only afterwards.
        var id: String?
    }

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        http = try HTTPTransport(
            baseURL: configuration.baseURL, headers: [("x-api-key", configuration.apiKey)], keyName: "GOODMEM_API_KEY",
            tls: configuration.tls, logger: logger)
        space = SpaceBox()
        space.id = configuration.spaceID
    }

    public var name: String { "goodmem" }
    public var endpointDescription: String {
        "\(configuration.baseURL) (space \(configuration.spaceID ?? configuration.spaceName ?? "?"))"
    }
    public var maxBatchDocuments: Int { max(1, configuration.batchSize) }
    public func shutdown() async throws { try await http.shutdown() }

    /// The memory id of a document.
    public static func memoryID(for documentID: String) -> String {
        ContentHash.uuidV5(namespace: memoryNamespace, name: documentID).uuidString.lowercased()
    }

    /// Resolves `--space-name` through `GET /v1/spaces?nameFilter=…` (every page), creating it with a deterministic
    /// id when asked: with the server's first embedder (`GET /v1/embedders`), as a space needs at least one. Every
    /// request is tried again after 5xx, 429 and connection errors (a resent create answers 409: "there").
    public func prepare() async throws {
        if space.id != nil { return }
        guard let name = configuration.spaceName else {
            throw UploadError(kind: .stop, code: "no_space", message: "GoodMem needs --space-id or --space-name")
        }
        if let id = try await findSpace(named: name) {
            space.id = id
            return
        }
        guard configuration.createSpace else {
            throw UploadError(
                kind: .stop, code: "space_not_found",
                message: "no GoodMem space named '\(name)'; create it, pass --space-id, or add --create-space")
        }
        let embedders = try await http.sendIdempotent(.GET, "/v1/embedders")
        guard embedders.status == 200 else { throw http.classify(embedders) }
        let listed = (try? JSONDecoder().decode(JSONValue.self, from: Data(embedders.body)))?["embedders"]?.arrayValue
        guard let embedder = listed?.first?["embedderId"]?.stringValue else {
            throw UploadError(
                kind: .stop, code: "no_embedder",
                message:
                    "GoodMem has no embedder to create space '\(name)' with; register one (POST /v1/embedders) or create the space and pass --space-id"
            )
        }
        let id = ContentHash.uuidV5(namespace: Self.memoryNamespace, name: "space:" + name).uuidString.lowercased()
        let body = try JSONEncoder().encode(
            JSONValue.object([
                "spaceId": .string(id), "name": .string(name),
                "spaceEmbedders": [["embedderId": .string(embedder), "defaultRetrievalWeight": .number(1)]],
                // The official SDK's default chunking.
                "defaultChunkingConfig": [
                    "recursive": [
                        "chunkSize": 512, "chunkOverlap": 64, "keepStrategy": "KEEP_END",
                        "lengthMeasurement": "CHARACTER_COUNT",
                    ]
                ],
            ]))
        let created = try await http.sendIdempotent(.POST, "/v1/spaces", body: Array(body))
        guard created.status == 200 || created.status == 201 || created.status == 409 else {
            throw http.classify(created)
        }
        space.id = id
    }

    /// The id of the space named `name`, through every page of `GET /v1/spaces?nameFilter=…` (names without glob
    /// characters filter exactly; others page through all spaces).
    private func findSpace(named name: String) async throws -> String? {
        let literal = !name.contains(where: { "*?[]\\".contains($0) })
        var token: String?
        repeat {
            var query = ["maxResults=1000"]
            if literal { query.append("nameFilter=\(Self.escape(name))") }
            if let token { query.append("nextToken=\(Self.escape(token))") }
            let answer = try await http.sendIdempotent(.GET, "/v1/spaces?" + query.joined(separator: "&"))
            guard answer.status == 200 else { throw http.classify(answer) }
            let json = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body))
            let spaces = json?["spaces"]?.arrayValue ?? json?.arrayValue ?? []
            if let found = spaces.first(where: { $0["name"]?.stringValue == name }),
                let id = found["spaceId"]?.stringValue
            {
                return id
            }
            let next = json?["nextToken"]?.stringValue
            token = next == token || next?.isEmpty == true ? nil : next
        } while token != nil
        return nil
    }

    private static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? value
    }

    /// GoodMem's metadata: the source id, type and timestamp always; the request's metadata beside them, or folded
    /// into one `metadata_json` property when that would pass 50 properties.
    public static func metadata(for request: CreateMemoryRequest) -> (metadata: [String: JSONValue], folded: Bool) {
        var properties: [String: JSONValue] = ["backfill_document_id": .string(request.documentID ?? "")]
        properties["document_type"] = .string(request.documentType.rawValue)
        if let created = request.documentCreatedAt { properties["document_created_at"] = .string(created) }
        if let user = request.userID { properties["user_id"] = .string(user) }
        if let customer = request.customerID { properties["customer_id"] = .string(customer) }
        if let mode = request.mode { properties["mode"] = .string(mode.rawValue) }
        let extra = request.metadata?.objectValue ?? [:]
        // Six properties are Backfill's own; the same threshold is the GoodMem validation profile's.
        if extra.count <= maxMetadataProperties - 6 && extra.keys.allSatisfy({ properties[$0] == nil }) {
            properties.merge(extra) { current, _ in current }
            return (properties, false)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(JSONValue.object(extra)) {
            properties["metadata_json"] = .string(String(decoding: data, as: UTF8.self))
        }
        return (properties, true)
    }

    private func body(for document: EncodedDocument, spaceID: String) -> JSONValue {
        .object([
            "memoryId": .string(Self.memoryID(for: document.documentID)),
            "spaceId": .string(spaceID),
            "originalContent": .string(document.request.document),
            "contentType": "text/plain",
            "metadata": .object(Self.metadata(for: document.request).metadata),
        ])
    }

    public func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        try await prepare()
        guard let spaceID = space.id else {
            throw UploadError(kind: .stop, code: "no_space", message: "GoodMem needs --space-id or --space-name")
        }
        let requests = JSONValue.object(["requests": .array(batch.map { body(for: $0, spaceID: spaceID) })])
        let answer = try await http.send(
            .POST, "/v1/memories:batchCreate", body: Array(try JSONEncoder().encode(requests)))
        guard answer.status == 200 || answer.status == 201 || answer.status == 207 else { throw http.classify(answer) }
        let results = (try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body)))?["results"]?.arrayValue
        guard let results else {
            throw UploadError(
                kind: .retryable, code: .badResponse, message: "the batchCreate answer has no results; sending again")
        }
        let byMemoryID = Dictionary(
            batch.map { (Self.memoryID(for: $0.documentID), $0.documentID) }, uniquingKeysWith: { a, _ in a })
        var outcomes: [String: ItemOutcome] = [:]
        for (index, item) in results.enumerated() {
            let memoryID = item["memoryId"]?.stringValue ?? item["memory"]?["memoryId"]?.stringValue
            guard
                let documentID = memoryID.flatMap({ byMemoryID[$0.lowercased()] })
                    ?? (index < batch.count ? batch[index].documentID : nil)
            else { continue }
            outcomes[documentID] = Self.outcome(of: item, memoryID: memoryID)
        }
        for document in batch where outcomes[document.documentID] == nil {
            outcomes[document.documentID] = .unmatched
        }
        let rate = HTTPTransport.rateHeaders(answer.headers)
        return SendResult(outcomes: outcomes, rateLimitRemaining: rate.remaining, rateLimitResetIn: rate.resetIn)
    }

    /// One item of a batch answer: `success` may be a boolean or the string "true"; error codes may be gRPC
    /// (6 ALREADY_EXISTS) or HTTP (409).
    static func outcome(of item: JSONValue, memoryID: String?) -> ItemOutcome {
        let success: Bool
        switch item["success"] {
        case .bool(let value): success = value
        case .string(let value): success = value.lowercased() == "true"
        default: success = item["error"] == nil && item["memory"] != nil
        }
        if success { return .accepted(ingestionID: memoryID) }
        let code = item["error"]?["code"]
        let message = item["error"]?["message"]?.stringValue ?? item["error"]?.stringValue ?? "failed"
        let numeric = code?.doubleValue.map { Int($0) }
        if numeric == 6 || numeric == 409 || message.uppercased().contains("ALREADY_EXISTS") {
            return .duplicate(message: message)
        }
        if numeric == 14 || numeric == 4 || (numeric ?? 0) >= 500 {
            return .failed(code: "goodmem_unavailable", message: message)
        }
        return .rejected(code: "goodmem_\(numeric.map(String.init) ?? "error")", message: message)
    }

    /// `POST /v1/memories:batchGet` in chunks of 100 (a read: tried again after 5xx, 429 and connection errors).
    public func verify(_ documents: [KnownDocument]) async throws -> [String: VerifyOutcome] {
        var results: [String: VerifyOutcome] = [:]
        for start in stride(from: 0, to: documents.count, by: 100) {
            let chunk = Array(documents[start..<min(start + 100, documents.count)])
            let ids = chunk.map { Self.memoryID(for: $0.documentID) }
            let body = try JSONEncoder().encode(JSONValue.object(["memoryIds": .array(ids.map { .string($0) })]))
            let answer = try await http.sendIdempotent(.POST, "/v1/memories:batchGet", body: Array(body))
            guard answer.status == 200 || answer.status == 207 else { throw http.classify(answer) }
            let items =
                (try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body)))?["results"]?.arrayValue ?? []
            var found: Set<String> = []
            for item in items {
                let success = item["success"] == .bool(true) || item["success"] == .string("true")
                if success, let id = item["memoryId"]?.stringValue ?? item["memory"]?["memoryId"]?.stringValue {
                    found.insert(id.lowercased())
                }
            }
            for (document, id) in zip(chunk, ids) {
                results[document.documentID] = found.contains(id) ? .present : .missing
            }
        }
        return results
    }
}
