import BackfillKit
import Foundation

/// `backfill status` without `--job`/`--ledger`: every job with its last run, exit code and documents by state.
func printJobList(json: Bool, environment: [String: String]) throws {
    let jobs = JobStatus.list(environment: environment)
    if json {
        print(try OutputOptions.jsonLine(["jobs": jobs]))
    } else {
        print(JobSummary.text(jobs, home: Backfill.home(environment)))
    }
}
