import Crypto
import Foundation

/// A text after redaction and how many values of each kind were replaced.
public struct Redacted: Sendable, Equatable {
    public var text: String
    public var counts: [RedactionKind: Int]

    public init(text: String, counts: [RedactionKind: Int] = [:]) {
        self.text = text
        self.counts = counts
    }
}

/// A `--redact` list that names something other than the kinds or `all`.
public struct RedactionKindError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The word not understood (empty when the list is empty).
    public let word: String

    public init(word: String) { self.word = word }

    public var description: String {
        let known = RedactionKind.allCases.map(\.rawValue).joined(separator: ", ")
        return word.isEmpty
            ? "--redact needs a list: \(known) or all"
            : "unknown --redact kind '\(word)' (known: \(known), all)"
    }
}

/// Replaces e-mail addresses, phone numbers, card numbers, IBANs, IP addresses and secrets with keyed placeholders.
///
/// A value becomes `[KIND-xxxxxxxx]`: the kind's raw value and the first 8 hex digits of
/// HMAC-SHA256(key, `KIND:normalised value`), so within a job (one key) one value always gets one placeholder and
/// values cannot be recovered or matched across jobs. Normalised: e-mail lower-cased; phone digits only, with an
/// international prefix as `+` (`+49 (0)30 123-4567`, `0049 30 1234567` → `+49301234567`); card digits only; IBAN
/// upper-case without spaces; IP lower-case; secret as matched. A placeholder is never matched by any kind, so
/// redacting twice changes nothing. What each kind matches is documented on ``RedactionScanner`` and its detector
/// files (`RedactionNumbers`, `RedactionPhone`, `RedactionAddresses`, `RedactionSecrets`).
public struct Redactor: Sendable {
    public let kinds: Set<RedactionKind>
    /// HMAC-SHA256 keyed once (the key's inner and outer pads hashed): each placeholder copies it.
    private let keyed: HMAC<SHA256>

    /// `key`: the job's secret (32 random bytes kept in the job's ledger); placeholders are keyed with it.
    public init(kinds: Set<RedactionKind>, key: [UInt8]) {
        self.kinds = kinds
        self.keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
    }

    /// Every match of the enabled kinds replaced by its placeholder. Text without matches is returned unchanged
    /// (the same string).
    public func redact(_ text: String) -> Redacted {
        var result = pass(text)
        // A private-key block replaced can complete one around it (BEGIN BEGIN END END, a fuzz finding:
        // fuzz/regressions/redact/): passes until nothing more is found, at most 8 (only texts with a secret pay).
        var passes = 1
        while result.counts[.secret] != nil && passes < 8 {
            let more = pass(result.text)
            if more.counts.isEmpty { break }
            result.text = more.text
            result.counts.merge(more.counts, uniquingKeysWith: +)
            passes += 1
        }
        return result
    }

    /// One scan of `text` and its replacements.
    private func pass(_ text: String) -> Redacted {
        guard !kinds.isEmpty, !text.isEmpty else { return Redacted(text: text) }
        let found = text.utf8.withContiguousStorageIfAvailable { replacements(in: $0) }
        let pieces = found ?? Array(text.utf8).withUnsafeBufferPointer { replacements(in: $0) }
        guard !pieces.isEmpty else { return Redacted(text: text) }
        // The output is built from slices of `text` (already valid UTF-8: no validation, unlike decoding bytes);
        // every match starts and ends on a scalar boundary.
        var output = String()
        output.reserveCapacity(text.utf8.count + pieces.count * 16)
        var counts: [RedactionKind: Int] = [:]
        let utf8 = text.utf8
        var copied = utf8.startIndex
        var copiedOffset = 0
        for piece in pieces {
            let start = utf8.index(copied, offsetBy: piece.match.start - copiedOffset)
            output.append(contentsOf: text[copied..<start])
            output.append(piece.placeholder)
            copied = utf8.index(start, offsetBy: piece.match.end - piece.match.start)
            copiedOffset = piece.match.end
            counts[piece.match.kind, default: 0] += 1
        }
        output.append(contentsOf: text[copied...])
        return Redacted(text: output, counts: counts)
    }

