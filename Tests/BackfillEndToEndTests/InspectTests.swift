import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

/// `backfill inspect FILE` (issue 18, point 2): the claiming adapter and why, and the first documents exactly as a
/// run sends them. The oracle for "exactly" is the run itself: `import --target jsonl` of the same file writes the
/// requests it sends, and inspect's must equal its first lines.
/// Broken to see it fail: (1) the observer fed the request as the adapter made it (before the run's defaults and
/// the target's profile) — the requests lacked the `mode` the written ones carry; (2) the container left out of the
/// claim (the best adapter always named) — the archive was reported as claimed by no one.
@Suite("Inspect")
struct InspectTests {
    static let samples = TestSupport.samples

    /// One file of every adapter family, its claiming adapter.
    static let families: [(String, String)] = [
        ("email/mime.mbox", "mbox"), ("chat/chatgpt/conversations.json", "chatgpt"),
        ("transcripts/teams-standup.vtt", "webvtt"), ("documents/meeting-notes.txt", "text"),
        ("requests/requests.jsonl", "requests-jsonl"),
    ]

    static func json(_ text: String) -> [String: JSONValue]? {
        (try? JSONBytesParser.parse(Array(text.utf8)[...]))?.objectValue
    }

    @Test(
        "every family: the claiming adapter and the first documents, equal to what import writes", arguments: families)
    func sameAsImportWrites(relative: String, adapter: String) throws {
        let file = Self.samples.appendingPathComponent(relative).path
        let folder = try TestSupport.temporaryDirectory("inspect")
        let environment = ["BACKFILL_HOME": folder.appendingPathComponent("home").path]
        let inspected = try TestSupport.runBackfill(
            ["inspect", file, "--target", "jsonl", "--limit", "3", "--json"], environment: environment,
            currentDirectory: folder)
        #expect(inspected.status == 0, "\(inspected.output)")
        let report = try #require(Self.json(inspected.stdout), "\(inspected.output)")
        #expect(report["claimed_by"]?["name"] == .string(adapter), "\(inspected.stdout.prefix(600))")
        let documents = report["documents"]?.arrayValue ?? []
        #expect(!documents.isEmpty)

        let out = folder.appendingPathComponent("out.jsonl")
        let imported = try TestSupport.runBackfill(
            ["import", file, "--target", "jsonl", "--out", out.path, "--concurrency", "1", "--progress", "none"],
            environment: environment, currentDirectory: folder)
        #expect(imported.status == 0, "\(imported.output)")
        let written = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map {
            try JSONBytesParser.parse(Array($0.utf8)[...])
        }
        #expect(documents.count == min(3, written.count))
        for (index, document) in documents.enumerated() where index < written.count {
            #expect(document["valid"] == .bool(true))
            #expect(document["request"] == written[index], "document \(index + 1) of \(relative)")
            #expect(document["location"]?.stringValue?.hasPrefix(file) == true)
        }
        // The text form names the adapter and prints the request as sent.
        let text = try TestSupport.runBackfill(
            ["inspect", file, "--target", "jsonl", "--limit", "1"], environment: environment,
            currentDirectory: folder)
        #expect(text.stdout.contains("claimed by: \(adapter)"), "\(text.stdout.prefix(400))")
        #expect(text.stdout.contains("the request as sent"))
    }

