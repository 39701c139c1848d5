import BackfillCore
import BackfillEmailAdapter
import BackfillTestSupport
import Foundation
import Testing

@Suite("Email goldens")
struct EmailGoldenTests {
    static let files = [
        "email/takeout.mbox", "email/mime.mbox", "email/crlf.mbox", "email/offsite.eml", "email/utf16.eml",
        "bad/email/truncated.mbox", "bad/email/garbage.mbox", "bad/email/not-an-mbox.mbox", "bad/email/empty.eml",
    ]

    @Test(arguments: files)
    func sample(_ relative: String) async throws {
        let outputs = try await readFile(samplesRoot.appendingPathComponent(relative).path, displayPath: relative)
        #expect(!outputs.isEmpty, "never a silent drop")
        try checkGolden(outputs, name: relative.replacingOccurrences(of: "/", with: "__") + ".expected.jsonl")
    }

    @Test func takeoutThreads() async throws {
        let outputs = try await readFile(
            samplesRoot.appendingPathComponent("email/takeout.mbox").path, displayPath: "email/takeout.mbox",
            options: ["group-by": "thread"])
        try checkGolden(outputs, name: "email__takeout.mbox.group-by-thread.expected.jsonl")
        let documents = outputs.compactMap(\.document)
        #expect(documents.count == 2)
        #expect(documents.first?.id == "email-thread:caroot-0001@mail.gmail.com")
        #expect(documents.first?.request.metadata?.objectValue?["message_count"] == .integer(3))
    }

    @Test func maildir() async throws {
        let outputs = try await readMaildir(samplesRoot.appendingPathComponent("email/maildir"), displayPath: "email/maildir")
        try checkGolden(outputs, name: "email__maildir.expected.jsonl")
        let documents = outputs.compactMap(\.document)
        #expect(documents.count == 3)
        let folders = documents.compactMap { $0.request.metadata?.objectValue?["folder"] }
        #expect(folders == [.string("INBOX"), .string("INBOX"), .string("Work/Projects")])
        #expect(documents[0].request.metadata?.objectValue?["flags"] == .array([.string("replied"), .string("seen")]))
        #expect(documents[1].createdAtFallback == "maildir delivery time")
        #expect(documents[1].request.documentCreatedAt == "2015-01-06T10:01:43Z")
    }

    @Test func maildirThreads() async throws {
        let outputs = try await readMaildir(
            samplesRoot.appendingPathComponent("email/maildir"), displayPath: "email/maildir",
            options: ["group-by": "thread"])
        try checkGolden(outputs, name: "email__maildir.group-by-thread.expected.jsonl")
        #expect(outputs.compactMap(\.document).map(\.id) == ["email-thread:md-1@example.com", "email-thread:md-3@example.com"])
    }
}

@Suite("mbox framing and MIME")
struct EmailBehaviourTests {
    func takeout() async throws -> [MemoryDocument] {
        try await readFile(samplesRoot.appendingPathComponent("email/takeout.mbox").path).compactMap(\.document)
    }

    @Test func takeoutFraming() async throws {
        let documents = try await takeout()
        #expect(documents.count == 4)
        let first = try #require(documents.first)
        #expect(first.id == "email:caroot-0001@mail.gmail.com")
        #expect(first.request.document.contains("From the start of the quarter"))
        #expect(first.request.metadata?.objectValue?["labels"] == .array([.string("Inbox"), .string("Important"), .string("Ärger"), .string("Work/Projects")]))
        #expect(first.request.metadata?.objectValue?["thread_id"] == .string("1723853304940284153"))
        #expect(first.request.documentCreatedAt == "2022-02-04T17:10:20Z")
        #expect(first.provenance.position.byteOffset == 0)
        #expect(documents[1].request.document.contains("\nFrom now on I will send"))
        #expect(!documents[1].request.document.contains(">From now on"))
        // format=flowed: the soft break is joined.
        #expect(documents[1].request.document.contains("I moved the  remaining items"))
        // No Date: the first Received header, counted as a fallback.
        #expect(documents[3].createdAtOrigin == .fallback)
        #expect(documents[3].createdAtFallback == "first Received header")
        #expect(documents[3].request.metadata?.objectValue?["subject"] == .string("Your weekly digest — café edition"))
        #expect(documents[3].request.document.contains("- Item one"))
        #expect(!documents[3].request.document.contains("color: red"))
    }

    @Test func mimeVariety() async throws {
        let documents = try await readFile(samplesRoot.appendingPathComponent("email/mime.mbox").path).compactMap(\.document)
        #expect(documents.count == 5)
        let alt = documents[0].request.document
        #expect(alt.contains("wrapped by a soft break,and this one uses a CRLF soft break."))
        #expect(alt.contains("\n>From the notes"))
        #expect(!alt.contains("HTML version"))
        let invoice = documents[1]
        #expect(invoice.request.document.contains("“as promised” – total €120."))
        let attachments = invoice.request.metadata?.objectValue?["attachments"]?.arrayValue ?? []
        #expect(attachments.count == 2)
        #expect(attachments.first?.objectValue?["name"] == .string("Factura été Q3.pdf"))
        #expect(invoice.request.metadata?.objectValue?["from_name"] == .string("Bob Builder"))
        #expect(documents[2].request.document.contains("The renewal price stays at 1,250 € per year."))
        #expect(documents[3].request.document.contains("Welcome to the list.") && documents[3].request.document.contains("Glad to be here."))
        #expect(documents[4].id.hasPrefix("email:") && documents[4].id.count == "email:".count + 32)
        #expect(documents[4].request.document.contains("Kraków, Łódź, 北京."))
    }

