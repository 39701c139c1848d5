import BackfillArchiveAdapter
import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

/// Issue 19, bullet 6: a Takeout zip gives the documents of the unpacked folder, ids included — here Google Chat,
/// whose conversation is named by its folder (`Groups/DM …/messages.json`), not by a path outside the export.
/// Broken on purpose: with the id taken from the input's full display path instead of its parent folder name, the
/// zip's ids (`…zip!/Google Chat/…`) differed from the folder's.
@Suite("Takeout inside an archive")
struct TakeoutArchiveTests {
    @Test(
        "a zip of a Google Chat Takeout gives the folder's documents and ids",
        arguments: ["takeout.zip", "takeout.tar.gz"])
    func googleChat(name: String) async throws {
        let base = TestSupport.samples.appendingPathComponent("chat/google-chat")
        var files: [(path: String, data: [UInt8])] = []
        for case let relative as String in FileManager.default.enumerator(atPath: base.path) ?? .init() {
            var isDirectory: ObjCBool = false
            let url = base.appendingPathComponent(relative)
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            files.append((relative, [UInt8](try Data(contentsOf: url))))
        }
        #expect(files.count == 4)
        let expected = try await ArchiveFixtures.importIDs([base.path])
        #expect(expected.ids.count == 6)
        #expect(expected.ids.contains("google-chat:DM k6oxHQAAAAE:2016-11-03"))
        let archive = try TestSupport.temporaryDirectory("takeout").appendingPathComponent(name).path
        if name.hasSuffix(".zip") {
            try ArchiveWriter.write(ArchiveFixtures.entries(files), to: archive, format: .zip)
        } else {
            try ArchiveWriter.write(ArchiveFixtures.entries(files), to: archive, format: .tar, filter: .gzip)
        }
        let imported = try await ArchiveFixtures.importIDs([archive])
        #expect(imported.ids == expected.ids)
        #expect(imported.skips("group_info")?.count == 2)
    }
}
