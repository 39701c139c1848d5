import BackfillCore
import Foundation
import Synchronization

/// Set by SIGINT/SIGTERM (or a test): stop reading, let in-flight batches finish, print the report.
public final class StopSignal: Sendable {
    private let flag = Mutex(false)
    public init() {}
    public func trigger() { flag.withLock { $0 = true } }
    public var isTriggered: Bool { flag.withLock { $0 } }
}

/// Stage 7, report: every figure of the run, counted once by whichever stage sees it (reading, validation and
/// dedup on the reading task, outcomes on the workers), under one lock; the run's stop; the finished report.
///
/// Two kinds of stop: one the reading side asks for (`--fail-fast` at an invalid document) ends the reading and
/// lets the batches already handed over be sent; one the sending side asks for (the target refused, stopped or
/// is unavailable) also keeps the remaining batches from being sent. The report names the sending side's stop
/// when there is one, else the reading side's, else a signal's.
final class RunTally: Sendable {
    private struct State {
        var report: RunReport
        /// Summed here and written to the report once, at the end (a sum of durations, not of rounded seconds).
        var waited: Duration = .zero
        var readingStop: RunReport.Stop?
        var sendingStop: RunReport.Stop?
        /// Documents read when the last batch was handed over (progress).
        var documentsRead = 0
    }

    let signal: StopSignal
    private let state: Mutex<State>
    /// The run's start: the origin of ``RunReport/traffic``.
    private let started: ContinuousClock.Instant

    init(report: RunReport, signal: StopSignal, started: ContinuousClock.Instant = .now) {
        self.signal = signal
        self.started = started
        state = Mutex(State(report: report))
    }

    /// Counts into the report.
    func update(_ body: (inout RunReport) -> Void) {
        state.withLock { body(&$0.report) }
    }

    func read<T: Sendable>(_ body: (RunReport) -> T) -> T {
        state.withLock { body($0.report) }
    }

    func note(_ list: WritableKeyPath<RunReport, [RunReport.Reason]>, code: String, example: RunReport.Example) {
        state.withLock { $0.report.note(list, code: code, example: example) }
    }

    func addWaited(_ duration: Duration) {
        noteTraffic({ $0.waited += duration }, { $0.waitedSeconds += duration.seconds })
    }

    /// A request goes out (a batch, or a question to the target): counted, and placed on the traffic timeline.
    func noteRequest(bytes: Int) {
        noteTraffic(
            {
                $0.report.requests.requests += 1
                $0.report.requests.bytesSent += bytes
            }, { $0.requests += 1 })
    }

    /// A request was answered 429 (or "instance not ready").
    func noteThrottled() {
        noteTraffic({ $0.report.requests.throttled += 1 }, { $0.throttled += 1 })
    }

    /// A batch is sent again.
    func noteRetry() {
        noteTraffic({ $0.report.requests.retries += 1 }, { $0.retries += 1 })
    }

    /// Counts into the state and into the traffic bucket of this moment, under one lock.
    private func noteTraffic(_ count: (inout State) -> Void, _ bucket: (inout RunReport.Traffic.Bucket) -> Void) {
        let elapsed = (ContinuousClock.now - started).seconds
        state.withLock { state in
            count(&state)
            if state.report.traffic == nil { state.report.traffic = RunReport.Traffic() }
            state.report.traffic?.note(at: elapsed, bucket)
        }
    }

    func noteRead(_ count: Int) {
        state.withLock { $0.documentsRead = count }
    }

    /// The reading side stops (the first reason is kept); batches already handed over are still sent.
    func stopReading(_ stop: RunReport.Stop) {
        state.withLock { if $0.readingStop == nil { $0.readingStop = stop } }
    }

    /// The sending side stops (the first reason is kept): nothing more is read or sent.
    func stopSending(_ stop: RunReport.Stop) {
        state.withLock { if $0.sendingStop == nil { $0.sendingStop = stop } }
    }

    /// Reading ends: the reading side stopped, or a signal came.
    var readingStopped: Bool { state.withLock { $0.readingStop != nil } || signal.isTriggered }
    /// Sending ends: batches not yet sent go back to pending.
    var sendingStopped: Bool { state.withLock { $0.sendingStop != nil } }

    /// The figures the progress line shows.
    func progress() -> ProgressFigures {
        state.withLock { state in
            let documents = state.report.documents
            return ProgressFigures(
                read: state.documentsRead, sent: documents.sent, accepted: documents.accepted ?? 0,
                duplicate: documents.duplicate ?? 0, rejected: documents.rejected, failed: documents.failed,
                batches: state.report.requests.batches, retries: state.report.requests.retries,
                throttled: state.report.requests.throttled)
        }
    }

    /// The finished report: waits, the stop, the wall time and the exit code.
    func finish(started: ContinuousClock.Instant) -> RunReport {
        let interrupted = signal.isTriggered
        return state.withLock { state in
            var report = state.report
            report.requests.waitedSeconds += state.waited.seconds
            report.stopped = report.stopped ?? state.sendingStop ?? state.readingStop
            if report.stopped == nil && interrupted {
                report.stopped = .init(
                    .interrupted,
                    message:
                        "stopped by a signal after the in-flight batches finished; run the same command again to resume"
                )
            }
            report.wallSeconds = (ContinuousClock.now - started).seconds
            report.exitCode = report.finalStatus.rawValue
            return report
        }
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
