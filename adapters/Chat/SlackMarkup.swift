import BackfillCore
import Foundation

extension SlackBundleReader {
    /// Slack markup made readable: mentions, channel links, special mentions, links; `&lt; &gt; &amp;` decoded.
    static func render(_ text: String, users: [String: String], channels: [String: String]) -> String {
        guard text.contains("<") || text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else {
                out += rest[open...]
                rest = ""
                break
            }
            let inner = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            let pieces = inner.split(separator: "|", maxSplits: 1).map(String.init)
            let target = pieces.first ?? ""
            let label = pieces.count > 1 ? pieces[1] : nil
            if target.hasPrefix("@") {
                let id = String(target.dropFirst())
                out += "@" + (users[id] ?? label ?? id)
            } else if target.hasPrefix("#") {
                let id = String(target.dropFirst())
                out += "#" + (label ?? channels[id] ?? id)
            } else if target.hasPrefix("!") {
                let command = String(target.dropFirst())
                if let label {
                    out += label.hasPrefix("@") ? label : "@" + label
                } else if command.hasPrefix("subteam^") {
                    out += "@" + command.dropFirst("subteam^".count)
                } else if command.hasPrefix("date^") {
                    out += label ?? "(date)"
                } else {
                    out += "@" + command
                }
            } else if target.hasPrefix("mailto:") {
                out += label ?? String(target.dropFirst("mailto:".count))
            } else if let label, label != target {
                out += "\(label) (\(target))"
            } else {
                out += target
            }
        }
        out += rest
        return out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
