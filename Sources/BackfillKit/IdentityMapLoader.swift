import Foundation
import Yams

extension IdentityMap {
    /// Loads `--identity-map`: CSV lines `key,user_id[,customer_id]` (a header line naming `key` is skipped), or
    /// YAML `key: user_id` / `key: {user_id: …, customer_id: …}`.
    public static func load(path: String) throws -> IdentityMap {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError(message: "--identity-map \(path) cannot be read as UTF-8 text")
        }
        let lower = path.lowercased()
        var entries: [String: Identity] = [:]
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            let parsed: Any?
            do {
                parsed = try Yams.load(yaml: text)
            } catch {
                throw ValidationError(message: "--identity-map \(path): not valid YAML (\(error))")
            }
            guard let map = parsed as? [String: Any] else {
                throw ValidationError(message: "--identity-map \(path): expected a mapping of key → user_id")
            }
            for (key, value) in map {
                if let user = value as? String {
                    entries[key] = Identity(userID: user, customerID: nil)
                } else if let object = value as? [String: Any] {
                    entries[key] = Identity(
                        userID: object["user_id"].map { "\($0)" }, customerID: object["customer_id"].map { "\($0)" })
                } else {
                    throw ValidationError(message: "--identity-map \(path): '\(key)' must map to a string or {user_id, customer_id}")
                }
            }
        } else {
            for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\""))) }
                if fields.first?.isEmpty ?? true || fields[0].hasPrefix("#") { continue }
                if number == 0 && fields[0].lowercased() == "key" { continue }
                guard fields.count >= 2, !fields[1].isEmpty else {
                    throw ValidationError(
                        message: "--identity-map \(path) line \(number + 1): expected key,user_id[,customer_id]")
                }
                entries[fields[0]] = Identity(userID: fields[1], customerID: fields.count > 2 && !fields[2].isEmpty ? fields[2] : nil)
            }
        }
        return IdentityMap(entries)
    }
}

extension ImportOptions {
    /// The identity map named by `identityMapPath` (empty when none); a bad file is reported at start.
    var identities: IdentityMap {
        get throws {
            guard let identityMapPath else { return IdentityMap() }
            return try IdentityMap.load(path: identityMapPath)
        }
    }
}
