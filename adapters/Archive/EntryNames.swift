import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Entry names: decoding (UTF-8, else a legacy code page) and the checks that keep hostile names harmless.
package enum EntryNames {
    /// Decodes a name's raw bytes: UTF-8 when valid, else `encoding` (an iconv name such as `CP932`, from
    /// `--adapter-option archive-name-encoding=…`), else CP437 for zip (the zip specification's default) and
    /// windows-1252 for other formats. Never fails: undecodable bytes become U+FFFD.
    package static func decode(_ bytes: [UInt8], encoding: String?, isZip: Bool) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if let encoding, let text = iconvDecode(bytes, from: encoding) { return text }
        if isZip { return String(bytes.map { cp437[Int($0)] }) }
        if let text = iconvDecode(bytes, from: "WINDOWS-1252") { return text }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What is wrong with a name as a path, or nil when it is a plain relative path.
    package static func unsafeReason(_ name: String) -> String? {
        if name.isEmpty { return "the entry has an empty name" }
        if name.hasPrefix("/") || name.hasPrefix("\\") { return "the entry name is an absolute path" }
        let scalars = Array(name.unicodeScalars.prefix(3))
        if scalars.count >= 2, scalars[1] == ":", scalars[0].isASCII, scalars[0].properties.isAlphabetic {
            return "the entry name starts with a drive letter"
        }
        let components = name.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }
        if components.contains("..") { return "the entry name climbs out of the archive with '..'" }
        if name.unicodeScalars.contains(where: { $0.value == 0 }) { return "the entry name holds a NUL character" }
        return nil
    }

    /// A name with `./` prefixes and empty components removed (`./a//b` → `a/b`).
    package static func normalise(_ name: String) -> String {
        name.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// macOS metadata that is not content: `__MACOSX/…`, AppleDouble `._name`, `.DS_Store`.
    package static func isMacMetadata(_ name: String) -> Bool {
        let components = name.split(separator: "/")
        if components.first == "__MACOSX" { return true }
        guard let last = components.last else { return false }
        return last.hasPrefix("._") || last == ".DS_Store"
    }

    static func iconvDecode(_ bytes: [UInt8], from encoding: String) -> String? {
        let cd = iconv_open("UTF-8", encoding)
        if cd == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(cd) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 4 + 8)
        let ok: Bool = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                var outLeft = outBuffer.count - 1
                let result = iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft)
                return result != -1 && inLeft == 0
            }
        }
        guard ok else { return nil }
        let end = output.firstIndex(of: 0) ?? output.count
        return String(validating: output[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// IBM code page 437, the zip default for names without the UTF-8 flag.
    static let cp437: [Character] = {
        let high = Array(
            "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}"
        )
        return (0..<128).map { Character(Unicode.Scalar(UInt8($0))) } + high
    }()
}
