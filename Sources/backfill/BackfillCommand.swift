import ArgumentParser
import BackfillKit
import Foundation
import Logging

/// Documented exit codes.
enum Exit {
    static let done: Int32 = 0
    static let finishedWithErrors: Int32 = 1
    static let failFast: Int32 = 3
    static let stoppedByTarget: Int32 = 4
    static let usage: Int32 = 64
    /// Another run holds the job (EX_TEMPFAIL): try again when it has finished.
    static let jobBusy: Int32 = 75
    static let software: Int32 = 70
    static let interrupted: Int32 = 130
}

@main
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Bulk-import years of history (email, chat exports, transcripts, documents) into AI memory APIs.",
        discussion: """
            Exit codes: 0 all done; 1 finished with rejected or failed documents; 3 aborted by --fail-fast; \
            4 stopped by the target (authentication, credits, unavailable); 64 usage error; 130 interrupted \
            (resumable).
            """,
        subcommands: [
            ImportCommand.self, ResumeCommand.self, RetryCommand.self, PlanCommand.self, StatusCommand.self,
            VerifyCommand.self, SandboxCommand.self, AdaptersCommand.self,
        ]
    )
}
