import BackfillSandbox
import Foundation

/// How the sandbox's GoodMem contract answers `memories:batchCreate` (and `memories:batchGet`). All off by
/// default, which is what a live server does: HTTP 200, boolean `success`, gRPC item codes.
public struct SandboxGoodMemOptions: Sendable {
    /// Sends `"success": "true"` / `"false"` strings instead of booleans (seen in the wild).
    public var successAsString: Bool = false
    /// Item error codes as HTTP statuses (409, 400, 404) instead of gRPC codes (6, 3, 5).
    public var httpErrorCodes: Bool = false
    /// Answers a batch create with HTTP 207 instead of 200 when some items failed.
    public var answer207: Bool = false
    /// nil accepts any `x-api-key` starting with `gm_`; otherwise only this one.
    public var apiKey: String? = nil

    public init() {}
}

extension SandboxGoodMemOptions: SandboxConfigurationKey {
    public static var defaultValue: SandboxGoodMemOptions { SandboxGoodMemOptions() }
}

extension SandboxConfiguration {
    /// How the GoodMem contract answers batches (the public sources disagree; see docs/API-CONTRACTS.md).
    public var goodmem: SandboxGoodMemOptions {
        get { self[SandboxGoodMemOptions.self] }
        set { self[SandboxGoodMemOptions.self] = newValue }
    }

    /// GoodMem (`/goodmem/v1/…`): nil accepts any `x-api-key` starting with `gm_`; otherwise only this one.
    public var goodmemAPIKey: String? {
        get { goodmem.apiKey }
        set { goodmem.apiKey = newValue }
    }
}

/// Shell-style glob matching (`*`, `?`, `[abc]`, `[!a-z]`), as GoodMem's `nameFilter` takes.
enum SandboxGlob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        matches(Array(pattern), 0, Array(text), 0)
    }

    private static func matches(_ pattern: [Character], _ p: Int, _ text: [Character], _ t: Int) -> Bool {
        var p = p
        var t = t
        while p < pattern.count {
            switch pattern[p] {
            case "*":
                // Collapse runs of stars, then try every split.
                while p < pattern.count && pattern[p] == "*" { p += 1 }
                if p == pattern.count { return true }
                for start in t...text.count where matches(pattern, p, text, start) { return true }
                return false
            case "?":
                guard t < text.count else { return false }
                p += 1
                t += 1
            case "[":
                guard t < text.count else { return false }
                guard let result = bracket(pattern, p, text[t]) else {
                    // An unclosed bracket is a literal "[".
                    guard text[t] == "[" else { return false }
                    p += 1
                    t += 1
                    continue
                }
                guard result.matched else { return false }
                p = result.next
                t += 1
            default:
                guard t < text.count, text[t] == pattern[p] else { return false }
                p += 1
                t += 1
            }
        }
        return t == text.count
    }

    /// Whether `character` is in the bracket expression at `start`, and the index after it; nil when unclosed.
    private static func bracket(
        _ pattern: [Character], _ start: Int, _ character: Character
    ) -> (matched: Bool, next: Int)? {
        var index = start + 1
        var negated = false
        if index < pattern.count, pattern[index] == "!" || pattern[index] == "^" {
            negated = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.count {
            let current = pattern[index]
            if current == "]" && !first { return (matched != negated, index + 1) }
            first = false
            if index + 2 < pattern.count, pattern[index + 1] == "-", pattern[index + 2] != "]" {
                if current <= character && character <= pattern[index + 2] { matched = true }
                index += 3
            } else {
                if current == character { matched = true }
                index += 1
            }
        }
        return nil
    }
}

