import BackfillKit
import Foundation
import Logging

/// Paths and helpers shared by the test targets.
public enum TestSupport {
    /// The package root, found from this file's path.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var samples: URL { packageRoot.appendingPathComponent("samples") }

    /// Whether goldens should be rewritten (`BACKFILL_RECORD_GOLDENS=1`).
    public static var recordGoldens: Bool { ProcessInfo.processInfo.environment["BACKFILL_RECORD_GOLDENS"] == "1" }

    /// A new empty folder under the system temporary folder.
    public static func temporaryDirectory(_ name: String = "backfill-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A quiet logger for tests.
    public static var logger: Logger {
        var logger = Logger(label: "backfill.test")
        logger.logLevel = .error
        return logger
    }

    /// The folder holding the built products (the `backfill` executable sits beside the test bundle).
    public static var productsDirectory: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var url = exe.deletingLastPathComponent()
        // Inside a .xctest bundle on macOS the executable is deeper.
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("backfill").path) {
            url = url.deletingLastPathComponent()
            if url.lastPathComponent == ".build" { break }
        }
        return url
    }

    public struct ProcessResult: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// The process outlived its time limit and was killed with SIGKILL.
        public var timedOut = false

        /// stdout and stderr together (for "does the output name X" checks).
        public var output: String { stdout + "\n" + stderr }
    }

    /// Runs the built `backfill` binary as a user would, and waits for it.
    public static func runBackfill(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil,
        launcher: [String] = []
    ) throws -> ProcessResult {
        let process = Process()
        let binary = productsDirectory.appendingPathComponent("backfill")
        // `launcher`: a command that runs the binary (e.g. setpriv to drop root), given its path first.
        process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [binary.path] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outFile = try temporaryDirectory("out").appendingPathComponent("stdout")
        let errFile = outFile.deletingLastPathComponent().appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// Starts the built `backfill` binary and returns at once (for tests that kill it). stdout and stderr go to
    /// files, so a chatty child never blocks on a full pipe.
    public static func startBackfill(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil
    ) throws -> BackfillProcess {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("backfill")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let folder = try temporaryDirectory("out")
        let outFile = folder.appendingPathComponent("stdout")
        let errFile = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        return BackfillProcess(process: process, stdoutURL: outFile, stderrURL: errFile)
    }

    /// Runs the built `backfill` binary and waits for it without blocking a thread of the cooperative pool (the
    /// in-process sandbox needs those). Past `timeout` the child is killed with SIGKILL and `timedOut` is set.
    public static func runBackfillAsync(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil,
        timeout: Duration = .seconds(300)
    ) async throws -> ProcessResult {
        let child = try startBackfill(arguments, environment: environment, currentDirectory: currentDirectory)
        if await child.waitForExit(timeout: timeout) != nil { return child.result() }
        child.send(signal: SIGKILL)
        _ = await child.waitForExit(timeout: .seconds(30))
        var result = child.result()
        result.timedOut = true
        return result
    }

    /// The JSON object a `--json` run printed: the whole stdout, else its last line that is a JSON object (in case
    /// progress lines precede the report).
    public static func jsonReport(_ stdout: String) -> JSONValue? {
        let decoder = JSONDecoder()
        if let whole = try? decoder.decode(JSONValue.self, from: Data(stdout.utf8)), whole.objectValue != nil {
            return whole
        }
        for line in stdout.split(separator: "\n").reversed() where line.hasPrefix("{") {
            if let value = try? decoder.decode(JSONValue.self, from: Data(line.utf8)), value.objectValue != nil {
                return value
            }
        }
        return nil
    }

    /// `doc-000042`: the id of the n-th generated request.
    public static func documentID(_ number: Int) -> String {
        let digits = String(number)
        return "doc-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// One `requests-jsonl` line: a ready `CreateMemoryRequest` with a stable id and the source's date.
    /// `extraFields` is raw JSON members appended to the object (e.g. `"customer_id":"c1"`).
    public static func requestLine(number: Int, documentType: String = "document", extraFields: String = "") -> String {
        let day = 1 + number % 28
        let minute = number % 60
        let date = "2024-01-\(day < 10 ? "0" : "")\(day)T10:\(minute < 10 ? "0" : "")\(minute):00Z"
        let text =
            "Document \(number) of a synthetic backfill corpus: meeting notes, decisions and follow-ups for item \(number)."
        return
            #"{"document":"\#(text)","document_type":"\#(documentType)","document_id":"\#(documentID(number))","document_created_at":"\#(date)"\#(extraFields.isEmpty ? "" : "," + extraFields)}"#
    }

    /// Writes requests `numbers` (one per line, in order) to `url`; `documentType` may make some invalid.
    @discardableResult
    public static func writeRequestsJSONL(
        to url: URL, numbers: ClosedRange<Int>, documentType: (Int) -> String = { _ in "document" },
        extraFields: (Int) -> String = { _ in "" }
    ) throws -> [String] {
        var text = ""
        text.reserveCapacity(numbers.count * 220)
        for number in numbers {
            text += requestLine(number: number, documentType: documentType(number), extraFields: extraFields(number))
            text += "\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
        return numbers.map(documentID)
    }

    /// A sandbox server for end-to-end tests, quiet, configured by `configure`.
    public static func sandbox(_ configure: (inout SandboxConfiguration) -> Void = { _ in }) throws -> SandboxServer {
        var configuration = SandboxConfiguration()
        configure(&configuration)
        return try SandboxServer(configuration: configuration, logger: logger)
    }

    /// Every byte of the files in a folder, recursively (to look for secrets).
    public static func allBytes(under folder: URL) -> [UInt8] {
        var bytes: [UInt8] = []
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return bytes }
        for case let path as String in enumerator {
            if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) {
                bytes += data
            }
        }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    public func containsBytes(_ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, pattern.count <= count else { return false }
        outer: for start in 0...(count - pattern.count) {
            for (offset, byte) in pattern.enumerated() where self[start + offset] != byte { continue outer }
            return true
        }
        return false
    }
}

/// A `backfill` child process that tests can wait for with a deadline, or kill.
public final class BackfillProcess: @unchecked Sendable {
    // Process is thread-safe for the calls made here (isRunning, terminationStatus, processIdentifier).
    public let process: Process
    public let stdoutURL: URL
    public let stderrURL: URL

    init(process: Process, stdoutURL: URL, stderrURL: URL) {
        self.process = process
        self.stdoutURL = stdoutURL
        self.stderrURL = stderrURL
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Polls (without blocking a thread) until the child exits: its status, or nil if `timeout` passed first.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while process.isRunning {
            if clock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// Sends `signal` (SIGKILL, SIGINT, SIGTERM) to the child.
    public func send(signal: Int32) {
        _ = kill(process.processIdentifier, signal)
    }

    /// Whether the child died of a signal rather than exiting.
    public var wasKilledBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Status and output once the child has exited.
    public func result() -> TestSupport.ProcessResult {
        TestSupport.ProcessResult(
            status: process.isRunning ? -1 : process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// SplitMix64: a tiny seeded generator for reproducible "random" moments in tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    /// An integer field (`.integer`, or a `.number` without a fraction).
    public var intValue: Int? {
        switch self {
        case .integer(let value): return Int(value)
        case .number(let value) where value.rounded() == value: return Int(value)
        default: return nil
        }
    }
}
