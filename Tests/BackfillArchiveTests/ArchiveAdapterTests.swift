import BackfillArchiveAdapter
import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

@Suite("Archive adapter")
struct ArchiveAdapterTests {
    enum Kind: String, CaseIterable, Sendable {
        case zip, zip64, zipStored, tar, tarGz, tarBz2, tarXz, tarZst, tarLz4, sevenZip

        var fileName: String {
            switch self {
            case .zip: "samples.zip"
            case .zip64: "samples-zip64.zip"
            case .zipStored: "samples-stored.zip"
            case .tar: "samples.tar"
            case .tarGz: "samples.tar.gz"
            case .tarBz2: "samples.tar.bz2"
            case .tarXz: "samples.tar.xz"
            case .tarZst: "samples.tar.zst"
            case .tarLz4: "samples.tar.lz4"
            case .sevenZip: "samples.7z"
            }
        }

        func write(_ entries: [ArchiveWriter.Entry], to path: String) throws {
            switch self {
            case .zip: try ArchiveWriter.write(entries, to: path, format: .zip)
            case .zip64: try ArchiveWriter.write(entries, to: path, format: .zip, options: "zip:zip64")
            case .zipStored: try ArchiveWriter.write(entries, to: path, format: .zip, options: "zip:compression=store")
            case .tar: try ArchiveWriter.write(entries, to: path, format: .tar)
            case .tarGz: try ArchiveWriter.write(entries, to: path, format: .tar, filter: .gzip)
            case .tarBz2: try ArchiveWriter.write(entries, to: path, format: .tar, filter: .bzip2)
            case .tarXz: try ArchiveWriter.write(entries, to: path, format: .tar, filter: .xz)
            case .tarZst: try ArchiveWriter.write(entries, to: path, format: .tar, filter: .zstd)
            case .tarLz4: try ArchiveWriter.write(entries, to: path, format: .tar, filter: .lz4)
            case .sevenZip: try ArchiveWriter.write(entries, to: path, format: .sevenZip)
            }
        }
    }

    @Test("an archive of the samples gives the same document ids as the unpacked files", arguments: Kind.allCases)
    func sameIDsAsUnpacked(kind: Kind) async throws {
        let (root, files) = try ArchiveFixtures.stagedSamples()
        let expected = try await ArchiveFixtures.importIDs([root.path])
        #expect(!expected.ids.isEmpty)
        let archive = try TestSupport.temporaryDirectory("archive").appendingPathComponent(kind.fileName).path
        try kind.write(ArchiveFixtures.entries(files), to: archive)
        let imported = try await ArchiveFixtures.importIDs([archive])
        #expect(imported.ids == expected.ids)
        #expect(imported.report.documents.skipped == 0, "\(imported.report.skips)")
        #expect(imported.report.bySource.keys.contains("\(archive)!/documents/notes/runbook.md"))
    }

    @Test("nested archives (a zip inside a tar.gz, a .gz inside a zip) are read, with nested provenance")
    func nested() async throws {
        let (root, files) = try ArchiveFixtures.stagedSamples()
        let expected = try await ArchiveFixtures.importIDs([root.path])
        let folder = try TestSupport.temporaryDirectory("archive")
        let innerZip = folder.appendingPathComponent("inner.zip").path
        let documents = files.filter { $0.path.hasPrefix("documents/") }
        let others = files.filter { !$0.path.hasPrefix("documents/") }
        try ArchiveWriter.write(ArchiveFixtures.entries(documents), to: innerZip, format: .zip)
        var outer = [ArchiveWriter.Entry(name: "export/inner.zip", data: try [UInt8](Data(contentsOf: URL(fileURLWithPath: innerZip))))]
        for file in others {
            // Each remaining file as its own .gz inside the tar.
            let gz = folder.appendingPathComponent("one.gz").path
            try ArchiveWriter.write([.init(name: "data", data: file.data)], to: gz, format: .raw, filter: .gzip)
            outer.append(.init(name: "export/\(file.path).gz", data: try [UInt8](Data(contentsOf: URL(fileURLWithPath: gz)))))
        }
        let archive = folder.appendingPathComponent("outer.tar.gz").path
        try ArchiveWriter.write(outer, to: archive, format: .tar, filter: .gzip)
        let imported = try await ArchiveFixtures.importIDs([archive])
        #expect(imported.ids == expected.ids)
        #expect(imported.report.documents.skipped == 0, "\(imported.report.skips)")
        let sources = imported.report.bySource.keys
        #expect(sources.contains("\(archive)!/export/inner.zip!/documents/notes/runbook.md"), "\(sources.sorted())")
        #expect(sources.contains("\(archive)!/export/requests/requests.jsonl.gz!/requests.jsonl"), "\(sources.sorted())")
    }

