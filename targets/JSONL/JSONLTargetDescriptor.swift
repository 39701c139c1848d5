import BackfillCore
import BackfillLedger
import BackfillPipeline
import BackfillTargetKit
import BackfillTargets
import Foundation
import Logging

extension TargetKind {
    /// Writes the requests to `--out`.
    public static let jsonl = TargetKind("jsonl")
}

/// JSONL: the requests that would be sent, one per line, written in place to `--out` (`-`: standard output); a
/// resumed job's file is cut back to what its ledger vouches for. Nothing to read back.
public struct JSONLTargetDescriptor: TargetDescriptor {
    /// The target whose requests are written: its validation profile is this one's.
    public let writingAs: any TargetDescriptor

    public init(writingAs: any TargetDescriptor) { self.writingAs = writingAs }

    public var kind: TargetKind { .jsonl }
    public var summary: String { "write the requests to --out PATH (- for standard output), one JSON object per line" }

    public func identity(_ options: TargetRunOptions) -> String {
        guard let out = options.out, out != "-" else { return "jsonl -" }
        return "jsonl \(URL(fileURLWithPath: out).standardizedFileURL.path)"
    }

    /// The requests are written as `writingAs` takes them: its profile.
    public func profile(_ options: TargetRunOptions) -> ValidationProfile {
        writingAs.profile(options)
    }

    public func checkUsage(_ options: inout TargetRunOptions) throws {
        guard let out = options.out, !out.isEmpty else {
            throw ValidationError(
                message: "--target jsonl needs --out PATH (the file the requests are written to, - for stdout)")
        }
        options.output = try OutputFile(path: out)
    }

    public func writesToStandardOutput(_ options: TargetRunOptions) -> Bool { options.out == "-" }

    public func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget {
        guard let output = options.output else { throw ValidationError(message: "--target jsonl needs --out PATH") }
        return JSONLTarget(output: output)
    }

    public func connect<T: Sendable>(
        _ options: TargetRunOptions, job: TargetJob, logger: Logger, notice: @Sendable (String) -> Void,
        _ body: @Sendable (TargetSession) async throws -> T
    ) async throws -> T {
        guard let output = options.output else { throw ValidationError(message: "--target jsonl needs --out PATH") }
        try JSONLResume.resumeOutput(output, ledger: job.ledger, notice: notice)
        let target = JSONLTarget(output: output)
        notice("target: jsonl — writing requests to \(target.endpointDescription)")
        let report = RunReport.TargetInfo(name: "jsonl", endpoint: target.endpointDescription, isDefault: false)
        // One batch at a time: lines land in the file in the order the ledger commits them, so after a crash the
        // ledger's last committed byte is exactly where the file is cut back to.
        return try await body(TargetSession(client: target, report: report) { $0.concurrency = 1 })
    }

    public func verify(_ request: VerifyRequest, report: inout VerifyReport) async throws {
        throw ValidationError(message: "a jsonl job has nothing to read back")
    }
}
