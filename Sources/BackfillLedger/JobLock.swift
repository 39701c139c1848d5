import BackfillCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run per job: an exclusive `flock` on `<ledger>.lock`, held for the whole run. The kernel releases it when
/// the holding process ends however it ends (`kill -9` included), so a lock left by a dead process is never
/// stale: the next run simply takes it. The file's text names the holder (pid, host, start time) for the message a
/// second run prints and for `backfill status`.
public final class JobLock: @unchecked Sendable {
    /// Who holds a job's lock, as its file says.
    public struct Holder: Sendable, Equatable, Codable {
        public var pid: Int32
        public var host: String
        public var since: String

        public init(pid: Int32, host: String, since: String) {
            self.pid = pid
            self.host = host
            self.since = since
        }
    }

    /// Another run holds the job.
    public struct Busy: Error, Sendable, CustomStringConvertible {
        public var job: String
        public var holder: Holder?

        public var description: String {
            guard let holder else {
                return "job \(job) is being run by another backfill process; wait for it, or stop it"
            }
            return
                "job \(job) is being run by pid \(holder.pid) on host \(holder.host) since \(holder.since); wait for it, or stop it"
        }
    }

    public let path: String
    private let descriptor: Int32

    /// The lock file of a ledger.
    public static func path(forLedger ledgerPath: String) -> String { ledgerPath + ".lock" }

    /// Takes the job's lock at once, or throws ``Busy`` naming the holder. Never waits.
    public init(ledgerPath: String, job: String) throws {
        path = Self.path(forLedger: ledgerPath)
        let folder = PathText.folder(of: path)
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CocoaError(
                .fileWriteNoPermission,
                userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot open the job lock \(path)"])
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw Busy(job: job, holder: Self.holder(atPath: path))
        }
        descriptor = fd
        let holder = Holder(
            pid: getpid(), host: ProcessInfo.processInfo.hostName,
            since: ISO8601DateFormatter().string(from: Date()))
        if let data = try? JSONEncoder().encode(holder) {
            _ = ftruncate(fd, 0)
            _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The holder of a ledger's job when a run holds it now; nil when no run does.
    public static func currentHolder(ledgerPath: String) -> Holder? {
        let path = Self.path(forLedger: ledgerPath)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A shared lock succeeds only when nobody holds the exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return holder(atPath: path) ?? Holder(pid: 0, host: "unknown", since: "unknown")
    }

    private static func holder(atPath path: String) -> Holder? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: data)
    }
}
