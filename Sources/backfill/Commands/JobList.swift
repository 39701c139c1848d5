import BackfillKit
import Foundation

/// `backfill status` without `--job`/`--ledger`: every job with its last run, exit code and documents by state.
func printJobList(json: Bool, environment: [String: String]) throws {
    let jobs = JobStatus.list(environment: environment)
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(["jobs": jobs]), as: UTF8.self))
    } else {
        print(JobSummary.text(jobs, home: Backfill.home(environment)))
    }
}
