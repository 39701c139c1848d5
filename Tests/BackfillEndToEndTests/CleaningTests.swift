import BackfillLedger
import BackfillTestSupport
import Crypto
import Foundation
import Testing

/// `--redact` and `--strip` through the CLI (issue 20): what leaves is cleaned, the placeholders are the job's, the
/// content hash is taken after cleaning, the key stays in the ledger. Broken to see these fail: (1) `CleanStep` not
/// applied to metadata — `metadata.from` still held the address; (2) the redaction key made per run instead of kept
/// in the ledger — the second run's placeholder for the same address differed; (3) the hash taken before cleaning
/// (`CleanStep` after encoding) — `changed_since_ingest` stayed 0; (4) identifier keys redacted too —
/// `metadata.message_id` became a placeholder. The key-not-in-output check guards, and was not broken on purpose.
@Suite("Cleaning (CLI)")
struct CleaningTests {
    static let first = """
        From alice@example.org Mon Jan  5 08:27:33 2015
        From: Alice Example <alice@example.org>
        To: Bob Example <bob@example.net>
        Subject: Payment details
        Date: Mon, 05 Jan 2015 08:27:33 +0000
        Message-ID: <m1@example.org>

        Hi Bob,

        my card is 4111 1111 1111 1111 and my IBAN is DE89 3704 0044 0532 0130 00.
        Call me on +49 30 1234567 or write to alice@example.org.
        The server is at 192.0.2.10.
        Order #123456789 from 2015-01-05 cost $1,234.56, version v2.14.3.

        """

    static let second = """
        From bob@example.net Tue Jan  6 09:00:00 2015
        From: Bob Example <bob@example.net>
        To: Alice Example <alice@example.org>
        Subject: Re: Payment details
        Date: Tue, 06 Jan 2015 09:00:00 +0000
        Message-ID: <m2@example.net>
        In-Reply-To: <m1@example.org>

        Thanks, paid.

        On Mon, Jan 5, 2015 at 8:27 AM Alice Example <alice@example.org> wrote:
        > my card is 4111 1111 1111 1111 and my IBAN is DE89 3704 0044 0532 0130 00.
        > Call me on +49 30 1234567 or write to alice@example.org.

        -- 
        Bob Example
        Sent from my iPhone

        """

    struct Job {
        let folder: URL
        let environment: [String: String]
        func run(_ arguments: [String]) throws -> TestSupport.ProcessResult {
            try TestSupport.runBackfill(arguments, environment: environment, currentDirectory: folder)
        }
        func key(_ job: String) throws -> [UInt8] {
            let ledger = try Ledger(path: folder.appendingPathComponent("home/jobs/\(job)/ledger.sqlite").path)
            let hex = try #require(try ledger.jobValue("redaction_key"))
            return stride(from: 0, to: hex.count, by: 2).map { i in
                let start = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
        }
    }

    static func job(_ name: String) throws -> Job {
        let folder = try TestSupport.temporaryDirectory(name)
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try Data(first.utf8).write(to: inputs.appendingPathComponent("one.mbox"))
        try Data(second.utf8).write(to: inputs.appendingPathComponent("two.mbox"))
        return Job(folder: folder, environment: ["BACKFILL_HOME": folder.appendingPathComponent("home").path])
    }

    /// The placeholder the contract names, computed here with Crypto's HMAC (not through the redactor).
    static func placeholder(_ kind: String, _ value: String, key: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((kind + ":" + value).utf8), using: SymmetricKey(data: key))
        return "[\(kind)-" + mac.prefix(4).map { String(format: "%02x", $0) }.joined() + "]"
    }