    /// A ustar archive of `members` (name, text), written by hand: 512-byte headers, data padded to 512.
    static func tar(_ members: [(String, String)]) -> Data {
        var out = Data()
        for (name, text) in members {
            let body = Array(text.utf8)
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ string: String, _ offset: Int) {
                for (i, byte) in string.utf8.enumerated() { header[offset + i] = byte }
            }
            put(name, 0)
            put("0000644", 100)
            put("0000000", 108)
            put("0000000", 116)
            put(String(format: "%011o", body.count), 124)
            put("00000000000", 136)
            put("        ", 148)
            put("0", 156)
            put("ustar", 257)
            put("00", 263)
            let sum = header.reduce(0) { $0 + Int($1) }
            put(String(format: "%06o", sum) + "\0 ", 148)
            out.append(contentsOf: header)
            out.append(contentsOf: body)
            out.append(contentsOf: [UInt8](repeating: 0, count: (512 - body.count % 512) % 512))
        }
        out.append(contentsOf: [UInt8](repeating: 0, count: 1024))
        return out
    }

    @Test("an archive: claimed by the container, its members' documents as import writes them")
    func archive() throws {
        let folder = try TestSupport.temporaryDirectory("inspect-tar")
        let file = folder.appendingPathComponent("export.tar")
        let requests = try String(
            contentsOf: Self.samples.appendingPathComponent("requests/requests.jsonl"), encoding: .utf8)
        try Self.tar([("a/requests.jsonl", requests), ("b/notes.txt", "Notes from the archive.\n")]).write(to: file)
        let inspected = try TestSupport.runBackfill(
            ["inspect", file.path, "--target", "jsonl", "--limit", "2", "--json"], currentDirectory: folder)
        #expect(inspected.status == 0, "\(inspected.output)")
        let report = try #require(Self.json(inspected.stdout))
        #expect(report["claimed_by"]?["name"] == .string("archive"), "\(inspected.stdout.prefix(400))")
        #expect(report["claimed_by"]?["kind"] == .string("container"))
        let documents = report["documents"]?.arrayValue ?? []
        #expect(documents.count == 2)
        #expect(documents.first?["location"]?.stringValue?.contains("export.tar!/a/requests.jsonl") == true)
        let firstRequest = try JSONBytesParser.parse(Array(requests.split(separator: "\n")[0].utf8)[...])
        #expect(documents.first?["request"]?["document_id"] == firstRequest["document_id"])
        #expect(report["more"] == .bool(true))
    }

    @Test("an unrecognised file: every adapter's answer, exit 1")
    func unrecognised() throws {
        let folder = try TestSupport.temporaryDirectory("inspect-none")
        let file = folder.appendingPathComponent("blob.bin")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }).write(to: file)
        let result = try TestSupport.runBackfill(["inspect", file.path, "--json"], currentDirectory: folder)
        #expect(result.status == 1, "\(result.output)")
        let report = try #require(Self.json(result.stdout))
        #expect(report["claimed_by"] == nil || report["claimed_by"] == .null)
        let sniffs = report["sniffs"]?.arrayValue ?? []
        #expect(sniffs.count >= 15, "every adapter looked")
        #expect(sniffs.allSatisfy { $0["confidence"] == .string("no") })
        let text = try TestSupport.runBackfill(["inspect", file.path], currentDirectory: folder)
        #expect(text.stdout.contains("no adapter claims this file"))
        #expect(text.stdout.contains("mbox: no"))
    }

    @Test("a rejected document shows the target's reason; a folder is a usage error")
    func rejectedAndFolder() throws {
        let folder = try TestSupport.temporaryDirectory("inspect-rejected")
        let file = folder.appendingPathComponent("requests.jsonl")
        try Data(
            (#"{"document":"bad date","document_type":"document","document_id":"r-1","document_created_at":"yesterday"}"#
                + "\n").utf8
        ).write(to: file)
        let result = try TestSupport.runBackfill(["inspect", file.path, "--json"], currentDirectory: folder)
        #expect(result.status == 0, "\(result.output)")
        let document = try #require(Self.json(result.stdout)?["documents"]?.arrayValue?.first)
        #expect(document["valid"] == .bool(false))
        #expect(document["rejection"]?["code"] == .string("invalid_created_at"), "\(result.stdout)")
        let usage = try TestSupport.runBackfill(["inspect", folder.path], currentDirectory: folder)
        #expect(usage.status == 64, "\(usage.output)")
    }
}
