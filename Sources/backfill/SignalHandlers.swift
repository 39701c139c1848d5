import BackfillKit
import Foundation

/// SIGINT/SIGTERM: the first stops reading and lets in-flight batches finish (the report still prints, exit 130);
/// the second exits at once (the ledger is consistent after every transaction).
///
/// A stop is honoured within ``grace`` whatever the process is doing: when the run has not ended by then — a
/// batch still waiting on a slow server, or a parser busy inside a C library that checks no stop flag — the process
/// exits 130 without its report. Nothing is lost: the ledger is consistent after every transaction, and documents
/// whose batch was in flight are asked about (not re-sent blindly) when the same command runs again.
final class SignalHandlers {
    static let grace: Double = 2
    private var sources: [any DispatchSourceSignal] = []

    init(stop: StopSignal) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isTriggered {
                    FileHandle.standardError.write(
                        Data(
                            "\nbackfill: stopped at once; the ledger is consistent — run the same command to resume\n"
                                .utf8))
                    exit(Exit.interrupted)
                }
                stop.trigger()
                FileHandle.standardError.write(
                    Data("\nbackfill: stopping after the batches in flight (again to stop at once)…\n".utf8))
                DispatchQueue.global().asyncAfter(deadline: .now() + SignalHandlers.grace) {
                    FileHandle.standardError.write(
                        Data(
                            "backfill: still busy \(Int(SignalHandlers.grace)) s after the stop; stopped at once without the report — the ledger is consistent, run the same command to resume\n"
                                .utf8))
                    exit(Exit.interrupted)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
