import BackfillClean
import Testing

/// Secrets: PEM blocks, credentials after `Authorization:`, URL passwords, assignments and token shapes; what
/// introduces them stays, prose and identifiers survive.
@Suite("Redaction: secrets")
struct RedactionSecretTests {
    static let body = "MIIEowIBAAKCAQEAx4Ldb3mE\nq+/8Zm0Pp9cXb2Y3kVQ==\n"

    // Broken to see it fail: the END label not compared with the BEGIN label — the block ending in the wrong
    // label was replaced; the 100-line limit raised to 1,000 — the block whose END is on line 102 was replaced.
    @Test("PEM: each private key block becomes one placeholder; no END within 100 lines, or a public block, stays")
    func privateKeyBlocks() {
        for label in [
            "RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "DSA PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK",
        ] {
            let block = "-----BEGIN \(label)-----\n\(Self.body)-----END \(label)-----"
            let result = RedactionFixture.redact("Here is the key:\n\(block)\nThanks, Bob 555-123-4567")
            let phone = RedactionFixture.placeholder(.phone, "5551234567")
            #expect(
                result.text == "Here is the key:\n\(RedactionFixture.placeholder(.secret, block))\nThanks, Bob \(phone)"
            )
            #expect(result.counts == [.secret: 1, .phone: 1])
        }
        let far =
            "-----BEGIN RSA PRIVATE KEY-----\n" + String(repeating: "QUFB\n", count: 101)
            + "-----END RSA PRIVATE KEY-----"
        let near =
            "-----BEGIN EC PRIVATE KEY-----\n" + String(repeating: "QUFB\n", count: 99) + "-----END EC PRIVATE KEY-----"
        #expect(RedactionFixture.redact(near).text == RedactionFixture.placeholder(.secret, near))
        RedactionFixture.expectKept([
            far, "-----BEGIN RSA PRIVATE KEY-----\n\(Self.body)(the rest was cut off)",
            "-----BEGIN RSA PRIVATE KEY-----\n\(Self.body)-----END EC PRIVATE KEY-----",
            "-----BEGIN CERTIFICATE-----\n\(Self.body)-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\n\(Self.body)-----END PUBLIC KEY-----", "-----BEGIN PRIVATE KEY", "-- \nBob",
        ])
        let truncated = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"
        let inner = "-----BEGIN EC PRIVATE KEY-----\n\(Self.body)-----END EC PRIVATE KEY-----"
        let result = RedactionFixture.redact(truncated + inner)
        #expect(result.text == truncated + RedactionFixture.placeholder(.secret, inner), "the later complete block")
    }

    // Broken to see it fail: the whole header value replaced (scheme included) — `Bearer ` was lost; the Digest
    // rule dropped — only `username="bob",` was replaced.
    @Test("Authorization: the credential replaced, the header name and scheme kept")
    func authorization() {
        RedactionFixture.expectRedacted(
            .secret,
            [
                "Authorization: Bearer «eyJhbGciOiJIUzI1NiJ9.abc.def»", "Authorization: Basic «dXNlcjpwYXNzd29yZA==»",
                "authorization:token «ghp_NQ9rbxo2Tag1YkWilalO5Vr67B2RmqsKs3U9»",
                "Proxy-Authorization: Basic «QWxhZGRpbjpvcGVu»",
                "curl -H \"Authorization: Bearer «0123456789abcdef»\" https://api.example/v1",
                "{\"Authorization\": \"Bearer «abc.def-ghi_jkl»\"}",
                "Authorization: Digest «username=\"bob\", realm=\"x\", response=\"6629fae49393a05397450978507c4ef1\"»",
                "Authorization: «abcdef1234567890»",
            ])
        RedactionFixture.expectKept(["Authorization: Bearer", "The authorization: pending", "Authorization required"])
    }

    // Broken to see it fail: the user replaced with the password (`user:password` as the value) — `deploy:` was
    // lost; the last `@` not used — `p@ss` left `ss` behind.
    @Test("URL passwords: only the password of scheme://user:password@host")
    func urlPasswords() {
        RedactionFixture.expectRedacted(
            .secret,
            [
                "Clone https://deploy:«Xk9-pQ2_zr!»@git.acme.example/repo.git", "postgres://app:«hunter2»@db:5432/prod",
                "ftp://:«pw123»@ftp.example", "https://user:«p@ss»@host.example/x",
                "redis://default:«s3cr3t»@cache.example:6379",
            ])
        RedactionFixture.expectKept(["https://example.com/a:b@c", "see https://example.com:8080/path", "http://:@host"])
        let mixed = RedactionFixture.redact("https://user:pass@10.0.0.1/")
        #expect(
            mixed.text
                == "https://user:\(RedactionFixture.placeholder(.secret, "pass"))@\(RedactionFixture.placeholder(.ip, "10.0.0.1"))/"
        )
    }

    // Broken to see it fail: the "looks like a value" rule after `:` dropped — `The password: it is on the
    // fridge` lost `it`; the template rule dropped — `${DB_PASSWORD}` became a placeholder.
    @Test("assignments: password=, passwd:, api_key=, apikey:, secret=, token= and variants; the value only")
    func assignments() {
        RedactionFixture.expectRedacted(
            .secret,
            [
                "password=«hunter2»", "passwd: «s3cr3t!»", "api_key=«abc123»", "apikey: «Zx9_abcd»", "secret=«xyz»",
                "token=«abc»", "DB_PASSWORD=«hunter2»", "{\"api_key\": \"«abc 123 xyz»\"}",
                "client_secret = '«s3cr3t»'",
                "GITHUB_TOKEN=«ghp_NQ9rbxo2Tag1YkWilalO5Vr67B2RmqsKs3U9»", "x-api-key: «4f9a2c1b7e»",
                "https://x.example/cb?access_token=«abc123»&state=1", "pwd=«Abc&def#1»", "password := «x1y2z3»",
                "aws_secret_access_key = «wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY»", "Password: «CorrectHorse»",
                "spring.datasource.password=«p4ss»;", "passphrase=«ab12»",
            ])
        RedactionFixture.expectKept([
            "I forgot my password.", "The password: it is on the fridge.", "Your password is safe", "password reset",
            "password=", "password=${DB_PASSWORD}", "token: null", "secret: true", "password: ********",
            "The secret: we ship Friday", "if password == other {", "token != nil", "password={{ vault_pw }}",
            "Top secret: everything", "PWD is the working directory",
        ])
    }

    // Broken to see it fail: the GitHub length check lowered to 10 — `ghp_short0123456789` became a placeholder;
    // the JWT's second `eyJ` not required — `eyJabcdefghij.klmnopqrstu.vwxyz012345` did.
    @Test("tokens: AWS, GitHub, Slack, Stripe, Google, OpenAI, JWT; hashes, UUIDs, base64 and look-alikes kept")
    func tokens() {
        RedactionFixture.expectRedacted(
            .secret,
            [
                "«AKIAIOSFODNN7EXAMPLE»", "aws_access_key_id = «AKIAOC5SVOESHPCCM3DA»", "«ASIAY34FZKBOKMUTVV7A».",
                "«ghp_NQ9rbxo2Tag1YkWilalO5Vr67B2RmqsKs3U9»", "(«gho_i5kkGtpNo1kRSHEe2oeFWzEa5JBSbxa3HCmn»)",
                "«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»",
                "«xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx»", "«xoxp-1234-5678-abcdef»",
                "«sk_live_4eC39HqLyjWDarjtT1zdp7dc», «rk_live_4eC39HqLyjWDarjtT1»",
                "«sk_test_26PHem9AhJZvU623DfE1x4sd»",
                "«AIzaeQv8IB8hdY88yTdTxBIUFmDi8x2y4RuMER_»",
                "«sk-proj-q7ttj-CHCvg6moWuXovhmwNDQnciepX3MNpqc4VKrb5icPEY»",
                "«sk-Uz11kL3RVz0pFznWlIaShy2RdWoaSakaC6aJMAe814ngbj87»",
                "«eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c».",
            ])
        RedactionFixture.expectKept([
            "commit 3f786850e387550fdab836ed7e6dc881de23001b", "fixed in 3f78685",
            "id 123e4567-e89b-12d3-a456-426614174000",
            "<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\">",
            "sk-learn and scikit-learn", "AKIAEXAMPLE", "ghp_short0123456789", "eyJhbGciOiJIUzI1NiJ9", "xoxb-123",
            "eyJabcdefghij.klmnopqrstu.vwxyz012345", "AKIAIOSFODNN7EXAMPLEX", "xAKIAIOSFODNN7EXAMPLE",
            "sk_live_", "skills and risks", "eyes",
        ])
    }
}
