import BackfillCore
import BackfillEmailAdapter
import Foundation
import Testing

/// `--strip quotes,signatures` through the email adapter (`context.options["strip"]`): each message's body
/// cleaned (HTML blocks, then the text pass), `metadata.stripped` when something was removed, and thread
/// documents holding each message's own text once.
///
/// Broken on purpose once each (then restored): `EmailOptions.stripKinds` returning no kinds failed all four;
/// the thread's sum left out (`stripped` not added in `threadContents`) failed `threadHoldsEachMessageOnce`;
/// `EmailMessage` leaving the HTML blocks' counts out failed `htmlPartsLoseTheirBlocks`.
@Suite struct StripTests {
    static let alice = """
        From alice@x.example Mon Jan  5 08:00:00 2015
        Message-ID: <a@x.example>
        From: Alice <alice@x.example>
        To: Bob <bob@y.example>
        Subject: Budget
        Date: Mon, 5 Jan 2015 08:00:00 +0000

        Hi Bob,

        The quarterly numbers are final and the budget is attached.

        Alice
        --\u{20}
        Alice Example
        Finance

        """

    static let bob = """
        From bob@y.example Mon Jan  5 09:00:00 2015
        Message-ID: <b@y.example>
        In-Reply-To: <a@x.example>
        References: <a@x.example>
        From: Bob <bob@y.example>
        To: Alice <alice@x.example>
        Subject: Re: Budget
        Date: Mon, 5 Jan 2015 09:00:00 +0000

        Thanks Alice, I will review the budget tonight.

        Bob

        On Mon, Jan 5, 2015 at 8:00 AM Alice <alice@x.example> wrote:

        > Hi Bob,
        >
        > The quarterly numbers are final and the budget is attached.
        >
        > Alice
        > --\u{20}
        > Alice Example
        > Finance

        """

    static let carol = """
        From alice@x.example Mon Jan  5 10:00:00 2015
        Message-ID: <c@x.example>
        In-Reply-To: <b@y.example>
        References: <a@x.example> <b@y.example>
        From: Alice <alice@x.example>
        To: Bob <bob@y.example>
        Subject: RE: Re: Budget
        Date: Mon, 5 Jan 2015 10:00:00 +0000

        Great, let us meet on Wednesday to sign it off.

        Alice

        Sent from my iPhone

        ________________________________
        From: Bob <bob@y.example>
        Sent: Monday, January 5, 2015 9:00 AM
        To: Alice <alice@x.example>
        Subject: Re: Budget

        Thanks Alice, I will review the budget tonight.

        Bob

        On Mon, Jan 5, 2015 at 8:00 AM Alice <alice@x.example> wrote:

        > Hi Bob,
        >
        > The quarterly numbers are final and the budget is attached.

        """

    static let strip = ["strip": "quotes,signatures"]

    static func stripped(_ document: MemoryDocument) -> [String: Int]? {
        guard case .object(let object)? = document.request.metadata?["stripped"] else { return nil }
        var counts: [String: Int] = [:]
        for (key, value) in object {
            if case .integer(let n) = value { counts[key] = Int(n) }
        }
        return counts
    }

