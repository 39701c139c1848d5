import BackfillArchiveAdapter
import BackfillKit
import BackfillTestSupport
import Foundation

/// Helpers: a staged copy of samples, archives of it built at test time, imports to a JSONL target.
enum ArchiveFixtures {
    /// The sample folders whose adapters are registered today, copied to a fresh folder (same relative paths).
    static func stagedSamples() throws -> (root: URL, files: [(path: String, data: [UInt8])]) {
        let root = try TestSupport.temporaryDirectory("archive-stage")
        var files: [(String, [UInt8])] = []
        for folder in ["documents", "requests"] {
            let base = TestSupport.samples.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let relative as String in walker {
                let source = base.appendingPathComponent(relative)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    !(relative as NSString).lastPathComponent.hasPrefix(".")
                else { continue }
                let path = "\(folder)/\(relative)"
                let data = try [UInt8](Data(contentsOf: source))
                let target = root.appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(data).write(to: target)
                files.append((path, data))
            }
        }
        return (root, files.sorted { $0.0 < $1.0 })
    }

    static func entries(_ files: [(path: String, data: [UInt8])]) -> [ArchiveWriter.Entry] {
        files.map { ArchiveWriter.Entry(name: $0.path, data: $0.data) }
    }

    /// Deterministic text of about `bytes` bytes.
    static func text(_ seed: Int, bytes: Int) -> [UInt8] {
        var out = "Entry \(seed).\n"
        var n = seed
        let words = ["archive", "stream", "entry", "memory", "backfill", "import", "zip", "tar", "note", "history"]
        while out.utf8.count < bytes {
            n = (n &* 1_103_515_245 &+ 12345) & 0x7fff_ffff
            out += words[n % words.count] + (n % 13 == 0 ? ".\n" : " ")
        }
        return Array(out.utf8)
    }

    struct Imported {
        var ids: [String]
        var report: RunReport
        func skips(_ code: String) -> RunReport.Reason? { report.skips.first { $0.code == code } }
        var skipCodes: Set<String> { Set(report.skips.map(\.code)) }
    }

    /// Imports `inputs` to a JSONL target and returns the document ids written, sorted.
    static func importIDs(_ inputs: [String], options: [String: String] = [:]) async throws -> Imported {
        let folder = try TestSupport.temporaryDirectory("archive-import")
        let out = folder.appendingPathComponent("out.jsonl").path
        var importOptions = ImportOptions(inputs: inputs)
        importOptions.target = .jsonl
        importOptions.out = out
        importOptions.ledger = folder.appendingPathComponent("ledger.sqlite").path
        importOptions.adapterOptions = options
        let report = try await Backfill.runImport(importOptions, logger: TestSupport.logger)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let ids = text.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["document_id"] as? String
        }
        return Imported(ids: ids.sorted(), report: report)
    }

    /// A stored (uncompressed) zip written byte by byte, for names libarchive's writer would not produce
    /// (raw non-UTF-8 bytes without the UTF-8 flag).
    static func storedZip(_ entries: [(name: [UInt8], data: [UInt8], encrypted: Bool)]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
        func u32(_ v: UInt32, _ a: inout [UInt8]) { for i in 0..<4 { a.append(UInt8((v >> (8 * UInt32(i))) & 0xff)) } }
        for (name, plain, encrypted) in entries {
            let offset = UInt32(out.count)
            let crc = crc32(plain)
            // An "encrypted" entry: flag bit 0 and a 12-byte traditional-encryption header before the data.
            let data = encrypted ? [UInt8](repeating: 0x5A, count: 12) + plain : plain
            let flags = encrypted ? 1 : 0
            u32(0x0403_4b50, &out); u16(20, &out); u16(flags, &out); u16(0, &out); u16(0, &out); u16(0x5821, &out)
            u32(crc, &out); u32(UInt32(data.count), &out); u32(UInt32(plain.count), &out)
            u16(name.count, &out); u16(0, &out); out += name; out += data
            u32(0x0201_4b50, &central); u16(20, &central); u16(20, &central); u16(flags, &central); u16(0, &central)
            u16(0, &central); u16(0x5821, &central); u32(crc, &central); u32(UInt32(data.count), &central)
            u32(UInt32(plain.count), &central); u16(name.count, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central); u32(offset, &central); central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(UInt32(central.count), &out); u32(centralOffset, &out); u16(0, &out)
        return out
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
