import BackfillClean
import Crypto
import Foundation
import Testing

/// Helpers for the redaction tests: the placeholders are computed here with Crypto's HMAC and the contract's
/// normalisation, not through the redactor, so the tests check the format independently.
enum RedactionFixture {
    static let key: [UInt8] = (0..<32).map { UInt8(($0 * 37 + 11) % 256) }
    static let otherKey: [UInt8] = (0..<32).map { UInt8(($0 * 53 + 5) % 256) }
    static let all = Set(RedactionKind.allCases)

    /// `[KIND-xxxxxxxx]`: the first 8 hex digits of HMAC-SHA256(key, `KIND:value`).
    static func placeholder(_ kind: RedactionKind, _ normalised: String, key: [UInt8] = key) -> String {
        let message = Data((kind.rawValue + ":" + normalised).utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "[\(kind.rawValue)-" + mac.prefix(4).map { String(format: "%02x", $0) }.joined() + "]"
    }

    /// The contract's normalisation, written independently of the redactor's.
    static func normalised(_ kind: RedactionKind, _ value: String) -> String {
        switch kind {
        case .email, .ip: return value.lowercased()
        case .card: return value.filter(\.isASCIIDigitCharacter)
        case .iban: return value.uppercased().filter { $0 != " " }
        case .secret: return value
        case .phone:
            let digits = value.replacingOccurrences(of: "(0)", with: "").filter(\.isASCIIDigitCharacter)
            if value.hasPrefix("+") { return "+" + digits }
            if value.hasPrefix("00") { return "+" + digits.dropFirst(2) }
            return value.filter(\.isASCIIDigitCharacter)
        }
    }

    static func redact(_ text: String, kinds: Set<RedactionKind> = all, key: [UInt8] = key) -> Redacted {
        Redactor(kinds: kinds, key: key).redact(text)
    }

    /// The input and expected output of `template`, where each `«value»` (or `«value|normalised»`) is a value of
    /// `kind`: the input holds the value, the output its placeholder.
    static func expectation(_ template: String, _ kind: RedactionKind) -> (input: String, output: String, count: Int) {
        var input = ""
        var output = ""
        var count = 0
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "«"), let close = rest[open...].firstIndex(of: "»") {
            input += rest[..<open]
            output += rest[..<open]
            let mark = rest[rest.index(after: open)..<close]
            let parts = mark.split(separator: "|", maxSplits: 1).map(String.init)
            input += parts[0]
            output += placeholder(kind, parts.count > 1 ? parts[1] : normalised(kind, parts[0]))
            count += 1
            rest = rest[rest.index(after: close)...]
        }
        return (input + rest, output + rest, count)
    }

    /// Expects each template's marked values (of `kind`) replaced and nothing else changed, all kinds enabled.
    static func expectRedacted(
        _ kind: RedactionKind, _ templates: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for template in templates {
            let (input, output, count) = expectation(template, kind)
            let result = redact(input)
            #expect(result.text == output, "\(input)", sourceLocation: sourceLocation)
            #expect(result.counts == [kind: count], "\(input)", sourceLocation: sourceLocation)
        }
    }

    /// Expects each text to come back unchanged with all kinds enabled.
    static func expectKept(_ texts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for text in texts {
            let result = redact(text)
            #expect(result.text == text, sourceLocation: sourceLocation)
            #expect(result.counts.isEmpty, "\(text): \(result.counts)", sourceLocation: sourceLocation)
        }
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
