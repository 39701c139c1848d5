import Foundation
import Synchronization

/// How the sandbox's GoodMem contract answers `memories:batchCreate` (and `memories:batchGet`). All off by
/// default, which is what a live server does: HTTP 200, boolean `success`, gRPC item codes.
public struct SandboxGoodMemOptions: Sendable {
    /// Sends `"success": "true"` / `"false"` strings instead of booleans (seen in the wild).
    public var successAsString: Bool = false
    /// Item error codes as HTTP statuses (409, 400, 404) instead of gRPC codes (6, 3, 5).
    public var httpErrorCodes: Bool = false
    /// Answers a batch create with HTTP 207 instead of 200 when some items failed.
    public var answer207: Bool = false

    public init() {}
}

/// Mielto-only faults.
public struct SandboxMieltoOptions: Sendable {
    /// After this many stored creates (counted per server process), every create answers 402
    /// `{"detail":"credit limit exceeded","error_code":"CREDIT_LIMIT_EXCEEDED"}`. nil: no limit.
    public var creditLimitAfter: Int? = nil

    public init() {}
}

/// One stored GoodMem or Mielto memory as the admin routes list it.
public struct SandboxMemoryRecord: Sendable, Codable, Equatable {
    /// The server's memory id (`memoryId` / `memory_id`).
    public var id: String
    /// `metadata.backfill_document_id` when the client sent it as a string.
    public var documentID: String?
    /// How many memories of this target carry the same document id (1 without one): a duplicate shows 2.
    public var stored: Int

    public init(id: String, documentID: String?, stored: Int) {
        self.id = id
        self.documentID = documentID
        self.stored = stored
    }

    enum CodingKeys: String, CodingKey {
        case id
        case documentID = "document_id"
        case stored
    }

    /// Writes `document_id: null` rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(documentID, forKey: .documentID)
        try container.encode(stored, forKey: .stored)
    }
}

/// The metadata key under which clients put the source document id.
let sandboxDocumentIDKey = "backfill_document_id"

/// Opaque paging tokens over a table's `seq` column (or a listing offset): URL-safe base64 without padding, as
/// GoodMem documents its `nextToken`; standard base64 is read too.
enum SandboxCursor {
    static func encode(_ seq: Int64) -> String {
        Data("seq:\(seq)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String) -> Int64? {
        var text = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("seq:")
        else { return nil }
        return Int64(decoded.dropFirst(4))
    }
}

/// Shell-style glob matching (`*`, `?`, `[abc]`, `[!a-z]`), as GoodMem's `nameFilter` takes.
enum SandboxGlob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        matches(Array(pattern), 0, Array(text), 0)
    }

    private static func matches(_ pattern: [Character], _ p: Int, _ text: [Character], _ t: Int) -> Bool {
        var p = p
        var t = t
        while p < pattern.count {
            switch pattern[p] {
            case "*":
                // Collapse runs of stars, then try every split.
                while p < pattern.count && pattern[p] == "*" { p += 1 }
                if p == pattern.count { return true }
                for start in t...text.count where matches(pattern, p, text, start) { return true }
                return false
            case "?":
                guard t < text.count else { return false }
                p += 1
                t += 1
            case "[":
                guard t < text.count else { return false }
                guard let result = bracket(pattern, p, text[t]) else {
                    // An unclosed bracket is a literal "[".
                    guard text[t] == "[" else { return false }
                    p += 1
                    t += 1
                    continue
                }
                guard result.matched else { return false }
                p = result.next
                t += 1
            default:
                guard t < text.count, text[t] == pattern[p] else { return false }
                p += 1
                t += 1
            }
        }
        return t == text.count
    }

    /// Whether `character` is in the bracket expression at `start`, and the index after it; nil when unclosed.
    private static func bracket(
        _ pattern: [Character], _ start: Int, _ character: Character
    ) -> (matched: Bool, next: Int)? {
        var index = start + 1
        var negated = false
        if index < pattern.count, pattern[index] == "!" || pattern[index] == "^" {
            negated = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.count {
            let current = pattern[index]
            if current == "]" && !first { return (matched != negated, index + 1) }
            first = false
            if index + 2 < pattern.count, pattern[index + 1] == "-", pattern[index + 2] != "]" {
                if current <= character && character <= pattern[index + 2] { matched = true }
                index += 3
            } else {
                if current == character { matched = true }
                index += 1
            }
        }
        return nil
    }
}

/// Counts Mielto creates against `creditLimitAfter`; a slot is taken before storing and given back when the
/// store fails, so concurrent creates never exceed the limit.
final class SandboxCreditMeter: Sendable {
    private let limit: Int?
    private let used = Mutex(0)

    init(limit: Int?) { self.limit = limit }

    /// false when the credits are spent.
    func take() -> Bool {
        guard let limit else { return true }
        return used.withLock { used in
            guard used < limit else { return false }
            used += 1
            return true
        }
    }

    func giveBack() {
        guard limit != nil else { return }
        used.withLock { $0 = max(0, $0 - 1) }
    }
}

/// Constant-time comparison of secrets.
func sandboxSecretsMatch(_ given: String, _ expected: String) -> Bool {
    let lhs = Array(given.utf8)
    let rhs = Array(expected.utf8)
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}
