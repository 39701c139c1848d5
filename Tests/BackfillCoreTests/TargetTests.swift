import BackfillCore
import BackfillPipeline
import BackfillSynapTarget
import BackfillTargets
import Foundation
import Testing

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

    @Test("the duplicate wording rule", arguments: [
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
