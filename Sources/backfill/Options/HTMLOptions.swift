import ArgumentParser
import BackfillKit
import BackfillTargets
import Foundation

/// `--html PATH`: the report also as one self-contained HTML page (plan, import, resume, retry, verify, report).
struct HTMLOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Also write the report as one self-contained HTML page (charts and tables; opens from file://).",
            valueName: "path"))
    var html: String?

    /// Opens the page's file before the run, so a path that cannot be written fails at once (exit 64), not after
    /// an hour of reading. Written in place (a FIFO, a device or a symbolic link stays what it is).
    func open() throws -> HTMLReportFile? {
        guard let html else { return nil }
        guard html != "-" else {
            throw BackfillCore.ValidationError(
                message: "--html takes a file path (standard output carries the text or JSON report)")
        }
        let existed = FileManager.default.fileExists(atPath: html)
        return HTMLReportFile(file: try OutputFile(path: html), created: !existed)
    }
}

/// Where `--html` goes, opened before the run.
struct HTMLReportFile {
    let file: OutputFile
    /// Whether opening it created it (then a run that ends in an error before the page removes it again).
    let created: Bool

    /// Replaces what the file held (a regular file is cut back in place; anything else is written to).
    func write(_ page: String) throws {
        defer { file.close() }
        try file.truncate(to: 0)
        try file.write(Array(page.utf8))
    }

    /// The run ended without a report (a usage or internal error): a file this run created and left empty goes.
    func abandon() {
        file.close()
        if created, file.isRegularFile,
            (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) == 0
        {
            try? FileManager.default.removeItem(atPath: file.path)
        }
    }

    /// Runs `body` (reading the job), abandoning the page when it throws.
    static func around<T>(_ page: HTMLReportFile?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            page?.abandon()
            throw error
        }
    }

    /// Runs `body` (the run), abandoning the page when it throws.
    static func around<T>(_ page: HTMLReportFile?, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            page?.abandon()
            throw error
        }
    }
}
