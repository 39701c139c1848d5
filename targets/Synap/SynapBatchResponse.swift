import BackfillCore
import BackfillTargets
import Foundation

/// Synap's batch answer in either shape, matched to the documents by id (docs/API-CONTRACTS.md):
/// - docs: `{"results": [{"ingestion_id","status"}], "errors": [{index, code, message}]}`
/// - SDK: `{"batch_id","total","succeeded","failed","results":[{"ingestion_id","document_id","status","queued_at","error_message"}]}`
public enum SynapBatchResponse {
    struct Body: Decodable {
        var results: [Result]?
        var errors: [ErrorItem]?
    }

    struct Result: Decodable {
        var ingestionID: String?
        var documentID: String?
        var status: String?
        var errorMessage: String?
        var error: String?
        var code: String?
        enum CodingKeys: String, CodingKey {
            case ingestionID = "ingestion_id"
            case documentID = "document_id"
            case status
            case errorMessage = "error_message"
            case error, code
        }
    }

    struct ErrorItem: Decodable {
        var index: Int?
        var documentID: String?
        var code: String?
        var message: String?
        enum CodingKeys: String, CodingKey {
            case index
            case documentID = "document_id"
            case code, message
        }
    }

    /// Whether an error message means "this id is already stored". The one place this rule lives.
    public static func isDuplicate(code: String?, message: String?) -> Bool {
        if let code = code?.uppercased(), ["DUPLICATE", "CONFLICT", "ALREADY_EXISTS", "409"].contains(code) {
            return true
        }
        guard let message = message?.lowercased() else { return false }
        return ["already", "duplicate", "exists", "conflict"].contains { message.contains($0) }
    }

    /// The answer's body read as `JSONDecoder` reads ``Body`` (a field of the wrong type is an error, null is
    /// absent), through ``JSONBytesParser``: `JSONDecoder` was a twelfth of an upload's CPU. TargetTests compares the
    /// two on generated answers.
    static func decode(_ body: [UInt8]) throws -> Body {
        struct WrongType: Error, CustomStringConvertible {
            var field: String
            var description: String { "\"\(field)\" is not of the type Synap answers with" }
        }
        func string(_ value: JSONValue?, _ field: String) throws -> String? {
            switch value {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw WrongType(field: field)
            }
        }
        func objects(_ value: JSONValue?, _ field: String) throws -> [[String: JSONValue]]? {
            switch value {
            case nil, .null?: return nil
            case .array(let items)?:
                return try items.map { item in
                    guard case .object(let object) = item else { throw WrongType(field: field) }
                    return object
                }
            default: throw WrongType(field: field)
            }
        }
        guard case .object(let top) = try JSONBytesParser.parse(body[...]) else { throw WrongType(field: "body") }
        return Body(
            results: try objects(top["results"], "results")?.map { item in
                Result(
                    ingestionID: try string(item["ingestion_id"], "ingestion_id"),
                    documentID: try string(item["document_id"], "document_id"),
                    status: try string(item["status"], "status"),
                    errorMessage: try string(item["error_message"], "error_message"),
                    error: try string(item["error"], "error"), code: try string(item["code"], "code"))
            },
            errors: try objects(top["errors"], "errors")?.map { item in
                let index: Int?
                switch item["index"] {
                case nil, .null?: index = nil
                case .integer(let value)?:
                    guard let fits = Int(exactly: value) else { throw WrongType(field: "index") }
                    index = fits
                default: throw WrongType(field: "index")
                }
                return ErrorItem(
                    index: index, documentID: try string(item["document_id"], "document_id"),
                    code: try string(item["code"], "code"), message: try string(item["message"], "message"))
            })
    }

    /// Outcomes for `ids` (the batch's documents, in request order); `decode` is replaced by `JSONDecoder` in the
    /// test that compares them.
    public static func outcomes(for ids: [String], body: [UInt8]) throws -> [String: ItemOutcome] {
        try outcomes(for: ids, body: body, decode: decode)
    }

    static func outcomes(for ids: [String], body: [UInt8], decode: ([UInt8]) throws -> Body) throws -> [String:
        ItemOutcome]
    {
        if body.isEmpty {  // 204: all queued, nothing to match
            return Dictionary(uniqueKeysWithValues: ids.map { ($0, ItemOutcome.accepted(ingestionID: nil)) })
        }
        let decoded: Body
        do {
            decoded = try decode(body)
        } catch {
            let reason = (error as? JSONBytesParser.Failure)?.message ?? "\(error)"
            throw UploadError(
                kind: .retryable, code: .badResponse,
                message: "the batch answer could not be read (\(reason)); the batch will be sent again")
        }
        var outcomes: [String: ItemOutcome] = [:]
        let idSet = Set(ids)

        func failure(code: String?, message: String?) -> ItemOutcome {
            let text = message ?? code ?? "failed"
            if isDuplicate(code: code, message: message) { return .duplicate(message: text) }
            return .rejected(code: code.map { "target_\($0.lowercased())" } ?? "rejected_by_target", message: text)
        }

        // Errors name an index (docs) or an id.
        for item in decoded.errors ?? [] {
            let id = item.documentID ?? item.index.flatMap { ids.indices.contains($0) ? ids[$0] : nil }
            if let id, idSet.contains(id) { outcomes[id] = failure(code: item.code, message: item.message) }
        }

        let results = decoded.results ?? []
        var unnamed: [Result] = []
        for result in results {
            guard let id = result.documentID, idSet.contains(id) else {
                unnamed.append(result)
                continue
            }
            outcomes[id] = outcome(of: result, failure: failure)
        }
        // Results without ids (the docs' shape): one per document not in `errors`, in request order.
        let unmatched = ids.filter { outcomes[$0] == nil }
        if !unnamed.isEmpty {
            if unnamed.count == unmatched.count {
                for (id, result) in zip(unmatched, unnamed) { outcomes[id] = outcome(of: result, failure: failure) }
            } else if unnamed.count == ids.count {
                for (id, result) in zip(ids, unnamed) where outcomes[id] == nil {
                    outcomes[id] = outcome(of: result, failure: failure)
                }
            }
        }
        // Whatever the answer does not account for is unknown: sent again later (the target dedups by id).
        for id in ids where outcomes[id] == nil {
            outcomes[id] = .unmatched
        }
        return outcomes
    }

    private static func outcome(of result: Result, failure: (String?, String?) -> ItemOutcome) -> ItemOutcome {
        let status = result.status?.lowercased() ?? "queued"
        if ["failed", "error", "rejected", "duplicate", "conflict"].contains(status)
            || result.errorMessage != nil
                && result.ingestionID == nil
        {
            return failure(result.code, result.errorMessage ?? result.error ?? status)
        }
        return .accepted(ingestionID: result.ingestionID)
    }
}
