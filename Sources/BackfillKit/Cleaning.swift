import BackfillClean
import BackfillCore
import BackfillLedger

/// `--strip` and `--redact` travel with the adapter options (so a job's recorded spec — `resume`, `retry` — cleans
/// as its first run did): `strip` is read by the email adapters, `redact` by the pipeline.
extension ImportOptions {
    public var stripKinds: Set<StripKind> {
        get throws { try adapterOptions["strip"].map(ReplyCleaner.parseKinds) ?? [] }
    }

    public var redactKinds: Set<RedactionKind> {
        get throws { try adapterOptions["redact"].map(Redactor.parseKinds) ?? [] }
    }
}

/// The job's redaction key: 32 random bytes made the first time a run of the job redacts, kept in the job's ledger
/// (never printed, never in a report), so a value gets the same placeholder in every run of the job — and a
/// different one in another job.
enum RedactionKey {
    static let ledgerKey = "redaction_key"

    static func random() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) {
            guard let pair = UInt8(String(decoding: digits[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(pair)
        }
        return out
    }
}

extension Ledger {
    /// The job's redaction key, if a run of it made one.
    func storedRedactionKey() throws -> [UInt8]? {
        guard let stored = try jobValue(RedactionKey.ledgerKey) else { return nil }
        guard let key = RedactionKey.bytes(stored) else {
            throw ValidationError(
                message:
                    "the redaction key in \(path) is damaged; placeholders would change — start a new job (--job) to redact again"
            )
        }
        return key
    }

    /// The job's redaction key, made and kept now if the job has none.
    func redactionKey() throws -> [UInt8] {
        if let key = try storedRedactionKey() { return key }
        let key = RedactionKey.random()
        try setJobValue(RedactionKey.ledgerKey, RedactionKey.hex(key))
        return key
    }
}
