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
    }

    /// Runs the built `backfill` binary as a user would, and waits for it.
    public static func runBackfill(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("backfill")
        process.arguments = arguments
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