    /// Parses `email,phone,card,iban,ip,secret` or `all` (case-insensitive, spaces allowed).
    public static func parseKinds(_ list: String) throws -> Set<RedactionKind> {
        var kinds = Set<RedactionKind>()
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let word = item.trimmingCharacters(in: .whitespaces)
            if word.isEmpty { continue }
            if word.lowercased() == "all" {
                kinds.formUnion(RedactionKind.allCases)
            } else if let kind = RedactionKind(rawValue: word.lowercased()) {
                kinds.insert(kind)
            } else {
                throw RedactionKindError(word: word)
            }
        }
        guard !kinds.isEmpty else { throw RedactionKindError(word: "") }
        return kinds
    }

    /// The matches of the enabled kinds in `bytes`, in order.
    func matches(in bytes: UnsafeBufferPointer<UInt8>) -> [RedactionMatch] {
        RedactionClass.table.withUnsafeBufferPointer { classes in
            var scanner = RedactionScanner(bytes: bytes, classes: classes, enabled: kinds)
            scanner.scan()
            return scanner.matches
        }
    }

    /// The matches in `bytes` with their placeholders.
    private func replacements(in bytes: UnsafeBufferPointer<UInt8>) -> [(match: RedactionMatch, placeholder: String)] {
        let found = matches(in: bytes)
        guard !found.isEmpty else { return [] }
        var message: [UInt8] = []
        message.reserveCapacity(256)
        return found.map { match in
            message.removeAll(keepingCapacity: true)
            message.append(contentsOf: match.kind.rawValue.utf8)
            message.append(RedactionASCII.colon)
            let value = UnsafeBufferPointer(rebasing: bytes[match.start..<match.end])
            RedactionNormaliser.append(value, match.kind, to: &message)
            return (match, placeholder(match.kind, keyedOn: message))
        }
    }

    /// `[KIND-xxxxxxxx]`, the hex of HMAC-SHA256(key, `message`)'s first 4 bytes.
    private func placeholder(_ kind: RedactionKind, keyedOn message: [UInt8]) -> String {
        var mac = keyed
        message.withUnsafeBytes { mac.update(data: $0) }
        let code = mac.finalize()
        var text = "[" + kind.rawValue + "-"
        code.withUnsafeBytes { raw in
            for index in 0..<4 {
                text.unicodeScalars.append(Self.hexDigit(raw[index] >> 4))
                text.unicodeScalars.append(Self.hexDigit(raw[index] & 0x0F))
            }
        }
        return text + "]"
    }

    private static func hexDigit(_ nibble: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10)
    }
}

/// The normalised value of a match: what its placeholder is keyed on.
enum RedactionNormaliser {
    /// Appends the normalised `value` of `kind` to `out`.
    static func append(_ value: UnsafeBufferPointer<UInt8>, _ kind: RedactionKind, to out: inout [UInt8]) {
        switch kind {
        case .email:
            if value.allSatisfy({ $0 < 0x80 }) {
                out.append(contentsOf: value.lazy.map(RedactionScanner.lower))
            } else {
                out.append(contentsOf: String(decoding: value, as: UTF8.self).lowercased().utf8)
            }
        case .ip:
            out.append(contentsOf: value.lazy.map(RedactionScanner.lower))
        case .card:
            out.append(contentsOf: value.lazy.filter { $0 >= RedactionASCII.zero && $0 <= RedactionASCII.nine })
        case .iban:
            for byte in value where byte != RedactionASCII.space {
                out.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            }
        case .phone:
            phone(value, to: &out)
        case .secret:
            out.append(contentsOf: value)
        }
    }

    /// Digits only; `+` or `00` kept as `+`, and then a trunk `(0)` dropped (`+44 (0)20 …` → `+4420…`).
    static func phone(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var index = 0
        var international = false
        if value.first == RedactionASCII.plus {
            international = true
            index = 1
        } else if value.count >= 2 && value[0] == RedactionASCII.zero && value[1] == RedactionASCII.zero {
            international = true
            index = 2
        }
        if international { out.append(RedactionASCII.plus) }
        while index < value.count {
            let byte = value[index]
            if international && byte == RedactionASCII.openParen && index + 2 < value.count
                && value[index + 1] == RedactionASCII.zero && value[index + 2] == RedactionASCII.closeParen
            {
                index += 3
                continue
            }
            if byte >= RedactionASCII.zero && byte <= RedactionASCII.nine { out.append(byte) }
            index += 1
        }
    }
}
