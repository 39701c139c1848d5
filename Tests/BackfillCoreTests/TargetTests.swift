import BackfillCore
import BackfillPipeline
import BackfillTargets
import BackfillTestSupport
import Foundation
import Testing

@testable import BackfillSynapTarget

@Suite("Synap batch answers")
struct SynapBatchResponseTests {
    let ids = ["a", "b", "c"]

    func parse(_ json: String) throws -> [String: ItemOutcome] {
        try SynapBatchResponse.outcomes(for: ids, body: Array(json.utf8))
    }

    @Test("SDK shape: matched by document_id, whatever the order")
    func sdkShape() throws {
        let outcomes = try parse(
            """
            {"batch_id":"b1","total":3,"succeeded":2,"failed":1,"results":[
              {"ingestion_id":"i-c","document_id":"c","status":"queued","queued_at":"2024-01-01T00:00:00Z","error_message":null},
              {"ingestion_id":null,"document_id":"b","status":"failed","error_message":"document_id 'b' already exists"},
              {"ingestion_id":"i-a","document_id":"a","status":"queued","error_message":null}]}
            """)
        #expect(outcomes["a"] == .accepted(ingestionID: "i-a"))
        #expect(outcomes["c"] == .accepted(ingestionID: "i-c"))
        #expect(outcomes["b"] == .duplicate(message: "document_id 'b' already exists"))
    }

    @Test("docs shape: errors by index, results in order for the rest")
    func docsShape() throws {
        let outcomes = try parse(
            """
            {"results":[{"ingestion_id":"i-a","status":"queued"},{"ingestion_id":"i-c","status":"queued"}],
             "errors":[{"index":1,"code":"INVALID_INPUT","message":"document is empty"}]}
            """)
        #expect(outcomes["a"] == .accepted(ingestionID: "i-a"))
        #expect(outcomes["c"] == .accepted(ingestionID: "i-c"))
        #expect(outcomes["b"] == .rejected(code: "target_invalid_input", message: "document is empty"))
    }

    @Test("docs shape with a duplicate error code")
    func docsDuplicate() throws {
        let outcomes = try parse(
            #"{"results":[{"ingestion_id":"1","status":"queued"},{"ingestion_id":"2","status":"queued"}],"errors":[{"index":0,"code":"DUPLICATE","message":"seen"}]}"#
        )
        #expect(outcomes["a"] == .duplicate(message: "seen"))
        #expect(outcomes["b"] == .accepted(ingestionID: "1"))
    }

    @Test("what the answer does not account for is failed (sent again later), never assumed accepted")
    func unmatched() throws {
        let outcomes = try parse(#"{"results":[{"ingestion_id":"1","status":"queued"}]}"#)
        #expect(outcomes.values.allSatisfy { if case .failed = $0 { true } else { false } })
        #expect(throws: UploadError.self) { try parse("<html>oops</html>") }
    }

    /// The answer is read through JSONBytesParser; `JSONDecoder` decoding the same `Body` is the oracle, on
    /// generated answers with every field absent, null, of its type or of another, and bodies that are not JSON.
    /// Broken to see it fail: (1) a number accepted as a string field (`.integer` read as its text) — the answers
    /// with `"status": 7` were read where JSONDecoder refuses them; (2) `errors` ignored — the docs-shape outcomes
    /// differed.
    @Test func readAsJSONDecoderReadsIt() throws {
        var random = SeededGenerator(seed: 7)
        func pick(_ choices: [String]) -> String { choices.randomElement(using: &random)! }
        func field(_ name: String, _ strings: [String]) -> String? {
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return nil
            case 1: return "\"\(name)\":null"
            case 2: return "\"\(name)\":\(pick(["7", "true", "[]", "{}", "1.5"]))"
            default: return "\"\(name)\":\"\(pick(strings))\""
            }
        }
        func object(_ fields: [String?]) -> String { "{" + fields.compactMap { $0 }.joined(separator: ",") + "}" }
        let ids = (0..<5).map { "d\($0)" }
        var compared = 0
        var differing: [String] = []
        for _ in 0..<5_000 {
            let results = (0..<Int.random(in: 0...6, using: &random)).map { _ in
                Int.random(in: 0..<25, using: &random) == 0
                    ? pick(["1", "\"x\"", "null"])
                    : object([
                        field("ingestion_id", ["i1", "i2"]), field("document_id", ids + ["other"]),
                        field("status", ["queued", "failed", "Duplicate", "ok"]),
                        field("error_message", ["already exists", "bad"]), field("error", ["e"]),
                        field("code", ["DUPLICATE", "INVALID"]),
                    ])
            }
            let errors = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                object([
                    Int.random(in: 0..<6, using: &random) == 0
                        ? field("index", ["0"]) : "\"index\":\(pick(["0", "1", "4", "9", "-1", "2.0", "1e0", "2.5"]))",
                    field("document_id", ids), field("code", ["DUPLICATE", "BAD"]), field("message", ["m", "exists"]),
                ])
            }
            var parts: [String?] = [
                Int.random(in: 0..<8, using: &random) == 0
                    ? "\"results\":\(pick(["null", "{}", "3"]))" : "\"results\":[\(results.joined(separator: ","))]",
                errors.isEmpty ? nil : "\"errors\":[\(errors.joined(separator: ","))]", "\"total\":5",
            ]
            parts.shuffle(using: &random)
            var body = object(parts)
            switch Int.random(in: 0..<40, using: &random) {
            case 0: body = "[" + body + "]"
            case 1: body = String(body.dropLast())
            case 2: body = "<html>bad gateway</html>"
            default: break
            }
            let bytes = Array(body.utf8)
            let fast = Swift.Result { try SynapBatchResponse.outcomes(for: ids, body: bytes) }
            let oracle = Swift.Result {
                try SynapBatchResponse.outcomes(for: ids, body: bytes) {
                    try JSONDecoder().decode(SynapBatchResponse.Body.self, from: Data($0))
                }
            }
            compared += 1
            switch (fast, oracle) {
            case (.success(let a), .success(let b)) where a == b: continue
            case (.failure, .failure): continue
            default: differing.append(body)
            }
        }
        #expect(differing.isEmpty, "\(differing.count) of \(compared) differ, e.g. \(differing.prefix(3))")
    }

    @Test(
        "the duplicate wording rule",
        arguments: [
            ("document_id already exists", true), ("Duplicate document", true), ("CONFLICT on id", true),
            ("document is empty", false), ("invalid type", false),
        ])
    func duplicateRule(message: String, duplicate: Bool) {
        #expect(SynapBatchResponse.isDuplicate(code: nil, message: message) == duplicate)
    }
}

@Suite("Retry")
struct RetryTests {
    @Test("backoff doubles, is capped, jittered, and a longer Retry-After wins")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .seconds(1), maxDelay: .seconds(10))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0) == .milliseconds(500))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: 1) == .seconds(4))
        #expect(policy.delay(afterAttempt: 10, retryAfter: nil, random: 1) == .seconds(10))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(30), random: 0.5) == .seconds(30))
    }

    @Test("Retry-After in seconds or as an HTTP date")
    func retryAfter() {
        #expect(RetryAfter.parse("7") == .seconds(7))
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 2015-10-21 07:27:50 GMT
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.parse(nil) == nil)
    }
}
