import BackfillCore

/// A strict JSON (RFC 8259) parser from UTF-8 bytes straight to ``JSONValue``.
///
/// Why not `JSONDecoder`: decoding an open-ended `JSONValue` through `Decoder` costs several thrown errors per value
/// (it probes Bool, Int64, Double, String in turn), which made a JSONL line take ~40 µs; this parser takes a few.
/// And on Linux `JSONDecoder` only says "The given data was not valid JSON.", while users need to know where:
/// failures here name the byte column and what was expected (`unexpected '}' at column 35 where a value should be`).
///
/// Semantics match `JSONDecoder` decoding a `JSONValue`: numbers with an integral value that fits in 64 bits are
/// `.integer` (`1e3` too), others `.number`; a repeated key keeps its first value; an unpaired UTF-16 surrogate
/// in a `\u` escape becomes U+FFFD;
/// nesting deeper than the depth budget (``InputBudgets/maxDepth`` of the reading task, `--max-depth`; never more than
/// 512 levels, as `JSONDecoder`) is refused. The recursion is bounded by that depth.
public enum JSONBytesParser {
    public struct Failure: Error, Equatable {
        public var message: String
        /// The budget the value went over, nil for malformed JSON.
        public var budget: InputBudgets.Budget?

        public init(message: String, budget: InputBudgets.Budget? = nil) {
            self.message = message
            self.budget = budget
        }

        /// The skip code of a record that fails so: `malformed_json`, or the budget's (`nesting_too_deep`).
        public var code: SkipCode { budget?.code ?? .malformedJSON }
    }

    /// The hard cap on nesting, whatever the budget.
    public static let maximumDepth = 512

    /// A whole line's value.
    public enum TopLevel {
        /// An object, its members in source order (a repeated key appears each time; the first one counts).
        case object([(key: String, value: JSONValue)])
        /// Anything else.
        case other(JSONValue)
    }

    /// Parses one JSON value.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            do throws(Failure) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses one JSON value, keeping a top-level object as member pairs: cheaper when the caller reads a few
    /// known fields.
    public static func parseTopLevel(_ bytes: ArraySlice<UInt8>) throws(Failure) -> TopLevel {
        let result: Result<TopLevel, Failure> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            do throws(Failure) {
                return .success(try parser.parseTopLevel())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0
        let maxDepth: Int
        let budgets: InputBudgets
        var poll = StopCheck.Poll(every: 1 << 16)

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            budgets = InputBudgets.current
            maxDepth = min(JSONBytesParser.maximumDepth, max(1, budgets.maxDepth))
        }

        // MARK: Errors

        private func describe(_ byte: UInt8) -> String {
            (0x21...0x7E).contains(byte)
                ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }

        func unexpected(_ detail: String) -> Failure {
            guard index < bytes.count else {
                return Failure(message: "unexpected end of line at column \(index + 1)\(detail)")
            }
            return Failure(message: "unexpected \(describe(bytes[index])) at column \(index + 1)\(detail)")
        }

        private func invalidUTF8(from start: Int, to end: Int) -> Failure {
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = UnsafeBufferPointer(rebasing: bytes[start..<end]).makeIterator()
            var offset = start
            while case .valid(let encoded) = parser.parseScalar(from: &iterator) { offset += encoded.count }
            return Failure(message: "invalid UTF-8 at column \(offset + 1); the file must be UTF-8")
        }

        // MARK: Grammar

        private mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func parseDocument() throws(Failure) -> JSONValue {
            skipWhitespace()
            let value = try parseValue()
            skipWhitespace()
            if index < bytes.count { throw unexpected(" after the end of the JSON value") }
            return value
        }

        private mutating func parseValue() throws(Failure) -> JSONValue {
            guard index < bytes.count else { throw unexpected(" where a value should be") }
            if poll.shouldStop() {
                throw Failure(
                    message:
                        "parsing stopped at column \(index + 1): the run was interrupted or the item took too long \(budgets.note(.readSeconds))",
                    budget: .readSeconds)
            }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject()
            case UInt8(ascii: "["): return try parseArray()
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default: throw unexpected(" where a value should be")
            }
        }