    static func occurrences(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func messagesLoseQuotesAndSignatures() async throws {
        let mbox = Array((Self.alice + "\n" + Self.bob).utf8)
        let documents = try await readMbox(mbox, options: Self.strip).compactMap(\.document)
        try #require(documents.count == 2)
        let (a, b) = (documents[0].request.document, documents[1].request.document)
        #expect(a.hasSuffix("The quarterly numbers are final and the budget is attached.\n\nAlice"))
        #expect(!a.contains("Alice Example"))
        #expect(
            Self.stripped(documents[0])
                == [
                    "quoted_lines": 0, "quoted_characters": 0, "signature_lines": 3, "signature_characters": 23,
                    "forwards": 0,
                ])
        #expect(b.hasSuffix("Thanks Alice, I will review the budget tonight.\n\nBob"))
        #expect(!b.contains("quarterly") && !b.contains("wrote:"))
        #expect(
            Self.stripped(documents[1])
                == [
                    "quoted_lines": 9, "quoted_characters": 169, "signature_lines": 0, "signature_characters": 0,
                    "forwards": 0,
                ])
        // Off by default: the same mailbox keeps everything and says nothing.
        let plain = try await readMbox(mbox).compactMap(\.document)
        #expect(plain[1].request.document.contains("> The quarterly numbers are final"))
        #expect(plain.allSatisfy { Self.stripped($0) == nil })
        // Nothing to remove: no `stripped` key either.
        let note = "From c@x Mon Jan  5 11:00:00 2015\nMessage-ID: <n@x>\nSubject: note\n\nJust a note.\n"
        let untouched = try await readMbox(Array(note.utf8), options: Self.strip).compactMap(\.document)
        #expect(untouched.count == 1 && Self.stripped(untouched[0]) == nil)
    }

    @Test func htmlPartsLoseTheirBlocks() async throws {
        let html = """
            <div dir="ltr"><div>Tuesday works for me.</div><div><br></div><div>Siobhán</div><div><br></div>-- <br>\
            <div class="gmail_signature"><div>Siobhán Nguyen</div><div>Head of Finance</div></div></div><br>\
            <div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Jan 5, 2015 at 8:27 AM Bob Smith \
            &lt;bob@y.example&gt; wrote:<br></div><blockquote class="gmail_quote"><div>Can we meet on Tuesday?\
            </div><div><br></div><div>Bob</div></blockquote></div>
            """
        let message = """
            From s@x Mon Jan  5 08:30:00 2015
            Message-ID: <h@x.example>
            From: Siobhán Nguyen <siobhan@x.example>
            Subject: Re: Tuesday
            MIME-Version: 1.0
            Content-Type: text/html; charset=utf-8

            \(html)

            """
        let documents = try await readMbox(Array(message.utf8), options: Self.strip).compactMap(\.document)
        try #require(documents.count == 1)
        let text = documents[0].request.document
        #expect(text.hasSuffix("Tuesday works for me.\n\nSiobhán"))
        #expect(!text.contains("Can we meet") && !text.contains("Head of Finance"))
        // The HTML blocks (3 quoted lines, 89 characters; 2 signature lines, 29) and the text pass's "--" line.
        #expect(
            Self.stripped(documents[0])
                == [
                    "quoted_lines": 3, "quoted_characters": 89, "signature_lines": 3, "signature_characters": 31,
                    "forwards": 0,
                ])
    }

    @Test func forwardedMessagesAreKept() async throws {
        let message = """
            From s@x Mon Jan  5 08:30:00 2015
            Message-ID: <f@x.example>
            From: Siobhán Nguyen <siobhan@x.example>
            Subject: Fwd: Invoice
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain; charset=utf-8

            FYI, see below.
            --b
            Content-Type: message/rfc822

            From: Carol Jones <carol@z.example>
            Subject: Invoice 42
            Date: Sun, 4 Jan 2015 18:00:00 +0000

            Invoice 42 is attached.
            --b--

            """
        let documents = try await readMbox(Array(message.utf8), options: Self.strip).compactMap(\.document)
        try #require(documents.count == 1)
        let text = documents[0].request.document
        #expect(text.contains("FYI, see below.\n\n[forwarded message]\nFrom: Carol Jones <carol@z.example>"))
        #expect(text.hasSuffix("Invoice 42 is attached."))
        #expect(!text.contains("---------- Forwarded message"))
        #expect(Self.stripped(documents[0])?["forwards"] == 1)
        #expect(Self.stripped(documents[0])?["quoted_lines"] == 0)
    }

    @Test func threadHoldsEachMessageOnce() async throws {
        let mbox = Array((Self.alice + "\n" + Self.bob + "\n" + Self.carol).utf8)
        var options = Self.strip
        options["group-by"] = "thread"
        let threads = try await readMbox(mbox, options: options).compactMap(\.document)
        try #require(threads.count == 1)
        let text = threads[0].request.document
        #expect(Self.occurrences("The quarterly numbers are final", in: text) == 1)
        #expect(Self.occurrences("I will review the budget tonight", in: text) == 1)
        #expect(Self.occurrences("meet on Wednesday", in: text) == 1)
        #expect(!text.contains("Sent from my iPhone") && !text.contains("Alice Example"))
        // The thread's metadata sums its messages' counts.
        let counts = try #require(Self.stripped(threads[0]))
        let perMessage = try await readMbox(mbox, options: Self.strip).compactMap(\.document).compactMap(Self.stripped)
        for key in ["quoted_lines", "quoted_characters", "signature_lines", "signature_characters", "forwards"] {
            #expect(counts[key] == perMessage.reduce(0) { $0 + ($1[key] ?? 0) }, "\(key)")
        }
        #expect((counts["quoted_lines"] ?? 0) > 9 && counts["signature_lines"] == 4)
        // Without `--strip` the first message's text is there three times (the test tells the cases apart).
        let plain = try await readMbox(mbox, options: ["group-by": "thread"]).compactMap(\.document)
        #expect(Self.occurrences("The quarterly numbers are final", in: plain[0].request.document) == 3)
    }
}
