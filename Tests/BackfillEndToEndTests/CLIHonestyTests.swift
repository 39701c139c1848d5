import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14: a CLI that never pretends — each case runs the built binary as a user types it. Every test says in a
/// comment what was broken to see it fail.
@Suite("CLI honesty")
struct CLIHonestyTests {
    /// The file type of `path` itself (a symbolic link is not followed).
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// A folder with requests 1…`count` in `requests.jsonl` (all valid), and a BACKFILL_HOME.
    static func workspace(_ count: Int = 5) throws -> (folder: URL, input: URL, environment: [String: String]) {
        let folder = try TestSupport.temporaryDirectory("cli-honesty")
        let input = folder.appendingPathComponent("requests.jsonl")
        try TestSupport.writeRequestsJSONL(to: input, numbers: 1...count)
        let home = folder.appendingPathComponent("home")
        return (folder, input, ["BACKFILL_HOME": home.path])
    }

    /// Lines of a JSONL file, each decoded.
    static func requestLines(_ text: String) -> [JSONValue?] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map {
            try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))
        }
    }

    // Broken by removing `try checkInputs(options.inputs)` from `Backfill.runImport` and `runPlan`: import exited 0
    // with one "skipped" file and created .backfill/jobs/nonexistent-…; plan exited 1.
    @Test("an input that does not exist is a usage error (64) naming it, before any job, ledger or store exists")
    func missingInput() throws {
        let (folder, input, environment) = try Self.workspace(1)
        let missing = folder.appendingPathComponent("nonexistent").path
        for command in ["import", "plan"] {
            let result = try TestSupport.runBackfill([command, missing], environment: environment)
            #expect(result.status == 64, "\(command): \(result.output)")
            #expect(result.stderr.contains(missing), "\(command) names the path")
            // A good input beside a missing one changes nothing: still nothing is created.
            let mixed = try TestSupport.runBackfill([command, input.path, missing, "--json"], environment: environment)
            #expect(mixed.status == 64, "\(command): \(mixed.output)")
            #expect(mixed.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("home").path))
    }

    // Broken by making the `access(input, mode)` check in `Backfill.checkInputs` always pass: as `nobody` the run
    // went on past the check (exit 70, without naming the input as unreadable) and this failed on both.
    @Test("an input that cannot be read is a usage error (64) naming it — run as an unprivileged user under root")
    func unreadableInput() throws {
        let (folder, _, environment) = try Self.workspace(1)
        let locked = folder.appendingPathComponent("locked.txt")
        try "secret".write(to: locked, atomically: false, encoding: .utf8)
        chmod(locked.path, 0)
        // Root reads everything, so as root (CI) the binary runs as nobody through util-linux's setpriv.
        let asNobody = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        if asNobody { chmod(folder.path, 0o755) }
        let result = try TestSupport.runBackfill(
            ["import", locked.path], environment: environment,
            launcher: asNobody ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [])
        #expect(result.status == 64, "\(result.output)")
        #expect(result.stderr.contains(locked.path) && result.stderr.contains("cannot be read"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("home").path))
    }

    // Broken by putting `FileManager.default.createFile(atPath: path, contents: nil)` before the `open` in
    // `OutputFile.init` (a write-to-temp-and-rename, as the old JSONL target did): the device node became a regular
    // file (mode 0o100000, another inode) after each run and this failed.
    @Test("--out a character device (a copy of /dev/null): still that device after an import and a resumed one")
    func outDevice() throws {
        let (folder, input, environment) = try Self.workspace(3)
        let more = folder.appendingPathComponent("more.jsonl")
        try TestSupport.writeRequestsJSONL(to: more, numbers: 4...6)
        // As root (CI) a private device node 1,3 — what /dev/null is — so a broken build cannot damage the
        // machine's; otherwise /dev/null itself, which an unprivileged run cannot replace anyway.
        var device = "/dev/null"
        if getuid() == 0 {
            var null = stat()
            try #require(stat("/dev/null", &null) == 0 && null.st_mode & S_IFMT == S_IFCHR)
            device = folder.appendingPathComponent("null").path
            try #require(mknod(device, S_IFCHR | 0o666, null.st_rdev) == 0)
        }
        var before = stat()
        try #require(stat(device, &before) == 0)
        for inputs in [[input.path], [input.path, more.path]] {
            let result = try TestSupport.runBackfill(
                ["import"] + inputs + [
                    "--target", "jsonl", "--out", device, "--job", "dev", "--progress", "none",
                    "--json",
                ],
                environment: environment)
            #expect(result.status == 0, "\(result.output)")
            #expect(TestSupport.jsonReport(result.stdout)?["documents"]?["sent"] == .integer(3), "\(result.stdout)")
            var after = stat()
            #expect(lstat(device, &after) == 0)
            #expect(after.st_mode & S_IFMT == S_IFCHR, "--out is still a character device")
            #expect(after.st_rdev == before.st_rdev && after.st_ino == before.st_ino, "the same device node")
        }
    }

    // Broken by making `job` a required `String` again in ResumeCommand/VerifyCommand/RetryCommand: each exited 64
    // with "Missing expected argument '--job <job>'".
    @Test("--ledger alone names the job for status, verify, resume and retry; neither is a usage error")
    func ledgerAlone() throws {
        let (folder, input, environment) = try Self.workspace(4)
        let ledger = folder.appendingPathComponent("elsewhere/my.sqlite").path
        let imported = try TestSupport.runBackfill(
            ["import", input.path, "--ledger", ledger, "--job", "by-ledger", "--progress", "none", "--json"],
            environment: environment)
        #expect(imported.status == 0, "\(imported.output)")

        let status = try TestSupport.runBackfill(["status", "--ledger", ledger, "--json"], environment: environment)
        #expect(status.status == 0, "\(status.output)")
        let statusJSON = TestSupport.jsonReport(status.stdout)
        #expect(statusJSON?["job"] == .string("by-ledger"))
        #expect(statusJSON?["documents"]?["accepted"] == .integer(4))

        let verify = try TestSupport.runBackfill(["verify", "--ledger", ledger, "--json"], environment: environment)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(TestSupport.jsonReport(verify.stdout)?["present"] == .integer(4))
        #expect(TestSupport.jsonReport(verify.stdout)?["job"] == .string("by-ledger"))

        for command in ["resume", "retry"] {
            let result = try TestSupport.runBackfill(
                [command, "--ledger", ledger, "--progress", "none", "--json"], environment: environment,
                currentDirectory: folder)
            #expect(result.status == 0, "\(command): \(result.output)")
            let json = TestSupport.jsonReport(result.stdout)
            #expect(json?["job"] == .string("by-ledger"), "\(command)")
            #expect(json?["documents"]?["sent"] == .integer(0), "\(command)")
        }

        for command in ["verify", "resume", "retry"] {
            let neither = try TestSupport.runBackfill([command], environment: environment)
            #expect(neither.status == 64, "\(command): \(neither.output)")
            #expect(neither.stderr.contains("--job NAME or --ledger PATH"), "\(command): \(neither.stderr)")
            let wrong = try TestSupport.runBackfill(
                [command, "--ledger", ledger, "--job", "another"], environment: environment)
            #expect(wrong.status == 64, "\(command): \(wrong.output)")
            #expect(wrong.stderr.contains("by-ledger"), "\(command) names the ledger's job")
        }
    }

    // Broken by putting back `mapping.padding(toLength: 40, …)` in RunReport.text(): the line read
    // "human-chat-conversation→ai-chat-conversa 2".
    @Test("the text report's columns fit their contents (a long type mapping is not cut)")
    func reportColumns() throws {
        let (_, _, environment) = try Self.workspace(1)
        let chat = TestSupport.samples.appendingPathComponent("chat/whatsapp/android-en-us.txt").path
        let result = try TestSupport.runBackfill(["plan", chat], environment: environment)
        #expect(result.status == 0, "\(result.output)")
        let line = result.stdout.split(separator: "\n").first { $0.contains("→") }
        #expect(line?.contains("human-chat-conversation→ai-chat-conversation ") == true, "\(line ?? "no mapping line")")
        #expect(line.map { $0.split(separator: " ").last == "2" } == true, "the count follows the full mapping")
    }

    // Broken by putting back `FileManager.default.createFile(atPath: path, contents: nil)` before opening in
    // OutputFile (what JSONLTarget did): the FIFO became a regular file (and the reader never saw a line).
    @Test("--out a FIFO, read by another process meanwhile: still a FIFO afterwards, and every line arrived")
    func outFIFO() async throws {
        let (folder, input, environment) = try Self.workspace(5)
        let fifo = folder.appendingPathComponent("requests.fifo").path
        try #require(mkfifo(fifo, 0o644) == 0)
        let captured = folder.appendingPathComponent("captured.jsonl")
        _ = FileManager.default.createFile(atPath: captured.path, contents: nil)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        reader.standardOutput = try FileHandle(forWritingTo: captured)
        // Not the test runner's stderr: a reader left blocked would keep `swift test` waiting for that pipe.
        let readerErrors = folder.appendingPathComponent("reader.stderr")
        _ = FileManager.default.createFile(atPath: readerErrors.path, contents: nil)
        reader.standardError = try FileHandle(forWritingTo: readerErrors)
        try reader.run()
        let result = try await TestSupport.runBackfillAsync(
            ["import", input.path, "--target", "jsonl", "--out", fifo, "--progress", "none", "--json"],
            environment: environment, timeout: .seconds(120))
        // The reader ends at the writer's close; a broken run may never open the FIFO: do not wait forever.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while reader.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if reader.isRunning {
            kill(reader.processIdentifier, SIGKILL)
            reader.waitUntilExit()
        }
        #expect(result.status == 0, "\(result.output)")
        #expect(Self.fileType(fifo) == S_IFIFO, "--out is still a FIFO")
        let lines = Self.requestLines(try String(contentsOf: captured, encoding: .utf8))
        #expect(lines.count == 5)
        #expect(lines.compactMap { $0?["document_id"]?.stringValue } == (1...5).map(TestSupport.documentID))
    }

    // Broken as for the FIFO (createFile before open): the symbolic link was replaced by a regular file and its
    // target stayed empty.
    @Test("--out a symbolic link: still a link afterwards, the lines are in its target")
    func outSymlink() throws {
        let (folder, input, environment) = try Self.workspace(5)
        let real = folder.appendingPathComponent("real.jsonl").path
        _ = FileManager.default.createFile(atPath: real, contents: nil)
        let link = folder.appendingPathComponent("link.jsonl").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let result = try TestSupport.runBackfill(
            ["import", input.path, "--target", "jsonl", "--out", link, "--progress", "none"], environment: environment)
        #expect(result.status == 0, "\(result.output)")
        #expect(Self.fileType(link) == S_IFLNK, "--out is still a symbolic link")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        let lines = Self.requestLines(try String(contentsOfFile: real, encoding: .utf8))
        #expect(lines.compactMap { $0?["document_id"]?.stringValue } == (1...5).map(TestSupport.documentID))

        // A one-character relative --out (Foundation's deletingLastPathComponent trapped on it: exit 132).
        let short = try TestSupport.runBackfill(
            ["import", input.path, "--target", "jsonl", "--out", "f", "--job", "short", "--progress", "none"],
            environment: environment, currentDirectory: folder)
        #expect(short.status == 0, "\(short.output)")
        #expect(
            Self.requestLines(try String(contentsOfFile: folder.appendingPathComponent("f").path, encoding: .utf8))
                .count == 5)
    }

    // Broken by printing the report on stdout whatever --out is (removing the `options.out == "-"` branch in
    // runAndReport): stdout ended with the report, which is not a request line.
    @Test("--out - writes the requests to stdout, one a line; the report goes to stderr")
    func outStdout() throws {
        let (folder, input, environment) = try Self.workspace(5)
        let result = try TestSupport.runBackfill(
            ["import", input.path, "--target", "jsonl", "--out", "-", "--progress", "none"], environment: environment,
            currentDirectory: folder)
        #expect(result.status == 0, "\(result.output)")
        let lines = Self.requestLines(result.stdout)
        #expect(lines.count == 5)
        #expect(lines.compactMap { $0?["document_id"]?.stringValue } == (1...5).map(TestSupport.documentID))
        #expect(result.stderr.contains("Import report"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("-").path), "no file named -")
    }

    // Broken by removing `try resumeOutput(output, ledger: ledger, notice: notice)` from runImport: the half line
    // stayed in the file between the old and the new requests (7 lines, one not JSON).
    @Test("a resumed jsonl job keeps what its ledger says was written, cuts a half-written tail, and appends")
    func outResume() throws {
        let (folder, input, environment) = try Self.workspace(3)
        let more = folder.appendingPathComponent("more.jsonl")
        try TestSupport.writeRequestsJSONL(to: more, numbers: 4...6)
        let out = folder.appendingPathComponent("out.jsonl").path
        let first = try TestSupport.runBackfill(
            ["import", input.path, "--target", "jsonl", "--out", out, "--job", "j", "--progress", "none"],
            environment: environment)
        #expect(first.status == 0, "\(first.output)")
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(Self.requestLines(written).count == 3)

        // A crash in the middle of a write leaves half a line the ledger never recorded.
        let handle = try #require(FileHandle(forWritingAtPath: out))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"document":"half a line"#.utf8))
        try handle.close()

        let second = try TestSupport.runBackfill(
            [
                "import", input.path, more.path, "--target", "jsonl", "--out", out, "--job", "j", "--progress", "none",
                "--json",
            ],
            environment: environment)
        #expect(second.status == 0, "\(second.output)")
        #expect(TestSupport.jsonReport(second.stdout)?["documents"]?["sent"] == .integer(3))
        let after = try String(contentsOfFile: out, encoding: .utf8)
        #expect(after.hasPrefix(written), "the lines written before are kept, byte for byte")
        let lines = Self.requestLines(after)
        #expect(lines.compactMap { $0?["document_id"]?.stringValue } == (1...6).map(TestSupport.documentID))
        #expect(lines.allSatisfy { $0 != nil }, "no half line left")
    }

    // Broken by restoring the old StatusCommand branch (one job → its status; several → names only): the JSON was
    // {"jobs":["a","b"]} without runs or counts.
    @Test("status without arguments lists every job with its last run, exit code and counts per state")
    func statusList() throws {
        let (folder, input, environment) = try Self.workspace(3)
        let other = folder.appendingPathComponent("other.jsonl")
        try TestSupport.writeRequestsJSONL(to: other, numbers: 1...2, documentType: { $0 == 2 ? "bogus" : "document" })
        let a = try TestSupport.runBackfill(
            ["import", input.path, "--job", "alpha", "--progress", "none"], environment: environment)
        #expect(a.status == 0, "\(a.output)")
        let b = try TestSupport.runBackfill(
            ["import", other.path, "--job", "beta-with-a-long-name", "--progress", "none"], environment: environment)
        #expect(b.status == 1, "\(b.output)")

        let json = try TestSupport.runBackfill(["status", "--json"], environment: environment)
        #expect(json.status == 0, "\(json.output)")
        let jobs = TestSupport.jsonReport(json.stdout)?["jobs"]?.arrayValue ?? []
        #expect(jobs.map { $0["job"]?.stringValue } == ["alpha", "beta-with-a-long-name"])
        #expect(jobs.first?["last_run"]?["command"] == .string("import"))
        #expect(jobs.first?["last_run"]?["exit_code"] == .integer(0))
        #expect(jobs.first?["documents"]?["accepted"] == .integer(3))
        #expect(jobs.last?["last_run"]?["exit_code"] == .integer(1))
        #expect(jobs.last?["documents"]?["accepted"] == .integer(1))

        let text = try TestSupport.runBackfill(["status"], environment: environment)
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n")
        let alpha = lines.first { $0.contains("alpha") }
        let beta = lines.first { $0.contains("beta-with-a-long-name") }
        #expect(alpha?.contains("import ") == true && beta?.contains("import ") == true, "\(text.stdout)")
        // Columns line up: the accepted count sits at the same place on every row.
        let header = try #require(lines.first { $0.contains("accepted") })
        let column = header.distance(from: header.startIndex, to: try #require(header.range(of: "accepted")).upperBound)
        for row in [alpha, beta].compactMap({ $0 }) {
            let end = row.index(row.startIndex, offsetBy: column)
            #expect(row[..<end].hasSuffix(row == alpha ? "3" : "1"), "\(row)")
        }
    }

    // Broken by lower-casing nothing (dropping `HeaderText.idKey` from `EmailDocumentBuilder.documentID`): the run
    // sent the two documents whose Message-IDs have capitals again under new ids.
    @Test("a mail job imported before ids were kept as written, run again, sends nothing new")
    func ledgerFromBefore() throws {
        let fixture = TestSupport.packageRoot.appendingPathComponent(
            "Tests/Fixtures/ledgers/email-before-issue-14.sqlite")
        let folder = try TestSupport.temporaryDirectory("old-ledger")
        let ledger = folder.appendingPathComponent("ledger.sqlite")
        try FileManager.default.copyItem(at: fixture, to: ledger)
        let result = try TestSupport.runBackfill(
            [
                "import", TestSupport.samples.appendingPathComponent("email").path, "--ledger", ledger.path,
                "--progress", "none", "--json",
            ],
            environment: ["BACKFILL_HOME": folder.appendingPathComponent("home").path])
        #expect(result.status == 0, "\(result.output)")
        let documents = TestSupport.jsonReport(result.stdout)?["documents"]
        #expect(documents?["sent"] == .integer(0), "\(result.stdout)")
        #expect(documents?["already_ingested"]?.intValue ?? 0 > 0)
        // The metadata now differs (ids as written): noticed, and still not sent again.
        #expect(documents?["changed_since_ingest"]?.intValue ?? 0 > 0)
    }

    /// One-character relative names (`--ledger x`, `--out f`) used to trap in Foundation's path methods (exit 132).
    /// Checked that it can fail: with `NSString.deletingLastPathComponent` back in `Ledger.init`, the run died of
    /// SIGILL and this failed.
    @Test("one-character relative names for --ledger and --out work")
    func oneCharacterNames() async throws {
        let folder = try TestSupport.temporaryDirectory("short-names")
        try #"{"document":"a","document_type":"document","document_id":"a1"}"#.write(
            to: folder.appendingPathComponent("r.jsonl"), atomically: true, encoding: .utf8)
        let result = try await TestSupport.runBackfillAsync(
            ["import", "r.jsonl", "--target", "jsonl", "--out", "f", "--ledger", "x"], currentDirectory: folder)
        #expect(result.status == 0, "\(result.output)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path))
        let written = try String(contentsOf: folder.appendingPathComponent("f"), encoding: .utf8)
        #expect(written.contains("\"a1\""))
        let status = try await TestSupport.runBackfillAsync(["status", "--ledger", "x"], currentDirectory: folder)
        #expect(status.status == 0, "\(status.output)")
    }
}
