import ArgumentParser
import BackfillKit
import Foundation
import Logging

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
            VerifyCommand.self, ReportCommand.self, InspectCommand.self, SandboxCommand.self, AdaptersCommand.self,
        ]
    )
}
