import BackfillCore
import BackfillEmailAdapter
import BackfillTestSupport
import Foundation
import Testing

/// Metadata carries Message-IDs and addresses as the headers write them; `document_id`s and thread keys keep the
/// lower-cased id every existing ledger was written with (issue 14).
@Suite("Email identities as written")
struct EmailIdentityCaseTests {
    // Fails when the id is lower-cased for metadata again: broken by putting `ByteSearch.lower(byte)` back into
    // `HeaderText.normaliseID` (message_id became "offsite-2020@example.com").
    // Fails when document ids follow the written case: broken by dropping `HeaderText.idKey` from
    // `EmailDocumentBuilder.documentID` (document_id became "email:Offsite-2020@Example.COM").
    @Test("the corpus's mixed-case ids: metadata.message_id as written, document_id lower-cased as before")
    func corpus() async throws {
        let eml = try await readFile(samplesRoot.appendingPathComponent("email/offsite.eml").path)
        let offsite = try #require(eml.compactMap(\.document).first)
        #expect(offsite.request.metadata?["message_id"] == .string("Offsite-2020@Example.COM"))
        #expect(offsite.id == "email:offsite-2020@example.com")
        // thread_id is a key shared by a thread's messages: lower-cased like document ids (an .eml read alone too;
        // broken by dropping `.map(HeaderText.idKey)` from `threadIDStateless`).
        #expect(offsite.request.metadata?["thread_id"] == .string("offsite-2020@example.com"))

        let mbox = try await readFile(samplesRoot.appendingPathComponent("email/takeout.mbox").path)
        let documents = mbox.compactMap(\.document)
        let reply = try #require(documents.first { $0.id == "email:careply-0002@mail.gmail.com" })
        #expect(reply.request.metadata?["message_id"] == .string("CAreply-0002@mail.gmail.com"))
        #expect(reply.request.metadata?["in_reply_to"] == .string("CAroot-0001@mail.gmail.com"))
        // The thread key stays the lower-cased root, shared by every message of the thread.
        #expect(reply.request.metadata?["thread_id"] != nil)
        let threadIDs = documents.filter { $0.id.hasPrefix("email:ca") }.map { $0.request.metadata?["thread_id"] }
        #expect(threadIDs.count == 3 && threadIDs.allSatisfy { $0 == threadIDs.first })
    }

    // Broken by putting `.lowercased()` back on `sender.address` / the addresses list in EmailDocuments.swift:
    // `from` became "zoe.q@example.com".
    @Test("addresses, In-Reply-To and thread members keep their case; References in another case join the thread")
    func mixedCaseHeaders() async throws {
        let mbox = """
            From zoe@example.com Mon Jan  5 10:00:00 2015
            From: Zoe Q <Zoe.Q@Example.COM>
            To: Ops@Example.org, "Wei" <Wei.Chen@Example.org>
            Subject: root
            Date: Mon, 5 Jan 2015 10:00:00 +0000
            Message-ID: <Root-ABC@Host.Example>

            hello
            From ops@example.org Mon Jan  5 11:00:00 2015
            From: ops@example.org
            To: zoe.q@example.com
            Subject: Re: root
            Date: Mon, 5 Jan 2015 11:00:00 +0000
            Message-ID: <Reply-XYZ@Host.Example>
            In-Reply-To: <ROOT-abc@host.example>
            References: <ROOT-abc@host.example>

            hi

            """
        let outputs = try await readMbox(Array(mbox.utf8))
        let documents = outputs.compactMap(\.document)
        try #require(documents.count == 2)
        let root = documents[0]
        #expect(root.id == "email:root-abc@host.example")
        #expect(root.request.metadata?["message_id"] == .string("Root-ABC@Host.Example"))
        #expect(root.request.metadata?["from"] == .string("Zoe.Q@Example.COM"))
        #expect(root.request.metadata?["to"] == .array([.string("Ops@Example.org"), .string("Wei.Chen@Example.org")]))
        let reply = documents[1]
        #expect(reply.request.metadata?["in_reply_to"] == .string("ROOT-abc@host.example"))
        #expect(reply.request.metadata?["thread_id"] == root.request.metadata?["thread_id"])
        #expect(root.request.metadata?["thread_id"] == .string("root-abc@host.example"))

        let threads = try await readMbox(Array(mbox.utf8), options: ["group-by": "thread"]).compactMap(\.document)
        try #require(threads.count == 1)
        #expect(threads[0].id == "email-thread:root-abc@host.example")
        #expect(
            threads[0].request.metadata?["message_ids"]
                == .array([.string("Root-ABC@Host.Example"), .string("Reply-XYZ@Host.Example")]))
        // One participant per address whatever its case, as first written.
        #expect(
            threads[0].request.metadata?["participants"]
                == .array([.string("Zoe.Q@Example.COM"), .string("Ops@Example.org"), .string("Wei.Chen@Example.org")]))
    }
}
