import BackfillCore
import Foundation
import Testing

/// ``CanonicalJSON`` writes what `JSONEncoder` (`.sortedKeys`, `.withoutEscapingSlashes`) writes, byte for byte: the
/// request bytes are hashed into the ledger, so a change would mark every document of every job as changed.
/// Broken to see it fail: (1) `0x0C` escaped as `\u000c` instead of `\f` — both the control-character test and
/// the generated requests failed; (2) metadata keys sorted with `<` on `String` instead of by UTF-8 bytes — the
/// generated requests failed at seed 174.
@Suite("Canonical JSON")
struct CanonicalJSONTests {
    static func reference<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// A deterministic generator (SplitMix64), so a failure names its seed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

        static let pieces: [String] =
            (0..<0x80).map { String(UnicodeScalar(UInt8($0))) } + [
                "é", "ß", "ｚ", "😀", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{0301}", "漢字", "/", "\\/", "</script>",
                "\u{7F}", "\u{85}", "\u{FFFD}", "Z", "a", "a1", "a10", "A2", "_",
            ]
        mutating func string(maxPieces: Int = 12) -> String {
            (0..<below(maxPieces + 1)).map { _ in Self.pieces[below(Self.pieces.count)] }.joined()
        }
        static let doubles: [Double] = [
            0, -0.0, 1, -1, 0.1, 1.5, 2.5e-8, 1e300, -1e-300, 5e-324, 123456789.125, Double.greatestFiniteMagnitude,
            1 / 3, 100, 1e16, 1e21,
        ]
        mutating func value(depth: Int) -> JSONValue {
            switch below(depth > 3 ? 6 : 8) {
            case 0: return .null
            case 1: return .bool(below(2) == 0)
            case 2: return .integer([0, -1, 42, Int64.max, Int64.min, 1 << 53][below(6)])
            case 3: return .number(Self.doubles[below(Self.doubles.count)])
            case 4, 5: return .string(string())
            case 6: return .array((0..<below(5)).map { _ in value(depth: depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<below(7) { members[string(maxPieces: 3)] = value(depth: depth + 1) }
                return .object(members)
            }
        }
        mutating func request() -> CreateMemoryRequest {
            var request = CreateMemoryRequest(document: string(maxPieces: 40), documentType: DocumentType(string(maxPieces: 2)))
            if below(2) == 0 { request.documentID = string() }
            if below(2) == 0 { request.documentCreatedAt = "2024-01-0\(below(9) + 1)T10:00:00Z" }
            if below(2) == 0 { request.userID = string() }
            if below(2) == 0 { request.customerID = string() }
            if below(2) == 0 { request.mode = below(2) == 0 ? .fast : .longRange }
            if below(3) > 0 { request.metadata = value(depth: 1) }
            if below(3) == 0 { request.scope = .object(["user_id": .string(string())]) }
            return request
        }
    }

    @Test func generatedRequestsMatchJSONEncoder() throws {
        for seed in UInt64(1)...3000 {
            var generator = Generator(state: seed)
            let request = generator.request()
            let ours = try CanonicalJSON.encode(request)
            let theirs = try Self.reference(request)
            #expect(ours == theirs, "seed \(seed): \(String(decoding: ours, as: UTF8.self))")
            if ours != theirs { return }
        }
    }

    @Test func controlCharactersAndEveryASCIIByte() throws {
        let text = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "é😀\u{2028}"
        let request = CreateMemoryRequest(document: text, documentType: .document)
        #expect(try CanonicalJSON.encode(request) == Self.reference(request))
        #expect(try CanonicalJSON.encode(JSONValue.string(text)) == Self.reference(JSONValue.string(text)))
    }

    /// What `JSONEncoder` refuses is refused the same way (its own error): a non-finite number, nesting past 512.
    @Test func refusedAsJSONEncoderRefuses() throws {
        var request = CreateMemoryRequest(document: "x", documentType: .document)
        request.metadata = .object(["n": .number(.nan)])
        #expect(throws: EncodingError.self) { try CanonicalJSON.encode(request) }
        var deep = JSONValue.null
        for _ in 0..<600 { deep = .array([deep]) }
        request.metadata = deep
        #expect(throws: (any Error).self) { try CanonicalJSON.encode(request) }
        #expect(throws: (any Error).self) { try Self.reference(request) }
        var fine = JSONValue.null
        for _ in 0..<500 { fine = .array([fine]) }
        request.metadata = fine
        #expect(try CanonicalJSON.encode(request) == Self.reference(request))
    }
}
