import Foundation

/// How progress is shown on stderr.
public enum ProgressStyle: Sendable {
    /// One line rewritten in place, every second (a terminal).
    case live
    /// A plain line every `interval` (logs, CI).
    case lines(interval: Duration)
}

/// What the progress line shows, from the run's tally.
struct ProgressFigures: Sendable {
    var read, sent, accepted, duplicate, rejected, failed, batches, retries, throttled: Int
}

/// Prints progress from the run's tally until cancelled.
struct ProgressPrinter {
    let style: ProgressStyle
    let tally: RunTally
    let started: ContinuousClock.Instant

    func run() async throws {
        let interval: Duration
        switch style {
        case .live: interval = .seconds(1)
        case .lines(let every): interval = every
        }
        defer {
            if case .live = style { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            let s = tally.progress()
            let elapsed = max((ContinuousClock.now - started).seconds, 0.001)
            let rate = Double(s.sent) / elapsed
            let line = String(
                format:
                    "%.0fs: read %d, sent %d (%.0f docs/s), %d batches, accepted %d, duplicate %d, rejected %d, failed %d, retries %d, 429s %d",
                elapsed, s.read, s.sent, rate, s.batches, s.accepted, s.duplicate, s.rejected, s.failed, s.retries,
                s.throttled)
            switch style {
            case .live: FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            case .lines: FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }
}
