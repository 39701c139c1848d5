import BackfillCore
import Foundation

/// A JSON value decoded string-first: request bodies are mostly strings, and `JSONValue`'s decoder tries
/// four other kinds before a string (each a thrown error), which costs at thousands of documents a second.
package enum WireValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([WireValue])
    case object([String: WireValue])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: WireValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .array(try container.decode([WireValue].self))
        }
    }

    package static func parse(_ bytes: some Sequence<UInt8>) -> WireValue? {
        try? JSONDecoder().decode(WireValue.self, from: Data(bytes))
    }

    package var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .integer(let value): return .integer(value)
        case .number(let value): return .number(value)
        case .string(let value): return .string(value)
        case .array(let values): return .array(values.map(\.jsonValue))
        case .object(let values): return .object(values.mapValues(\.jsonValue))
        }
    }

    package var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    package var object: [String: WireValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    package var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer, .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