        private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
            let length = word.utf8CodeUnitCount
            let matches =
                index + length <= bytes.count
                && (0..<length).allSatisfy { bytes[index + $0] == word.utf8Start[$0] }
            guard matches else {
                throw unexpected(" where a value should be (true, false and null are lower-case; strings need quotes)")
            }
            index += length
            return value
        }

        private mutating func enter() throws(Failure) {
            depth += 1
            if depth > maxDepth {
                throw Failure(
                    message: "nested deeper than \(maxDepth) levels at column \(index + 1) \(budgets.note(.depth))",
                    budget: .depth)
            }
        }

        private mutating func parseObject() throws(Failure) -> JSONValue {
            var members: [(String, JSONValue)] = []
            try parseMembers { key, value in members.append((key, value)) }
            return .object(Dictionary(members, uniquingKeysWith: { first, _ in first }))
        }

        /// The top-level value, an object's members kept in order as pairs (no hashing: the caller picks fields).
        mutating func parseTopLevel() throws(Failure) -> TopLevel {
            skipWhitespace()
            let result: TopLevel
            if index < bytes.count && bytes[index] == UInt8(ascii: "{") {
                var members: [(key: String, value: JSONValue)] = []
                members.reserveCapacity(12)
                try parseMembers { key, value in members.append((key, value)) }
                result = .object(members)
            } else {
                result = .other(try parseValue())
            }
            skipWhitespace()
            if index < bytes.count { throw unexpected(" after the end of the JSON value") }
            return result
        }

        /// Parses `{ "key": value, … }` (the index is on the `{`), handing each member to `member`.
        @inline(__always)
        private mutating func parseMembers(_ member: (String, JSONValue) -> Void) throws(Failure) {
            try enter()
            defer { depth -= 1 }
            index += 1
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw unexpected(" where a quoted key should be")
                }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw unexpected(" where ':' should follow the key")
                }
                index += 1
                skipWhitespace()
                member(key, try parseValue())
                skipWhitespace()
                guard index < bytes.count else { throw unexpected(" where ',' or '}' should be") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return
                } else {
                    throw unexpected(" where ',' or '}' should be")
                }
            }
        }

        private mutating func parseArray() throws(Failure) -> JSONValue {
            try enter()
            defer { depth -= 1 }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                array.append(try parseValue())
                skipWhitespace()
                guard index < bytes.count else { throw unexpected(" where ',' or ']' should be") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(array)
                } else {
                    throw unexpected(" where ',' or ']' should be")
                }
            }
        }

        private mutating func parseString() throws(Failure) -> String {
            let opening = index
            index += 1
            let start = index
            // Fast path: no escapes.
            var ascii = true
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let content = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    let string: String
                    if ascii {
                        string = String(decoding: content, as: UTF8.self)
                    } else if let valid = String(validating: content, as: UTF8.self) {
                        string = valid
                    } else {
                        throw invalidUTF8(from: start, to: index)
                    }
                    index += 1
                    return string
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw controlCharacter(byte) }
                if byte >= 0x80 { ascii = false }
                index += 1
            }
            guard index < bytes.count else {
                throw Failure(message: "unterminated string starting at column \(opening + 1)")
            }
            return try parseEscapedString(opening: opening, start: start)
        }

        /// The slow path of ``parseString()``: from the first backslash (at `index`), escapes decoded into a buffer.
        private mutating func parseEscapedString(opening: Int, start: Int) throws(Failure) -> String {
            var out = Array(bytes[start..<index])
            var pendingHighSurrogate: UInt32?
            func flushSurrogate(_ out: inout [UInt8]) {
                if pendingHighSurrogate != nil {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])  // U+FFFD
                    pendingHighSurrogate = nil
                }
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    flushSurrogate(&out)
                    guard let string = String(validating: out, as: UTF8.self) else {
                        throw Failure(
                            message:
                                "invalid UTF-8 in the string starting at column \(opening + 1); the file must be UTF-8")
                    }
                    index += 1
                    return string
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { break }
                    let escape = bytes[index]
                    if escape == UInt8(ascii: "u") {
                        let unit = try hexQuad()
                        if (0xD800...0xDBFF).contains(unit) {
                            flushSurrogate(&out)
                            pendingHighSurrogate = unit
                        } else if (0xDC00...0xDFFF).contains(unit), let high = pendingHighSurrogate {
                            let scalar = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                            pendingHighSurrogate = nil
                            append(scalar, to: &out)
                        } else {
                            flushSurrogate(&out)
                            append((0xDC00...0xDFFF).contains(unit) ? 0xFFFD : unit, to: &out)
                        }
                        continue
                    }
                    flushSurrogate(&out)
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    default: throw unexpected(": not a valid escape after '\\'")
                    }
                    index += 1
                default:
                    if byte < 0x20 { throw controlCharacter(byte) }
                    flushSurrogate(&out)
                    out.append(byte)
                    index += 1
                }
            }
            throw Failure(message: "unterminated string starting at column \(opening + 1)")
        }

        /// Reads the four hex digits after `\u` (the index is on the `u`), leaving the index after them.
        private mutating func hexQuad() throws(Failure) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                index += 1
                guard index < bytes.count else { throw unexpected(" in a \\u escape (four hex digits expected)") }
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw unexpected(" in a \\u escape (four hex digits expected)")
                }
                value = value << 4 | UInt32(digit)
            }
            index += 1
            return value
        }

        private func append(_ scalarValue: UInt32, to out: inout [UInt8]) {
            let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
            out.append(contentsOf: String(scalar).utf8)
        }

        private func controlCharacter(_ byte: UInt8) -> Failure {
            Failure(
                message:
                    "control character \(describe(byte)) inside a string at column \(index + 1); escape it (\\n, \\t, …)"
            )
        }
    }
}
