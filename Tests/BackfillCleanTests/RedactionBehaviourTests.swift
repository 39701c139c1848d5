import BackfillClean
import Foundation
import Testing

/// The redactor's contract: placeholders keyed per job, counts, untouched text, kinds, order, idempotence,
/// `parseKinds`, and bounded time on hostile input.
@Suite("Redaction: behaviour")
struct RedactionBehaviourTests {
    // Broken to see it fail: the HMAC keyed with a constant instead of the job's key — the placeholders for the
    // two keys were equal; the kind left out of the HMAC message — the expected placeholder differed.
    @Test("placeholders: one value twice gets one placeholder, two values two, another key another")
    func stability() {
        let text = "alice@example.org wrote to bob@example.net, cc alice@example.org"
        let alice = RedactionFixture.placeholder(.email, "alice@example.org")
        let bob = RedactionFixture.placeholder(.email, "bob@example.net")
        let result = RedactionFixture.redact(text)
        #expect(result.text == "\(alice) wrote to \(bob), cc \(alice)")
        #expect(result.counts == [.email: 3])
        #expect(alice != bob)
        let other = RedactionFixture.redact(text, key: RedactionFixture.otherKey)
        #expect(
            other.text
                == "\(RedactionFixture.placeholder(.email, "alice@example.org", key: RedactionFixture.otherKey)) wrote to "
                + "\(RedactionFixture.placeholder(.email, "bob@example.net", key: RedactionFixture.otherKey)), cc "
                + "\(RedactionFixture.placeholder(.email, "alice@example.org", key: RedactionFixture.otherKey))")
        #expect(other.text != result.text)
        #expect(RedactionFixture.redact("ALICE@Example.ORG").text == alice, "e-mail normalised to lower case")
        #expect(alice.count == "[email-".count + 9 && alice.hasSuffix("]"))
    }

    // Broken to see it fail: the count incremented for every kind's matches under `.email` — the counts were
    // `[email: 7]`.
    @Test("counts per kind, and only the enabled kinds replaced")
    func countsAndKinds() {
        let text = """
            Mail a@b.example or c@d.example, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00,
            call +49 30 1234567, server 192.0.2.10, token ghp_NQ9rbxo2Tag1YkWilalO5Vr67B2RmqsKs3U9.
            """
        let all = RedactionFixture.redact(text)
        #expect(all.counts == [.email: 2, .card: 1, .iban: 1, .phone: 1, .ip: 1, .secret: 1])
        let some = RedactionFixture.redact(text, kinds: [.card, .ip])
        #expect(some.counts == [.card: 1, .ip: 1])
        #expect(some.text.contains("a@b.example") && some.text.contains("DE89 3704") && some.text.contains("+49 30"))
        #expect(some.text.contains(RedactionFixture.placeholder(.card, "4111111111111111")))
        #expect(!some.text.contains("192.0.2.10"))
        #expect(RedactionFixture.redact(text, kinds: []).text == text)
        // A disabled kind still claims its bytes: the IBAN's digits do not become a phone number.
        #expect(RedactionFixture.redact("DE89 3704 0044 0532 0130 00", kinds: [.phone]).counts.isEmpty)
    }

    // Broken to see it fail: `redact` rebuilt the output even without matches — the storage differed.
    @Test("text without matches comes back unchanged, the same storage")
    func unchanged() {
        let text = String(repeating: "Nothing to see here, just words and punctuation: (a), [b]; c - d!\n", count: 200)
        let result = RedactionFixture.redact(text)
        #expect(result.text == text && result.counts.isEmpty)
        let before = text.utf8.withContiguousStorageIfAvailable { $0.baseAddress }
        let after = result.text.utf8.withContiguousStorageIfAvailable { $0.baseAddress }
        #expect(before != nil && before == after, "copied")
        #expect(RedactionFixture.redact("").text == "")
        let bridged = NSString(string: "no values here") as String
        #expect(RedactionFixture.redact(bridged).text == "no values here")
    }

    // Broken to see it fail: placeholders not recognised in assignment values — `password=[secret-…]` was
    // redacted again.
    @Test("redacting twice changes nothing: no kind matches a placeholder")
    func idempotent() {
        let text = """
            alice@example.org +49 30 1234567 (555) 123-4567 Tel: 4815162342 4111 1111 1111 1111
            DE89370400440532013000 192.0.2.10 2001:db8::1 password=hunter2 token: s3cr3t-42
            Authorization: Bearer abc.def.ghi https://u:pw@h.example AKIAIOSFODNN7EXAMPLE Tel:0301234567
            Authorization: Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEFoQMCAQ6iBwMFACAAAACjggR9
            """
        let once = RedactionFixture.redact(text)
        #expect(once.counts == [.email: 1, .phone: 4, .card: 1, .iban: 1, .ip: 2, .secret: 6], "\(once.counts)")
        let twice = RedactionFixture.redact(once.text)
        #expect(twice.text == once.text)
        #expect(twice.counts.isEmpty, "\(twice.counts)")
    }

    // Broken to see it fail: phones tried before cards — `Tel: 4111 1111 1111 1111` became a phone; numbers
    // allowed before `@` — the card inside the address's local part was replaced on its own.
    @Test("order where kinds overlap: secret, email, iban, card, ip, phone; claimed bytes are not scanned again")
    func overlaps() {
        func p(_ kind: RedactionKind, _ value: String) -> String { RedactionFixture.placeholder(kind, value) }
        #expect(
            RedactionFixture.redact("4111111111111111@example.com").text == p(.email, "4111111111111111@example.com"))
        #expect(RedactionFixture.redact("password=555-123-4567").text == "password=" + p(.secret, "555-123-4567"))
        #expect(RedactionFixture.redact("token=alice@example.org").text == "token=" + p(.secret, "alice@example.org"))
        #expect(RedactionFixture.redact("Tel: 4111 1111 1111 1111").text == "Tel: " + p(.card, "4111111111111111"))
        #expect(RedactionFixture.redact("Tel: 192.168.0.1").text == "Tel: " + p(.ip, "192.168.0.1"))
        #expect(RedactionFixture.redact("user:pw@192.0.2.1").text == "user:pw@" + p(.ip, "192.0.2.1"))
        let pem = "-----BEGIN PRIVATE KEY-----\nalice@example.org 4111111111111111\n-----END PRIVATE KEY-----"
        #expect(RedactionFixture.redact(pem).text == p(.secret, pem))
    }

    // Broken to see it fail: the error named only the bad word — the message lacked the known kinds.
    @Test("parseKinds: names and all, case-insensitive, spaces allowed; a bad kind is named with the valid ones")
    func parseKinds() throws {
        #expect(try Redactor.parseKinds("email,phone") == [.email, .phone])
        #expect(try Redactor.parseKinds(" Card , IBAN ,ip ") == [.card, .iban, .ip])
        #expect(try Redactor.parseKinds("ALL") == Set(RedactionKind.allCases))
        #expect(try Redactor.parseKinds("secret,all") == Set(RedactionKind.allCases))
        #expect(try Redactor.parseKinds("email,") == [.email])
        do {
            _ = try Redactor.parseKinds("email, emails")
            Issue.record("no error")
        } catch let error as RedactionKindError {
            #expect(error.word == "emails")
            #expect("\(error)" == "unknown --redact kind 'emails' (known: email, phone, card, iban, ip, secret, all)")
        }
        #expect(throws: RedactionKindError(word: "")) { try Redactor.parseKinds(" , ") }
        #expect(Redactor(kinds: [.ip], key: RedactionFixture.key).kinds == [.ip])
    }

    // Broken to see it fail: the PEM search not stopped at the next BEGIN — the run of BEGIN lines took over
    // 20 s; the local part not capped at 64 bytes — the `a@` run took over 20 s (both debug builds).
    @Test("hostile input: 1 MB runs finish quickly and do not crash")
    func hostile() {
        let inputs = [
            String(repeating: "1", count: 1 << 20), String(repeating: "@", count: 1 << 20),
            String(repeating: "a@", count: 1 << 19), String(repeating: "-----BEGIN ", count: 1 << 16),
            String(repeating: "-----BEGIN RSA PRIVATE KEY-----\n", count: 1 << 15),
            "-----BEGIN RSA PRIVATE KEY-----\n" + String(repeating: "QUFB", count: 1 << 18),
            String(repeating: ":", count: 1 << 20), String(repeating: "1:", count: 1 << 19),
            String(repeating: "fe80::", count: 1 << 17), String(repeating: "1 ", count: 1 << 17),
            String(repeating: "(1", count: 1 << 17), String(repeating: "password=", count: 1 << 15),
            String(repeating: "https://a:", count: 1 << 16) + String(repeating: "@", count: 1 << 16),
            "a@" + String(repeating: "ä.", count: 1 << 18), String(repeating: "DE89 ", count: 1 << 17),
            String(repeating: "eyJhbGciOi.", count: 1 << 16), String(repeating: "a", count: 1 << 20) + "@example.com",
        ]
        for input in inputs {
            let clock = ContinuousClock()
            let elapsed = clock.measure { _ = RedactionFixture.redact(input) }
            #expect(elapsed < .seconds(20), "\(input.prefix(20))…: \(elapsed)")
        }
    }
}
