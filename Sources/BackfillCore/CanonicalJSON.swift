import Foundation

/// A ``CreateMemoryRequest`` as the bytes `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes on Linux
/// — keys in UTF-8 byte order, `"` `\` and control characters escaped the same way (`\b \f \n \r \t`, else
/// `\u00xx`), everything else as its UTF-8 — without `Encoder`'s boxing, which made encoding a fifth of a plan's
/// time. These bytes are what is hashed, batched and sent, so they must not change: `CanonicalJSONTests` compares
/// them with `JSONEncoder` on every sample and on generated values. Doubles are spelled by `JSONEncoder` itself
/// (one value at a time); a request it would refuse (a non-finite number, nesting past 512) is handed to it whole so
/// the error is its own.
public enum CanonicalJSON {
    /// `JSONEncoder`'s own nesting limit.
    static let maximumDepth = 512

    struct Unwritable: Error {}

    public static func encode(_ request: CreateMemoryRequest) throws -> [UInt8] {
        var writer = Writer()
        do {
            try writer.write(request)
        } catch {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array(try encoder.encode(request))
        }
        return writer.bytes
    }

    /// One value on its own (metadata, a scope), as `JSONEncoder` would write it.
    public static func encode(_ value: JSONValue) throws -> [UInt8] {
        var writer = Writer()
        do {
            try writer.write(value, depth: 0)
        } catch {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array(try encoder.encode(value))
        }
        return writer.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func write(_ request: CreateMemoryRequest) throws(Unwritable) {
            bytes.reserveCapacity(request.document.utf8.count + 512)
            // The fields in the order of their names' UTF-8 bytes, as `.sortedKeys` puts them.
            var first = true
            func key(_ name: StaticString) {
                bytes.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
                first = false
                bytes.append(UInt8(ascii: "\""))
                bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            }
            if let customerID = request.customerID {
                key("customer_id")
                string(customerID)
            }
            key("document")
            string(request.document)
            if let createdAt = request.documentCreatedAt {
                key("document_created_at")
                string(createdAt)
            }
            if let documentID = request.documentID {
                key("document_id")
                string(documentID)
            }
            key("document_type")
            string(request.documentType.rawValue)
            if let metadata = request.metadata {
                key("metadata")
                try write(metadata, depth: 1)
            }
            if let mode = request.mode {
                key("mode")
                string(mode.rawValue)
            }
            if let scope = request.scope {
                key("scope")
                try write(scope, depth: 1)
            }
            if let userID = request.userID {
                key("user_id")
                string(userID)
            }
            bytes.append(UInt8(ascii: "}"))
        }

        mutating func write(_ value: JSONValue, depth: Int) throws(Unwritable) {
            switch value {
            case .null: bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            case .bool(let flag): bytes.append(contentsOf: flag ? Array("true".utf8) : Array("false".utf8))
            case .integer(let number): bytes.append(contentsOf: String(number).utf8)
            case .number(let number): try double(number)
            case .string(let text): string(text)
            case .array(let elements):
                guard depth < CanonicalJSON.maximumDepth else { throw Unwritable() }
                bytes.append(UInt8(ascii: "["))
                for (index, element) in elements.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    try write(element, depth: depth + 1)
                }
                bytes.append(UInt8(ascii: "]"))
            case .object(let members):
                guard depth < CanonicalJSON.maximumDepth else { throw Unwritable() }
                bytes.append(UInt8(ascii: "{"))
                let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                for (index, member) in sorted.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    string(member.key)
                    bytes.append(UInt8(ascii: ":"))
                    try write(member.value, depth: depth + 1)
                }
                bytes.append(UInt8(ascii: "}"))
            }
        }

        /// Foundation's spelling of a double (`1`, `0.1`, `1e+300`); a non-finite one goes back to `JSONEncoder`.
        mutating func double(_ number: Double) throws(Unwritable) {
            guard number.isFinite, let data = try? JSONEncoder().encode(number) else { throw Unwritable() }
            bytes.append(contentsOf: data)
        }

        mutating func string(_ text: String) {
            bytes.append(UInt8(ascii: "\""))
            var text = text
            text.withUTF8 { utf8 in
                var mark = 0
                for index in 0..<utf8.count {
                    let byte = utf8[index]
                    guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                    if index > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
                    mark = index + 1
                    bytes.append(UInt8(ascii: "\\"))
                    switch byte {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                    case 0x08: bytes.append(UInt8(ascii: "b"))
                    case 0x0C: bytes.append(UInt8(ascii: "f"))
                    case 0x0A: bytes.append(UInt8(ascii: "n"))
                    case 0x0D: bytes.append(UInt8(ascii: "r"))
                    case 0x09: bytes.append(UInt8(ascii: "t"))
                    default:
                        let hex = Array("0123456789abcdef".utf8)
                        bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                    }
                }
                if utf8.count > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark...])) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
