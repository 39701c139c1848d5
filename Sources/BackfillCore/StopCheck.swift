/// A stop asked for while work runs without awaiting (decompression, framing, parsing): the pipeline binds
/// ``requested`` for its reading task, and every byte reader checks it once per chunk, so SIGINT/SIGTERM ends even
/// a busy adapter within a chunk's work (issue 12: within 2 seconds, wherever the work is).
public enum StopCheck {
    /// Whether the run was asked to stop; nil outside a pipeline.
    @TaskLocal public static var requested: (@Sendable () -> Bool)?

    public static var isRequested: Bool { Task.isCancelled || (requested?() ?? false) }

    /// Throws `CancellationError` when the run was asked to stop.
    public static func check() throws {
        if isRequested { throw CancellationError() }
    }
}
