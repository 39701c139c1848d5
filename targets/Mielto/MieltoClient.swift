import BackfillCore
import BackfillTargets
import Foundation
import Logging
import NIOHTTP1
import Synchronization

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
        http = try HTTPTransport(
            baseURL: configuration.baseURL, headers: headers, keyName: "MIELTO_API_KEY", logger: logger)
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

    /// Mielto cannot refuse a repeated document: the pipeline asks ``reconcile(_:)`` before any resend.
    public var deduplicatesByID: Bool { false }

    /// One POST per document. A timeout, a reset or a 5xx throws (the outcome is unknown: the pipeline's sender
    /// asks the listing before anything is sent again); a 429 was refused before anything was stored.
    public func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        var outcomes: [String: ItemOutcome] = [:]
        var rate: (remaining: Int?, resetIn: Duration?) = (nil, nil)
        for document in batch {
            let body = try JSONEncoder().encode(Self.body(for: document.request, memoryType: configuration.memoryType))
            let answer = try await http.send(.POST, "/memories", body: Array(body))
            rate = HTTPTransport.rateHeaders(answer.headers)
            switch answer.status {
            case 200, 201:
                let json = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body))
                let memoryID = json?["memory_id"]?.stringValue ?? json?["memory"]?["memory_id"]?.stringValue
                outcomes[document.documentID] = .accepted(ingestionID: memoryID)
                if let user = document.request.userID, let memoryID {
                    listings.withLock { $0[user, default: .init()].noteOwn(memoryID, documentID: document.documentID) }
                }
            case 400, 422:
                outcomes[document.documentID] = .rejected(
                    code: "mielto_invalid", message: HTTPTransport.errorMessage(answer.body) ?? "HTTP \(answer.status)")
            default:
                throw http.classify(answer)
            }
        }
        return SendResult(outcomes: outcomes, rateLimitRemaining: rate.remaining, rateLimitResetIn: rate.resetIn)
    }

    /// What this run has seen of one user's memories: the source ids found in their metadata, and every memory id
    /// read, so a later look pages only through what is newer (the listing is read newest first).
    struct UserListing: Sendable {
        var byDocument: [String: String] = [:]
        var memoryIDs: Set<String> = []
        /// The listing was read to its end once: from then on a look stops at the first memory already seen.
        var complete = false

        /// A memory this run stored and saw answered: not a reason to page again, and not a boundary either.
        mutating func noteOwn(_ memoryID: String, documentID: String) {
            byDocument[documentID] = memoryID
        }
    }

    private let listings = Mutex<[String: UserListing]>([:])

    /// Memory ids of the documents Mielto already holds, by source id (kept in metadata). Each user's listing is
    /// read newest first, once per run; later looks read only the memories newer than the newest already seen.
    /// Each page is a GET tried again after 5xx, 429 and connection errors; what still fails throws.
    func existing(_ documents: [KnownDocument]) async throws -> [String: String] {
        var found: [String: String] = [:]
        for (user, group) in Dictionary(grouping: documents, by: { $0.userID ?? "" }) {
            let wanted = Set(group.map(\.documentID))
            var known = listings.withLock { $0[user] ?? UserListing() }
            if !known.complete || wanted.contains(where: { known.byDocument[$0] == nil }) {
                known = try await refresh(user: user, known: known)
                listings.withLock { $0[user] = known }
            }
            for id in wanted { if let memoryID = known.byDocument[id] { found[id] = memoryID } }
        }
        return found
    }

    /// Pages a user's memories newest first until a memory already seen (or the end).
    private func refresh(user: String, known: UserListing) async throws -> UserListing {
        var listing = known
        var cursor: String?
        var reachedSeen = false
        repeat {
            var path = "/memories?user_id=\(Self.escape(user))&limit=100&sort_by=created_at&sort_order=desc"
            if let cursor { path += "&cursor=\(Self.escape(cursor))" }
            let answer = try await http.sendIdempotent(.GET, path)
            guard answer.status == 200 else { throw http.classify(answer) }
            let json = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body))
            for memory in json?["data"]?.arrayValue ?? [] {
                guard let memoryID = memory["memory_id"]?.stringValue else { continue }
                if known.complete && known.memoryIDs.contains(memoryID) {
                    reachedSeen = true
                    break
                }
                listing.memoryIDs.insert(memoryID)
                if let id = memory["metadata"]?["backfill_document_id"]?.stringValue {
                    listing.byDocument[id] = memoryID
                }
            }
            cursor = !reachedSeen && json?["has_more"] == .bool(true) ? json?["next_cursor"]?.stringValue : nil
        } while cursor != nil
        listing.complete = true
        return listing
    }

    private static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? value
    }

    public func reconcile(_ documents: [KnownDocument]) async throws -> [String: ItemOutcome] {
        try await existing(documents).mapValues { ItemOutcome.accepted(ingestionID: $0) }
    }

    public func verify(_ documents: [KnownDocument]) async throws -> [String: VerifyOutcome] {
        let found = try await existing(documents)
        return Dictionary(
            uniqueKeysWithValues: documents.map {
                ($0.documentID, found[$0.documentID] == nil ? VerifyOutcome.missing : .present)
            })
    }
}
