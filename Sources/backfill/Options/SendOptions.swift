import ArgumentParser
import BackfillKit
import Foundation

/// Pacing, retries and failure handling for the sending commands.
struct SendOptions: ParsableArguments {
    @Flag(name: .customLong("fail-fast"), help: "Stop at the first invalid document (exit 3); one batch in flight.")
    var failFast = false
    @Option(name: .customLong("max-attempts"), help: "Attempts per batch for retryable errors (429s do not count).")
    var maxAttempts: Int = 5
    @OptionGroup var pace: PaceOptions
    @Flag(help: "Adapt the request rate to the target (halve on 429, creep back up on success).")
    var adaptive = false
    @Option(help: "Progress on stderr: auto (live on a terminal, a line every 10 s otherwise), live, lines, none.")
    var progress: String = "auto"

    func validate() throws {
        if !["auto", "live", "lines", "none"].contains(progress) {
            throw ArgumentParser.ValidationError("--progress must be auto, live, lines or none")
        }
    }

    func apply(to options: inout ImportOptions) {
        options.failFast = failFast
        options.maxAttempts = max(1, maxAttempts)
        pace.apply(to: &options)
        options.rate.adaptive = adaptive
        options.progress = Self.progressStyle(progress)
    }

    static func progressStyle(_ name: String) -> ProgressStyle? {
        switch name {
        case "live": return .live
        case "lines": return .lines(interval: .seconds(10))
        case "none": return nil
        default: return isatty(2) != 0 ? .live : .lines(interval: .seconds(10))
        }
    }
}

/// Batch size and pacing: what an import sends with, and what a plan estimates the upload's duration under.
struct PaceOptions: ParsableArguments {
    @Option(name: .customLong("batch-size"), help: "Documents per batch (at most 100).")
    var batchSize: Int = 100
    @Option(help: "Requests per second at most (token bucket).")
    var rate: Double?
    @Option(name: .customLong("doc-rate"), help: "Documents per second at most.")
    var docRate: Double?
    @Option(help: "Requests that may start at once above --rate (1 = strictly paced).")
    var burst: Double = 1
    @Option(help: "Batches in flight at once.")
    var concurrency: Int = 4

    func validate() throws {
        if batchSize < 1 || batchSize > 100 { throw ArgumentParser.ValidationError("--batch-size must be 1…100") }
        if concurrency < 1 || concurrency > 64 { throw ArgumentParser.ValidationError("--concurrency must be 1…64") }
        if let rate, rate <= 0 { throw ArgumentParser.ValidationError("--rate must be positive") }
        if let docRate, docRate <= 0 { throw ArgumentParser.ValidationError("--doc-rate must be positive") }
    }

    func apply(to options: inout ImportOptions) {
        options.batchSize = batchSize
        options.rate = RateLimitConfiguration(requestsPerSecond: rate, documentsPerSecond: docRate, burst: burst)
        options.concurrency = concurrency
    }
}
