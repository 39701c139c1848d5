import BackfillCore
import Foundation
import Logging
import NIOHTTP1

/// Mielto over `POST /memories`, one request per document. Mielto has no batch endpoint, no client id and no
/// created-at field, so it cannot deduplicate: the ledger is the only guard. At-least-once is narrowed to
/// exactly-once in practice by checking the listing (`GET /memories?user_id=…`, matching the source id kept in
/// metadata) before anything whose outcome is unknown is sent again — after a timeout, an accepted-then-failed
/// answer, or a crash with documents still `sending`.
public final class MieltoClient: UploadTarget {
    public struct Configuration: Sendable {
        public var baseURL = "https://api.mielto.com/api/v1"
        public var apiKey: String
        public var workspaceID: String?
        public var memoryType = "user"
        public init(apiKey: String) { self.apiKey = apiKey }
    }

    public let configuration: Configuration
    private let http: HTTPTransport

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        var headers = [("Authorization", "Bearer \(configuration.apiKey)")]
        if let workspace = configuration.workspaceID { headers.append(("X-Workspace-Id", workspace)) }
        http = try HTTPTransport(baseURL: configuration.baseURL, headers: headers, keyName: "MIELTO_API_KEY", logger: logger)
    }

    public var name: String { "mielto" }
    public var endpointDescription: String { configuration.baseURL }
    /// One document per request: the pipeline's workers give the concurrency, the rate limiter the pace.
    public var maxBatchDocuments: Int { 1 }
    public func shutdown() async throws { try await http.shutdown() }

    /// The body Mielto takes: the source id, type and timestamp go into metadata (it has no fields for them).
    static func body(for request: CreateMemoryRequest, memoryType: String) -> JSONValue {
        var metadata = request.metadata?.objectValue ?? [:]
        metadata["backfill_document_id"] = .string(request.documentID ?? "")
        metadata["document_type"] = .string(request.documentType.rawValue)
        if let created = request.documentCreatedAt { metadata["document_created_at"] = .string(created) }
        if let customer = request.customerID { metadata["customer_id"] = .string(customer) }
        return .object([
            "user_id": .string(request.userID ?? ""),
            "memory": .string(request.document),
            "memory_type": .string(memoryType),
            "topics": .array([]),
            "metadata": .object(metadata),
        ])
    }

    public func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        var outcomes: [String: ItemOutcome] = [:]
        var rate: (remaining: Int?, resetIn: Duration?) = (nil, nil)
        for document in batch {
            let body = try JSONEncoder().encode(Self.body(for: document.request, memoryType: configuration.memoryType))
            let answer: HTTPTransport.Answer
            do {
                answer = try await http.send(.POST, "/memories", body: Array(body))
            } catch let error as UploadError where error.isRetryable {
                // Unknown outcome: look before sending again.
                if let found = try await existing([KnownDocument(documentID: document.documentID, targetID: nil, userID: document.request.userID)])[document.documentID] {
                    outcomes[document.documentID] = .accepted(ingestionID: found)
                    continue
                }
                throw error
            }
            rate = HTTPTransport.rateHeaders(answer.headers)
            switch answer.status {
            case 200, 201:
                let json = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body))
                outcomes[document.documentID] = .accepted(
                    ingestionID: json?["memory_id"]?.stringValue ?? json?["memory"]?["memory_id"]?.stringValue)
            case 400, 422:
                outcomes[document.documentID] = .rejected(
                    code: "mielto_invalid", message: HTTPTransport.errorMessage(answer.body) ?? "HTTP \(answer.status)")
            case 500...599:
                // It may have stored it before failing: look before sending again.
                if let found = try await existing([KnownDocument(documentID: document.documentID, targetID: nil, userID: document.request.userID)])[document.documentID] {
                    outcomes[document.documentID] = .accepted(ingestionID: found)
                    continue
                }
                throw http.classify(answer)
            default:
                throw http.classify(answer)
            }
        }
        return SendResult(outcomes: outcomes, rateLimitRemaining: rate.remaining, rateLimitResetIn: rate.resetIn)
    }

    /// Memory ids of the documents Mielto already holds, found by listing each user's memories (each page a GET,
    /// tried again after 5xx, 429 and connection errors; what still fails throws a retryable error).
    func existing(_ documents: [KnownDocument]) async throws -> [String: String] {
        let wanted = Set(documents.map(\.documentID))
        var found: [String: String] = [:]
        for user in Set(documents.compactMap(\.userID)) {
            var cursor: String?
            repeat {
                var path = "/memories?user_id=\(Self.escape(user))&limit=100"
                if let cursor { path += "&cursor=\(Self.escape(cursor))" }
                let answer = try await http.sendIdempotent(.GET, path)
                guard answer.status == 200 else { throw http.classify(answer) }
                let json = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body))
                for memory in json?["data"]?.arrayValue ?? [] {
                    if let id = memory["metadata"]?["backfill_document_id"]?.stringValue, wanted.contains(id) {
                        found[id] = memory["memory_id"]?.stringValue ?? ""
                    }
                }
                cursor = json?["has_more"] == .bool(true) ? json?["next_cursor"]?.stringValue : nil
            } while cursor != nil && found.count < wanted.count
        }
        return found
    }

    private static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }

    public func reconcile(_ documents: [KnownDocument]) async throws -> [String: ItemOutcome] {
        try await existing(documents).mapValues { ItemOutcome.accepted(ingestionID: $0) }
    }

    public func verify(_ documents: [KnownDocument]) async throws -> [String: VerifyOutcome] {
        let found = try await existing(documents)
        return Dictionary(uniqueKeysWithValues: documents.map { ($0.documentID, found[$0.documentID] == nil ? VerifyOutcome.missing : .present) })
    }
}
