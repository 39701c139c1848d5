import BackfillCore
import CArchive
import Foundation

/// Archives read through libarchive — zip (incl. zip64 and data descriptors), tar (ustar, pax, GNU), tars
/// compressed with gzip/bzip2/xz/zstd/lz4, 7z, and a single compressed file (`mail.mbox.gz`) — streamed entry by
/// entry, never extracted to disk; every entry is handed back to the pipeline, which sniffs it and reads it with its
/// adapter (recursively for archives inside archives).
///
/// See `adapters/Archive/README.md` for the limits, skip codes and the bundle (export layout) strategy.
public struct ArchiveAdapter: ContainerAdapter {
    public init() {}

    public static let name = "archive"

    /// `--adapter-option archive-name-encoding=CP932`: the code page of entry names that are not UTF-8.
    public static let nameEncodingOption = "archive-name-encoding"

    public let descriptor = AdapterDescriptor(
        name: ArchiveAdapter.name, family: "archive",
        fileExtensions: [
            "zip", "tar", "tgz", "tar.gz", "tbz", "tbz2", "tar.bz2", "txz", "tar.xz", "tzst", "tar.zst", "tar.lz4",
            "7z", "gz", "bz2", "xz", "zst", "lz4",
        ],
        summary:
            "zip, tar (plain or gz/bz2/xz/zst/lz4), 7z and single compressed files, streamed; every entry is read by its own adapter",
        supportsCursor: false)

    /// Zip-based document formats another adapter may read: never walked as archives.
    static let zipBasedDocuments: Set<String> = [
        "docx", "docm", "xlsx", "xlsm", "pptx", "pptm", "odt", "ods", "odp", "epub", "jar", "war", "ear", "apk",
        "xpi", "xps", "oxps", "ipa", "whl", "vsix", "nupkg", "kmz", "numbers", "pages", "key",
    ]

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.head
        let lowerName = probe.fileName.lowercased()
        let ext = lowerName.split(separator: ".").last.map(String.init) ?? ""
        func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) || starts([0x50, 0x4B, 0x07, 0x08]) {
            return Self.zipBasedDocuments.contains(ext) ? .no : .certain
        }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .certain }  // 7z
        if starts([0x1F, 0x8B]) || starts([0x42, 0x5A, 0x68]) || starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])
            || starts([0x28, 0xB5, 0x2F, 0xFD]) || starts([0x04, 0x22, 0x4D, 0x18])
        {
            return .certain  // gzip, bzip2, xz, zstd, lz4
        }
        if head.count >= 262, Array(head[257..<262]) == Array("ustar".utf8) { return .certain }
        if descriptor.fileExtensions.contains(where: { lowerName.hasSuffix("." + $0) }) {
            // The name says archive but the bytes do not (a v7 tar, a self-extracting zip): libarchive decides.
            return ext == "tar" || ext == "zip" || ext == "7z" ? .likely : .possible
        }
        return .no
    }

    public func entries(of input: SourceInput, context: AdapterContext, limits: ContainerLimits) -> ContainerEntries {
        let encoding = context.options[Self.nameEncodingOption]
        return ContainerEntries { ArchiveEntriesReader(input: input, limits: limits, nameEncoding: encoding) }
    }

    /// Lists the members in a first pass (cheap for zip and 7z, which have a directory; a compressed tar is
    /// decompressed once more). A common top folder (`export-2024/…`) is left out. Nil for an archive streamed out of
    /// another one (it can be read only once), when the declared sizes exceed `maxSpillBytes` (it could not be spilled
    /// anyway), or when the archive is damaged.
    public func memberPaths(of input: SourceInput, limits: ContainerLimits) async throws -> [String]? {
        guard input.archiveEntry == nil else { return nil }
        let reader = ArchiveEntriesReader(input: input, limits: limits, nameEncoding: nil)
        var paths: [String] = []
        var declared: Int64 = 0
        // One pass over every header: each gets the item deadline afresh.
        while let entry = StopCheck.withFreshDeadline(file: input.displayPath, { reader.nextHeader() }) {
            switch entry {
            case .member(let member):
                paths.append(member.name)
                declared += max(0, member.size ?? 0)
                if declared > limits.maxSpillBytes { return nil }
            case .skipped:
                continue
            case .damaged:
                return nil
            }
        }
        return Self.strippingCommonRoot(paths).map(\.relative)
    }

    /// Unpacks the regular, safe members into `directory` (never following or creating links; hostile names were
    /// skipped), within `maxSpillBytes` in total; nil when the cap is passed or the archive is damaged.
    public func spill(_ input: SourceInput, to directory: URL, limits: ContainerLimits) async throws -> SourceBundle? {
        guard input.archiveEntry == nil else { return nil }
        let reader = ArchiveEntriesReader(input: input, limits: limits, nameEncoding: nil)
        var written: [(name: String, path: String, modified: Date?)] = []
        var total: Int64 = 0
        while let entry = reader.nextHeader() {
            guard case .member(let member) = entry else {
                if case .damaged = entry { return nil }
                continue
            }
            let url = directory.appendingPathComponent(member.name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil),
                let handle = try? FileHandle(forWritingTo: url)
            else { continue }
            defer { try? handle.close() }
            let source = EntryByteSource(member.stream)
            do {
                while true {
                    let chunk = try source.read(maxLength: 1 << 20)
                    if chunk.isEmpty { break }
                    total += Int64(chunk.count)
                    if total > limits.maxSpillBytes { return nil }
                    try handle.write(contentsOf: chunk)
                }
            } catch {
                return nil
            }
            written.append((member.name, url.path, member.modified))
        }
        var members: [String: SourceInput] = [:]
        let byName = Dictionary(written.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        for (name, relative) in Self.strippingCommonRoot(written.map(\.name)) {
            guard let file = byName[name] else { continue }
            var member = try SourceInput.file(path: file.path, displayPath: "\(input.displayPath)!/\(name)")
            member.archiveEntry = name
            if let modified = file.modified { member.modificationDate = modified }
            members[relative] = member
        }
        return SourceBundle(displayPath: input.displayPath, members: members)
    }

    /// Paths relative to the one folder every path sits in, when there is one (`export/a.json` → `a.json`).
    static func strippingCommonRoot(_ paths: [String]) -> [(name: String, relative: String)] {
        guard let first = paths.first, let slash = first.firstIndex(of: "/") else { return paths.map { ($0, $0) } }
        let root = first[...slash]
        guard paths.allSatisfy({ $0.hasPrefix(root) && $0.count > root.count }) else { return paths.map { ($0, $0) } }
        return paths.map { ($0, String($0.dropFirst(root.count))) }
    }
}
