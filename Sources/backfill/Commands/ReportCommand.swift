import ArgumentParser
import BackfillKit
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A job's last report, from its ledger: as text, JSON, or a self-contained HTML page (--html).")

    @Option(help: "Job name (see `backfill status`); --ledger alone names it too.") var job: String?
    @Option(help: "Ledger file, when not in the default place.") var ledger: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var html: HTMLOptions

    func run() async throws {
        try await guarded {
            let path = try jobLedgerPath(job: job, ledger: ledger)
            let page = try html.open()
            let report = try HTMLReportFile.around(page) { try Backfill.storedReport(ledgerPath: path) }
            try page?.write(report.html())
            print(output.isJSON ? report.json() : report.text())
        }
    }
}
