/// Numbers of ``JSONBytesParser``: the JSON grammar, integers as `Int64` when they fit, others as `Double`.
extension JSONBytesParser.Parser {
    mutating func parseNumber() throws(JSONBytesParser.Failure) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if index < bytes.count && bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if !digits() {
            throw unexpected(" in a number")
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            if !digits() { throw unexpected(" in a number (digits expected after '.')") }
        }
        if index < bytes.count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            if !digits() { throw unexpected(" in a number's exponent") }
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if isInteger, let value = Self.int64(text) { return .integer(value) }
        // The grammar above guarantees a literal Double accepts.
        let value = Double(String(decoding: text, as: UTF8.self)) ?? .nan
        // Like JSONDecoder, an integral value that fits (`1e3`, `2.0`) is an integer.
        if value.rounded(.towardZero) == value, value >= -0x1p63, value < 0x1p63 { return .integer(Int64(value)) }
        return .number(value)
    }

    mutating func digits() -> Bool {
        let start = index
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        return index > start
    }

    static func int64(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var iterator = text.makeIterator()
        var negative = false
        var value: Int64 = 0
        var first = true
        while let byte = iterator.next() {
            if first && byte == UInt8(ascii: "-") {
                negative = true
                first = false
                continue
            }
            first = false
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
        }
        return value
    }
}