    @Test func cursorResume() async throws {
        let bytes = Array(try Data(contentsOf: samplesRoot.appendingPathComponent("email/mime.mbox")))
        let all = try await readMbox(bytes).compactMap(\.document)
        let cursor = try #require(all[1].cursorAfter)
        #expect(cursor.recordIndex == 2)
        #expect(all[2].provenance.position.byteOffset == cursor.byteOffset)
        for seekable in [true, false] {
            let rest = try await readMbox(bytes, cursor: cursor, seekable: seekable).compactMap(\.document)
            #expect(rest.map(\.id) == all.dropFirst(2).map(\.id))
            #expect(rest.first?.provenance.position.recordIndex == 3)
        }
    }

    @Test func bodyFromLinesNeverSplit() async throws {
        let mbox = """
            From a@example.com Mon Jan  5 10:01:43 2015
            Message-ID: <x@y>
            Subject: one

            From here on, we meet at 10:30 on Jan 5 2015.
            From a@example.com yesterday
            >From quoted
            >>From double

            From b@example.com Fri Feb 04 17:10:22 +0000 2022
            Message-ID: <z@y>
            Subject: two

            body
            """
        let documents = try await readMbox(Array(mbox.utf8)).compactMap(\.document)
        #expect(documents.count == 2)
        #expect(documents[0].request.document.contains("From here on, we meet"))
        #expect(documents[0].request.document.contains("\nFrom quoted\n>From double"))
        #expect(documents[1].provenance.position.recordIndex == 2)
    }

    @Test func hugeHeaderLineAndOversize() async throws {
        var bytes = Array("From a@example.com Mon Jan  5 10:01:43 2015\nMessage-ID: <h@y>\nX-Long: ".utf8)
        bytes += [UInt8](repeating: 0x61, count: 1 << 20)
        bytes += Array("\nSubject: long header\n\nbody\n\nFrom b@example.com Mon Jan  5 10:01:44 2015\nMessage-ID: <i@y>\n\nsecond\n".utf8)
        let outputs = try await readMbox(bytes)
        #expect(outputs.compactMap(\.document).map(\.id) == ["email:h@y", "email:i@y"])
        let capped = try await readMbox(bytes, options: ["max-message-bytes": "65536"])
        #expect(capped.first?.skipped?.code == "message_too_large")
        #expect(capped.first?.skipped?.position.byteOffset == 0)
        #expect(capped.compactMap(\.document).map(\.id) == ["email:i@y"])
    }

    @Test func randomGarbageNeverCrashes() async throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            var bytes = Array("From a@example.com Mon Jan  5 10:01:43 2015\nContent-Type: multipart/mixed; boundary=x\n\n--x\n".utf8)
            for _ in 0..<(2000 + round * 300) { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
            let outputs = try await readMbox(bytes)
            #expect(!outputs.isEmpty)
            _ = try await readMbox(bytes, options: ["group-by": "thread"])
        }
    }

    @Test func identityMap() async throws {
        let identities = IdentityMap(["wei.chen@example.org": .init(userID: "u-wei", customerID: "acme")])
        let documents = try await readFile(
            samplesRoot.appendingPathComponent("email/takeout.mbox").path, identities: identities
        ).compactMap(\.document)
        // From wins over To: Maria's mail to Wei maps through To; Wei's own mail through From.
        #expect(documents[0].request.userID == "u-wei")
        #expect(documents[1].request.customerID == "acme")
        #expect(documents[3].request.userID == nil)
    }

    @Test func maildirBundleClaims() {
        let adapter = MaildirAdapter()
        #expect(adapter.claimsBundle(memberPaths: ["cur/", "new/", "tmp/"]))
        #expect(adapter.claimsBundle(memberPaths: ["cur/", "new/", ".Sent/", "dovecot-uidlist"]))
        #expect(!adapter.claimsBundle(memberPaths: ["channels.json", "users.json", "general/"]))
        #expect(adapter.claimsBundle(memberPaths: ["Maildir/cur/1:2,S", "Maildir/new/2", "Maildir/dovecot-uidlist"]))
        #expect(!adapter.claimsBundle(memberPaths: ["Maildir/cur/1:2,S", "notes.txt"]))
    }

    @Test func sniffing() {
        func probe(_ name: String, _ text: String) -> SourceProbe {
            SourceProbe(fileName: name, displayPath: name, head: Array(text.utf8), size: nil)
        }
        #expect(MboxAdapter().sniff(probe("Inbox", "From 1723853304940284153@xxx Fri Feb 04 17:10:22 +0000 2022\n")) == .certain)
        #expect(MboxAdapter().sniff(probe("x.txt", "From here on we talk.\n")) == .no)
        #expect(MboxAdapter().sniff(probe("x.mbox", "hello")) == .likely)
        #expect(EMLAdapter().sniff(probe("a.eml", "From: a@b\nTo: c@d\nSubject: x\n\nhi")) == .certain)
        #expect(EMLAdapter().sniff(probe("1420452103.M1P100.host:2,S", "Return-Path: <a@b>\nDate: x\n\nhi")) == .possible)
        #expect(EMLAdapter().sniff(probe("notes.md", "# Title\n\ntext")) == .no)
    }
}