    @Test("a plain .gz/.xz/.zst of one file reads as that file")
    func singleCompressedFile() async throws {
        let (root, files) = try ArchiveFixtures.stagedSamples()
        guard let requests = files.first(where: { $0.path.hasSuffix(".jsonl") }) else { return }
        let expected = try await ArchiveFixtures.importIDs([root.appendingPathComponent(requests.path).path])
        let folder = try TestSupport.temporaryDirectory("archive")
        for (ext, filter) in [("gz", ArchiveWriter.Filter.gzip), ("xz", .xz), ("zst", .zstd), ("bz2", .bzip2)] {
            let path = folder.appendingPathComponent("requests.jsonl.\(ext)").path
            try ArchiveWriter.write([.init(name: "data", data: requests.data)], to: path, format: .raw, filter: filter)
            let imported = try await ArchiveFixtures.importIDs([path])
            #expect(imported.ids == expected.ids, "\(ext)")
            #expect(imported.report.bySource.keys.contains("\(path)!/requests.jsonl"), "\(ext)")
        }
    }

    @Test("a zip bomb, hostile names, links and macOS metadata are reported; the other entries are imported")
    func hostileEntries() async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        let first = ArchiveFixtures.text(1, bytes: 2000)
        let last = ArchiveFixtures.text(2, bytes: 2000)
        let entries: [ArchiveWriter.Entry] = [
            .init(name: "first.txt", data: first),
            .init(name: "../../etc/evil.txt", data: ArchiveFixtures.text(3, bytes: 100)),
            .init(name: "/tmp/absolute.txt", data: ArchiveFixtures.text(4, bytes: 100)),
            .init(name: "bomb.txt", data: [UInt8](repeating: 0x41, count: 64 << 20)),
            .init(name: "folder/", kind: .directory),
            .init(name: "link.txt", kind: .symlink("/etc/passwd")),
            .init(name: "__MACOSX/._first.txt", data: [0, 5, 22, 7]),
            .init(name: ".DS_Store", data: [0, 0, 0, 1]),
            .init(name: "folder/last.txt", data: last),
        ]
        let archive = folder.appendingPathComponent("hostile.zip").path
        try ArchiveWriter.write(entries, to: archive, format: .zip)
        let imported = try await ArchiveFixtures.importIDs([archive])
        let expected = [
            DocumentID.contentHash(prefix: "text", content: first), DocumentID.contentHash(prefix: "text", content: last),
        ].sorted()
        #expect(imported.ids == expected)
        #expect(imported.skips("unsafe_name")?.count == 2)
        #expect(imported.skips("zip_bomb")?.count == 1)
        #expect(imported.skips("zip_bomb")?.examples.first?.location.contains("hostile.zip!/bomb.txt") == true)
        #expect(imported.skips("symlink_entry")?.count == 1)
        #expect(imported.skips("directory_entry")?.count == 1)
        #expect(imported.skips("macos_metadata")?.count == 2)
        let unsafe = imported.skips("unsafe_name")?.examples.map(\.message).joined() ?? ""
        #expect(unsafe.contains("..") && unsafe.contains("absolute"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/absolute.txt"))
    }

    @Test("a compressed file that expands past the ratio limit while it is read is stopped as a bomb")
    func streamedBomb() async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        let path = folder.appendingPathComponent("bomb.txt.gz").path
        try ArchiveWriter.write([.init(name: "data", data: [UInt8](repeating: 0x41, count: 15 << 20))], to: path, format: .raw, filter: .gzip)
        let imported = try await ArchiveFixtures.importIDs([path])
        #expect(imported.ids.isEmpty)
        #expect(imported.skips("zip_bomb")?.examples.first?.location.contains("bomb.txt.gz!/bomb.txt") == true, "\(imported.report.skips)")
    }

    @Test("an encrypted entry is reported and the others are imported")
    func encryptedEntry() async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        let plain = ArchiveFixtures.text(5, bytes: 500)
        let after = ArchiveFixtures.text(6, bytes: 500)
        let zip = ArchiveFixtures.storedZip([
            (Array("plain.txt".utf8), plain, false),
            (Array("secret.txt".utf8), ArchiveFixtures.text(7, bytes: 500), true),
            (Array("after.txt".utf8), after, false),
        ])
        let archive = folder.appendingPathComponent("mixed.zip").path
        try Data(zip).write(to: URL(fileURLWithPath: archive))
        let imported = try await ArchiveFixtures.importIDs([archive])
        #expect(
            imported.ids
                == [DocumentID.contentHash(prefix: "text", content: plain), DocumentID.contentHash(prefix: "text", content: after)]
                .sorted())
        #expect(imported.skips("encrypted_entry")?.count == 1)
        #expect(imported.skips("encrypted_entry")?.examples.first?.location.contains("mixed.zip!/secret.txt") == true)

        // A zip encrypted by a real tool (traditional PKWARE encryption through libarchive).
        let locked = folder.appendingPathComponent("locked.zip").path
        try ArchiveWriter.write(
            [.init(name: "a.txt", data: plain), .init(name: "b.txt", data: after)], to: locked, format: .zip,
            options: "zip:encryption=zipcrypt", passphrase: "hunter2")
        let lockedImport = try await ArchiveFixtures.importIDs([locked])
        #expect(lockedImport.ids.isEmpty)
        #expect(lockedImport.skips("encrypted_entry")?.count == 2)
    }

    @Test("a truncated archive keeps the entries before the damage and says where it stopped", arguments: ["tar.gz", "zip", "tar"])
    func truncated(ext: String) async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        let texts = (10..<16).map { ArchiveFixtures.text($0, bytes: 40_000) }
        let entries = texts.enumerated().map { ArchiveWriter.Entry(name: "part-\($0.offset).txt", data: $0.element) }
        let whole = folder.appendingPathComponent("whole.\(ext)").path
        switch ext {
        case "zip": try ArchiveWriter.write(entries, to: whole, format: .zip)
        case "tar": try ArchiveWriter.write(entries, to: whole, format: .tar)
        default: try ArchiveWriter.write(entries, to: whole, format: .tar, filter: .gzip)
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: whole)))
        let cut = folder.appendingPathComponent("cut.\(ext)").path
        try Data(bytes[..<(bytes.count * 55 / 100)]).write(to: URL(fileURLWithPath: cut))
        let imported = try await ArchiveFixtures.importIDs([cut])
        let all = texts.map { DocumentID.contentHash(prefix: "text", content: $0) }
        // The first entries are imported; the damaged one and those after are not.
        #expect(imported.ids.count >= 2 && imported.ids.count < texts.count, "\(imported.report.skips)")
        #expect(Set(imported.ids).isSubset(of: Set(all)))
        #expect(imported.ids.contains(all[0]) && imported.ids.contains(all[1]))
        #expect(imported.skipCodes.contains("archive_truncated"), "\(imported.report.skips)")
    }

    @Test("entry names in a legacy code page are decoded (option) and never crash (default)")
    func legacyNames() async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        // 表示/一覧表.txt in CP932 (Shift_JIS), without the UTF-8 flag.
        let cp932: [UInt8] = [0x95, 0x5C, 0x8E, 0xA6, 0x2F, 0x88, 0xEA, 0x97, 0x97, 0x95, 0x5C, 0x2E, 0x74, 0x78, 0x74]
        let body = ArchiveFixtures.text(20, bytes: 300)
        let archive = folder.appendingPathComponent("legacy.zip").path
        try Data(ArchiveFixtures.storedZip([(cp932, body, false)])).write(to: URL(fileURLWithPath: archive))

        let decoded = try await ArchiveFixtures.importIDs([archive], options: [ArchiveAdapter.nameEncodingOption: "CP932"])
        #expect(decoded.ids == [DocumentID.contentHash(prefix: "text", content: body)])
        #expect(decoded.report.bySource.keys.contains("\(archive)!/表示/一覧表.txt"), "\(decoded.report.bySource.keys)")

        let fallback = try await ArchiveFixtures.importIDs([archive])
        #expect(fallback.ids == decoded.ids)
        #expect(fallback.report.bySource.keys.contains { $0.hasSuffix(".txt") && $0.hasPrefix(archive + "!/") })
    }

    @Test("archives nested deeper than the limit are reported")
    func tooDeep() async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        let body = ArchiveFixtures.text(30, bytes: 300)
        var data = body
        var name = "deep.txt"
        for level in 0..<6 {
            let path = folder.appendingPathComponent("level\(level).zip").path
            try ArchiveWriter.write([.init(name: name, data: data)], to: path, format: .zip)
            data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            name = "level\(level).zip"
        }
        let top = folder.appendingPathComponent("level5.zip").path
        let imported = try await ArchiveFixtures.importIDs([top])
        #expect(imported.ids.isEmpty)
        #expect(imported.skipCodes.contains("archive_too_deep"), "\(imported.report.skips)")
    }

    /// Broken to see it fail: the `index == 0` report at `ARCHIVE_EOF` removed — both files vanished without a
    /// trace (no ids, no skip).
    @Test("an archive with no entry (an empty tar, a gzip of zeros read as one) is reported, not passed over")
    func emptyArchive() async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        let tar = folder.appendingPathComponent("empty.tar").path
        try Data(count: 10240).write(to: URL(fileURLWithPath: tar))
        let zeros = folder.appendingPathComponent("zeros.bin.gz").path
        try ArchiveWriter.write([.init(name: "data", data: [UInt8](repeating: 0, count: 1 << 20))], to: zeros, format: .raw, filter: .gzip)
        let imported = try await ArchiveFixtures.importIDs([tar, zeros])
        #expect(imported.ids.isEmpty)
        let examples = imported.skips("empty_archive")?.examples ?? []
        #expect(examples.count == 2, "\(imported.report.skips)")
        #expect(examples.contains { $0.location.contains("zeros.bin.gz") && $0.message.contains("gzip") }, "\(examples)")
        #expect(examples.contains { $0.location.contains("empty.tar") && $0.message.contains("no entries") })
    }

    @Test("a file named like an archive that is not one is reported once")
    func notAnArchive() async throws {
        let folder = try TestSupport.temporaryDirectory("archive")
        let path = folder.appendingPathComponent("fake.zip").path
        try Data("just some text, not a zip".utf8).write(to: URL(fileURLWithPath: path))
        let imported = try await ArchiveFixtures.importIDs([path])
        #expect(imported.ids.isEmpty)
        #expect(imported.skips("not_an_archive")?.count == 1, "\(imported.report.skips)")
    }

    @Test("sniffing: magic bytes, names, and zip-based document formats left alone")
    func sniffing() {
        let adapter = ArchiveAdapter()
        func probe(_ name: String, _ head: [UInt8]) -> SourceProbe {
            SourceProbe(fileName: name, displayPath: name, head: head, size: Int64(head.count))
        }
        #expect(adapter.sniff(probe("export.zip", [0x50, 0x4B, 0x03, 0x04, 0, 0])) == .certain)
        #expect(adapter.sniff(probe("report.docx", [0x50, 0x4B, 0x03, 0x04, 0, 0])) == .no)
        #expect(adapter.sniff(probe("mail.mbox.gz", [0x1F, 0x8B, 8, 0])) == .certain)
        #expect(adapter.sniff(probe("x.7z", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C])) == .certain)
        var tar = [UInt8](repeating: 0, count: 512)
        tar.replaceSubrange(257..<262, with: Array("ustar".utf8))
        #expect(adapter.sniff(probe("anything", tar)) == .certain)
        #expect(adapter.sniff(probe("notes.txt", Array("hello".utf8))) == .no)
    }
}
