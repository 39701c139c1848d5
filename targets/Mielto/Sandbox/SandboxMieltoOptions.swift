import BackfillSandbox
import Synchronization

/// Mielto-only faults.
public struct SandboxMieltoOptions: Sendable {
    /// After this many stored creates (counted per server process), every create answers 402
    /// `{"detail":"credit limit exceeded","error_code":"CREDIT_LIMIT_EXCEEDED"}`. nil: no limit.
    public var creditLimitAfter: Int? = nil
    /// nil accepts any non-empty bearer token or `X-API-Key`; otherwise only this one.
    public var apiKey: String? = nil

    public init() {}
}

extension SandboxMieltoOptions: SandboxConfigurationKey {
    public static var defaultValue: SandboxMieltoOptions { SandboxMieltoOptions() }
}

extension SandboxConfiguration {
    /// Mielto-only faults.
    public var mielto: SandboxMieltoOptions {
        get { self[SandboxMieltoOptions.self] }
        set { self[SandboxMieltoOptions.self] = newValue }
    }

    /// Mielto (`/mielto/api/v1/…`): nil accepts any non-empty bearer token or `X-API-Key`; otherwise only this one.
    public var mieltoAPIKey: String? {
        get { mielto.apiKey }
        set { mielto.apiKey = newValue }
    }
}

/// Counts Mielto creates against `creditLimitAfter`; a slot is taken before storing and given back when the
/// store fails, so concurrent creates never exceed the limit.
final class SandboxCreditMeter: Sendable {
    private let limit: Int?
    private let used = Mutex(0)

    init(limit: Int?) { self.limit = limit }

    /// false when the credits are spent.
    func take() -> Bool {
        guard let limit else { return true }
        return used.withLock { used in
            guard used < limit else { return false }
            used += 1
            return true
        }
    }

    func giveBack() {
        guard limit != nil else { return }
        used.withLock { $0 = max(0, $0 - 1) }
    }
}

