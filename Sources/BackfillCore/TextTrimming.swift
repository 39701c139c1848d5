/// Whitespace trimming without Foundation's bridging: `trimmingCharacters(in: .whitespacesAndNewlines)` turns the
/// string into UTF-16 and back, which was 41 % of a ChatGPT export's `plan` (perf, 7260590).
extension String {
    /// The string without leading and trailing white space and line breaks — the scalars of
    /// `CharacterSet.whitespacesAndNewlines` (Unicode's Zs, Zl, Zp, U+0009–U+000D, U+0085 and, as swift-corelibs-foundation has it, U+200B), the same result as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` (`TextTrimmingTests` compares every scalar and generated
    /// strings with Foundation). Returns `self` when nothing is trimmed.
    public var whitespaceTrimmed: String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, Self.isWhitespaceOrNewline(scalars[start]) { start = scalars.index(after: start) }
        while end > start, Self.isWhitespaceOrNewline(scalars[scalars.index(before: end)]) {
            end = scalars.index(before: end)
        }
        if start == scalars.startIndex && end == scalars.endIndex { return self }
        return String(scalars[start..<end])
    }

    /// Whether `scalar` is in `CharacterSet.whitespacesAndNewlines`.
    public static func isWhitespaceOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
        if value == 0x85 || value == 0xA0 { return true }
        if value < 0x1680 { return false }
        if value == 0x200B { return true }  // ZERO WIDTH SPACE: Foundation's set has it (Cf), the sweep found it
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