    static func requests(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("--redact all: values replaced in text and metadata by the job's placeholders; ids and look-alikes kept")
    func redactsTextAndMetadata() throws {
        let job = try Self.job("clean-redact")
        let out = job.folder.appendingPathComponent("out.jsonl")
        let run = try job.run([
            "import", "in/one.mbox", "--job", "j", "--target", "jsonl", "--out", out.path, "--redact", "all", "--json",
        ])
        #expect(run.status == 0, "\(run.output)")
        let key = try job.key("j")
        let request = try #require(try Self.requests(out).first)
        let text = try #require(request["document"] as? String)
        for value in [
            "alice@example.org", "bob@example.net", "4111 1111 1111 1111", "DE89", "+49 30 1234567", "192.0.2.10",
        ] {
            #expect(!text.contains(value), "\(value) left in: \(text)")
        }
        let alice = Self.placeholder("email", "alice@example.org", key: key)
        #expect(text.components(separatedBy: alice).count - 1 == 2, "\(text)")  // the From line and the body
        #expect(text.contains(Self.placeholder("card", "4111111111111111", key: key)), "\(text)")
        #expect(text.contains(Self.placeholder("iban", "DE89370400440532013000", key: key)), "\(text)")
        #expect(text.contains(Self.placeholder("phone", "+49301234567", key: key)), "\(text)")
        #expect(text.contains(Self.placeholder("ip", "192.0.2.10", key: key)), "\(text)")
        for kept in ["Order #123456789", "2015-01-05", "$1,234.56", "v2.14.3", "Date: "] {
            #expect(text.contains(kept), "\(kept) lost: \(text)")
        }
        let metadata = try #require(request["metadata"] as? [String: Any])
        #expect(metadata["from"] as? String == alice)
        #expect(metadata["to"] as? [String] == [Self.placeholder("email", "bob@example.net", key: key)])
        #expect(metadata["message_id"] as? String == "m1@example.org")
        #expect(request["document_id"] as? String == "email:m1@example.org")

        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let cleaning = try #require(report["cleaning"] as? [String: Any])
        // Emails: From and To lines and the body (3) + metadata from and to (2).
        #expect(cleaning["redacted"] as? [String: Int] == ["email": 5, "card": 1, "iban": 1, "phone": 1, "ip": 1])
        #expect(cleaning["documents_redacted"] as? Int == 1)
        let keyHex = key.map { String(format: "%02x", $0) }.joined()
        #expect(!run.output.contains(keyHex), "the key is in the output")
        #expect(!(try String(contentsOf: out, encoding: .utf8)).contains(keyHex))
    }

    @Test("a value gets one placeholder in every run of a job, and another in another job")
    func stablePerJob() throws {
        let job = try Self.job("clean-stable")
        // The jsonl target's identity is its --out: each job writes to one file, read after each run.
        var metadata: [[String: Any]] = []
        for (name, input) in [("j", "in/one.mbox"), ("j", "in/two.mbox"), ("k", "in/two.mbox")] {
            let out = job.folder.appendingPathComponent("\(name).jsonl")
            let run = try job.run([
                "import", input, "--job", name, "--target", "jsonl", "--out", out.path, "--redact", "email",
            ])
            #expect(run.status == 0, "\(run.output)")
            // A job appends to its file: the last line is this run's.
            metadata.append(try #require(try Self.requests(out).last?["metadata"] as? [String: Any]))
        }
        let (first, second, other) = (metadata[0], metadata[1], metadata[2])
        let alice = try #require(first["from"] as? String)
        #expect(alice.hasPrefix("[email-") && alice.count == 16, "\(alice)")
        #expect((second["to"] as? [String]) == [alice], "the second run's placeholder for alice differs")
        #expect((other["to"] as? [String]) != [alice], "another job shares the placeholder")
    }

    @Test("the content hash is taken after cleaning: redacting later marks documents as changed since ingest")
    func hashAfterCleaning() throws {
        let job = try Self.job("clean-hash")
        let out = job.folder.appendingPathComponent("out.jsonl")
        let plain = try job.run(["import", "in", "--job", "j", "--target", "jsonl", "--out", out.path])
        #expect(plain.status == 0, "\(plain.output)")
        let same = try job.run(["plan", "in", "--job", "j", "--target", "jsonl", "--out", out.path, "--json"])
        let redacted = try job.run([
            "plan", "in", "--job", "j", "--target", "jsonl", "--out", out.path, "--redact", "all", "--json",
        ])
        for (run, changed) in [(same, 0), (redacted, 2)] {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let documents = try #require(report["documents"] as? [String: Any])
            #expect(documents["already_ingested"] as? Int == 2, "\(run.output)")
            #expect(documents["changed_since_ingest"] as? Int == changed, "\(run.output)")
        }
    }

    @Test("plan shows what cleaning would change, before anything is sent; bad kinds exit 64 naming the valid ones")
    func planShowsAndBadKinds() throws {
        let job = try Self.job("clean-plan")
        let plan = try job.run(["plan", "in", "--strip", "all", "--redact", "card,email"])
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.stdout.contains("Cleaning (what the import would change)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("--strip quotes,signatures"), "\(plan.stdout)")
        #expect(plan.stdout.contains("--redact email,card"), "\(plan.stdout)")
        let json = try job.run(["plan", "in", "--strip", "quotes", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let stripped = try #require((report["cleaning"] as? [String: Any])?["stripped"] as? [String: Int])
        #expect(stripped["documents"] == 1 && stripped["quoted_lines"] == 3, "\(stripped)")
        for bad in [["--redact", "emails"], ["--strip", "quote"]] {
            let run = try job.run(["plan", "in"] + bad)
            #expect(run.status == 64, "\(run.output)")
            #expect(run.stderr.contains(bad[1]), "\(run.stderr)")
        }
    }

    /// A chat export's quotes reach the report as email's do (issue 20: "chat formats that mark quotes too").
    /// Broken on purpose: with the Discord adapter not calling `ChatQuotes.markdown`, `stripped.documents` was 0
    /// and `by_source` did not name the file.
    @Test("--strip quotes on a Discord export: counted in plan's cleaning section, per source")
    func chatQuotesInThePlan() throws {
        let folder = try TestSupport.temporaryDirectory("clean-chat")
        let export = #"""
            {"guild":{"id":"900","name":"Makers"},"channel":{"id":"111","name":"general"},"exportedAt":"2024-05-01T12:00:00+02:00","messages":[
             {"id":"1","type":"Default","timestamp":"2024-04-30T09:00:00+02:00","content":"Bed at 60 degrees works.","author":{"id":"7","name":"zoe"}},
             {"id":"2","type":"Reply","timestamp":"2024-04-30T09:01:00+02:00","content":"> Bed at 60 degrees works.\n> for PLA\nAgreed.","author":{"id":"8","name":"max"},"reference":{"messageId":"1"}}
            ]}
            """#
        try Data(export.utf8).write(to: folder.appendingPathComponent("general.json"))
        let environment = ["BACKFILL_HOME": folder.appendingPathComponent("home").path]
        let run = try TestSupport.runBackfill(
            ["plan", "general.json", "--strip", "quotes", "--json"], environment: environment, currentDirectory: folder)
        #expect(run.status == 0, "\(run.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let cleaning = try #require(report["cleaning"] as? [String: Any])
        let stripped = try #require(cleaning["stripped"] as? [String: Int])
        #expect(stripped["documents"] == 1 && stripped["quoted_lines"] == 2, "\(stripped)")
        let bySource = try #require(cleaning["by_source"] as? [String: Any])
        #expect(bySource.keys.contains { $0.hasSuffix("general.json") }, "\(bySource)")
    }
}
