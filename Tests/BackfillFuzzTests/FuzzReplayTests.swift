import Foundation
import Testing

@testable import backfill_fuzz

/// The committed fuzz inputs — hand-written seeds (`fuzz/corpus/`) and the minimised inputs of past findings
/// (`fuzz/regressions/`) — replayed through their targets in a plain build: each must return. The findings' own tests,
/// which check what the parser reports, live beside the parser's other tests (fuzz/README.md, Findings).
@Suite("Fuzz inputs replay")
struct FuzzReplayTests {
    static let fuzzRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz")

    static func inputs(of target: String) -> [URL] {
        ["corpus", "regressions"].flatMap { kind -> [URL] in
            let folder = fuzzRoot.appendingPathComponent(kind).appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.sorted().map { folder.appendingPathComponent($0) }
        }
    }

    @Test("every target has a name, and the names are unique")
    func names() {
        let names = FuzzTargets.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.count >= 24)
    }

    @Test("committed inputs return from their target", arguments: FuzzTargets.all.map(\.name))
    func replay(name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        for url in Self.inputs(of: name) {
            target.run(try [UInt8](Data(contentsOf: url)))
        }
    }
}
