import ArgumentParser
import BackfillKit
import Foundation
import Logging

/// Prints a usage-level error (exit 64) or an unexpected one (exit 70), naming what to do.
func fail(_ error: any Error) -> ExitCode {
    let stderr = FileHandle.standardError
    switch error {
    case let error as BackfillCore.ValidationError:
        stderr.write(Data("backfill: \(error.message)\n".utf8))
        return ExitCode(ExitStatus.usage.rawValue)
    case let error as JobLock.Busy:
        stderr.write(Data("backfill: \(error.description)\n".utf8))
        return ExitCode(ExitStatus.jobBusy.rawValue)
    default:
        stderr.write(Data("backfill: \(error)\n".utf8))
        return ExitCode(ExitStatus.software.rawValue)
    }
}

func printNotice(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs an import with signal handling and prints its report.
func runAndReport(_ options: ImportOptions, json: Bool, page: HTMLReportFile?, logger: Logger) async throws {
    let handlers = SignalHandlers(stop: options.stopSignal)
    defer { withExtendedLifetime(handlers) {} }
    let report = try await HTMLReportFile.around(page) {
        try await Backfill.runImport(options, logger: logger, notice: printNotice)
    }
    try page?.write(report.html())
    let text = json ? report.json() : report.text()
    let target = try? options.targets.descriptor(for: options.target)
    if target?.writesToStandardOutput(options.targetOptions) == true {
        // stdout carries the requests: the report goes to stderr.
        FileHandle.standardError.write(Data((text + "\n").utf8))
    } else {
        print(text)
    }
    if report.exitCode != 0 { throw ExitCode(report.exitCode) }
}

/// The ledger `--job`, `--ledger` or both name (a usage error when neither is given).
func jobLedgerPath(job: String?, ledger: String?) throws -> String {
    let environment = ProcessInfo.processInfo.environment
    guard let path = ledger ?? job.map({ Backfill.ledgerPath(job: $0, environment: environment) }) else {
        throw BackfillCore.ValidationError(
            message: "name the job: --job NAME or --ledger PATH (`backfill status` lists the jobs)")
    }
    return path
}

/// The options of a recorded job, run again from the folder it was started in. `--job`, `--ledger` or both name
/// it: a ledger knows its job.
func recordedJob(job: String?, ledger: String?) throws -> ImportOptions {
    let path = try jobLedgerPath(job: job, ledger: ledger)
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    let (job, spec) = try JobSpec.load(job: job, ledgerPath: absolute)
    if spec.workingDirectory != FileManager.default.currentDirectoryPath {
        // Inputs and the ledger's source paths are relative to where the job started.
        guard FileManager.default.changeCurrentDirectoryPath(spec.workingDirectory) else {
            throw BackfillCore.ValidationError(
                message: "job '\(job)' was started in \(spec.workingDirectory), which no longer exists")
        }
    }
    return spec.options(job: job, ledger: absolute)
}

/// Runs a command's body: exit codes pass through; other errors are printed with what to do (64 or 70).
func guarded(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw fail(error)
    }
}

/// `resume` and `retry`: a recorded job run again, with progress and, for `retry --rejected`, rejected documents.
func runRecorded(
    job: String?, ledger: String?, progress: String, json: Bool, html: HTMLOptions, resendRejected: Bool,
    logger: Logger
) async throws {
    try await guarded {
        // Opened before the job's folder becomes the working directory: a relative path is the user's.
        let page = try html.open()
        var options = try HTMLReportFile.around(page) { try recordedJob(job: job, ledger: ledger) }
        options.resendRejected = resendRejected
        options.progress = SendOptions.progressStyle(progress)
        try await runAndReport(options, json: json, page: page, logger: logger)
    }
}
