import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

/// Issue 15: the report format is one option group, `--format text|json`, with `--json` kept as the same thing.
/// Every command that prints a report takes both spellings and prints the same bytes for them. Each test also
/// checks that the JSON is JSON and the text is not, so a command that ignored both spellings fails too.
@Suite("Output format")
struct OutputFormatTests {
    /// A job `fmt` imported into a JSONL file (3 documents), with its BACKFILL_HOME.
    static func importedJob() throws -> (folder: URL, input: URL, environment: [String: String]) {
        let folder = try TestSupport.temporaryDirectory("output-format")
        let input = folder.appendingPathComponent("requests.jsonl")
        try TestSupport.writeRequestsJSONL(to: input, numbers: 1...3)
        let environment = ["BACKFILL_HOME": folder.appendingPathComponent("home").path]
        let run = try TestSupport.runBackfill(
            [
                "import", input.path, "--job", "fmt", "--target", "jsonl", "--out",
                folder.appendingPathComponent("out.jsonl").path, "--progress", "none",
            ], environment: environment, currentDirectory: folder)
        #expect(run.status == 0, "\(run.output)")
        return (folder, input, environment)
    }

    /// The report with its clock readings (`wall_seconds`, `waited_seconds`, `elapsed_seconds`) taken out: two runs
    /// differ only there.
    static func withoutClock(_ stdout: String) -> JSONValue? {
        func strip(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let members):
                var kept: [String: JSONValue] = [:]
                for (key, member) in members where !["wall_seconds", "waited_seconds", "elapsed_seconds"].contains(key)
                {
                    kept[key] = strip(member)
                }
                return .object(kept)
            case .array(let items): return .array(items.map(strip))
            default: return value
            }
        }
        return TestSupport.jsonReport(stdout).map(strip)
    }

    /// Runs `arguments` with `--json` and with `--format json`; both exit alike (with `status` when given) and
    /// print one JSON object.
    static func bothSpellings(
        _ arguments: [String], status: Int32? = 0, environment: [String: String], folder: URL? = nil
    ) throws -> (flag: TestSupport.ProcessResult, option: TestSupport.ProcessResult) {
        let flag = try TestSupport.runBackfill(
            arguments + ["--json"], environment: environment, currentDirectory: folder)
        let option = try TestSupport.runBackfill(
            arguments + ["--format", "json"], environment: environment, currentDirectory: folder)
        #expect(flag.status == option.status, "\(arguments): \(flag.output)\n\(option.output)")
        if let status { #expect(flag.status == status, "\(arguments) --json: \(flag.output)") }
        #expect(TestSupport.jsonReport(flag.stdout) != nil, "\(arguments) --json printed no JSON: \(flag.stdout)")
        #expect(TestSupport.jsonReport(option.stdout) != nil, "\(arguments) --format json printed no JSON")
        return (flag, option)
    }

    // Broken by giving `adapters` its own `--json` flag again (no `--format`): `--format json` was a usage error (64).
    @Test("adapters: --json and --format json print the same bytes; --format text is the default")
    func adapters() throws {
        let (flag, option) = try Self.bothSpellings(["adapters"], environment: [:])
        #expect(flag.stdout == option.stdout)
        let text = try TestSupport.runBackfill(["adapters", "--format", "text"])
        let plain = try TestSupport.runBackfill(["adapters"])
        #expect(text.status == 0 && plain.status == 0)
        #expect(text.stdout == plain.stdout)
        #expect(TestSupport.jsonReport(text.stdout) == nil && text.stdout.contains("mbox"), "\(text.stdout)")
    }

    // Broken by reading `--json` alone in `status` (ignoring `--format`): `status --format json` printed the text
    // listing.
    @Test("status, as a list and for one job: --json and --format json print the same bytes")
    func status() throws {
        let (folder, _, environment) = try Self.importedJob()
        let list = try Self.bothSpellings(["status"], environment: environment, folder: folder)
        #expect(list.flag.stdout == list.option.stdout)
        #expect(TestSupport.jsonReport(list.flag.stdout)?["jobs"]?.arrayValue?.count == 1)
        let job = try Self.bothSpellings(["status", "--job", "fmt"], environment: environment, folder: folder)
        #expect(job.flag.stdout == job.option.stdout)
        let text = try TestSupport.runBackfill(
            ["status", "--job", "fmt", "--format", "text"], environment: environment, currentDirectory: folder)
        #expect(text.stdout.hasPrefix("Job fmt"), "\(text.stdout)")
    }

    // Broken by printing `report.text()` in `runRecorded` whatever the format: resume and retry with `--format
    // json` printed the text report.
    @Test("plan, resume, retry and verify: --json and --format json print the same report")
    func reports() throws {
        let (folder, input, environment) = try Self.importedJob()
        let plan = try Self.bothSpellings(
            ["plan", input.path, "--job", "fmt-plan"], environment: environment, folder: folder)
        #expect(Self.withoutClock(plan.flag.stdout) == Self.withoutClock(plan.option.stdout))
        for command in [
            ["resume", "--job", "fmt", "--progress", "none"], ["retry", "--job", "fmt", "--progress", "none"],
        ] {
            let run = try Self.bothSpellings(command, environment: environment, folder: folder)
            #expect(Self.withoutClock(run.flag.stdout) == Self.withoutClock(run.option.stdout), "\(command)")
        }
        // A JSONL file cannot be read back: verify asks the embedded sandbox (its store is kept with the job), once
        // with --wait so that both spellings then see every document's processing finished.
        let sandboxJob = try TestSupport.runBackfill(
            ["import", input.path, "--job", "fmt-sandbox", "--progress", "none"], environment: environment,
            currentDirectory: folder)
        #expect(sandboxJob.status == 0, "\(sandboxJob.output)")
        let settle = try TestSupport.runBackfill(
            ["verify", "--job", "fmt-sandbox", "--wait"], environment: environment, currentDirectory: folder)
        #expect(settle.status == 0, "\(settle.output)")
        let verify = try Self.bothSpellings(
            ["verify", "--job", "fmt-sandbox"], environment: environment, folder: folder)
        #expect(Self.withoutClock(verify.flag.stdout) == Self.withoutClock(verify.option.stdout))
        #expect(TestSupport.jsonReport(verify.flag.stdout)?["present"] == .integer(3), "\(verify.flag.stdout)")
    }

    // Broken by removing `OutputOptions.validate()`: `--json --format text` printed JSON and exited 0.
    @Test("--json with --format text is a usage error (64); --format takes only text or json")
    func conflicting() throws {
        let both = try TestSupport.runBackfill(["adapters", "--json", "--format", "text"])
        #expect(both.status == 64, "\(both.output)")
        #expect(both.stderr.contains("--json"), "\(both.stderr)")
        let bogus = try TestSupport.runBackfill(["adapters", "--format", "yaml"])
        #expect(bogus.status == 64, "\(bogus.output)")
        let agreeing = try TestSupport.runBackfill(["adapters", "--json", "--format", "json"])
        #expect(agreeing.status == 0 && TestSupport.jsonReport(agreeing.stdout) != nil, "\(agreeing.output)")
    }
}
