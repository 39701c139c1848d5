import BackfillPipeline
import Foundation
import Testing

/// README.md's exit-code table and ``ExitStatus`` say the same: every documented code is a case, every case is
/// documented.
/// Broken to see it fail: `case jobBusy = 75` changed to 76 — the README's 75 had no case and 76 no row.
@Suite("Exit codes")
struct ExitCodeTableTests {
    /// The `| code | meaning |` rows under `### Exit codes`.
    static func readmeTable() throws -> [Int32: String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        guard let heading = lines.firstIndex(of: "### Exit codes") else { return [:] }
        var rows: [Int32: String] = [:]
        for line in lines[(heading + 1)...] {
            if line.hasPrefix("#") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, let code = Int32(cells[0]) else { continue }
            #expect(rows[code] == nil, "code \(code) is listed twice")
            rows[code] = cells[1]
        }
        return rows
    }

    @Test func readmeTableMatchesTheEnum() throws {
        let table = try Self.readmeTable()
        #expect(!table.isEmpty, "README.md has no exit-code table under '### Exit codes'")
        #expect(Set(table.keys) == Set(ExitStatus.allCases.map(\.rawValue)))
        for status in ExitStatus.allCases {
            #expect(table[status.rawValue]?.isEmpty == false, "exit code \(status.rawValue) (\(status)) has no meaning")
        }
    }

    /// The stop reasons end runs with the documented codes.
    /// Broken to see it fail: `.interrupted` mapped to `.software` in `StopReason.exitStatus` — 70, not 130.
    @Test func stopReasonsMapToTheirCodes() {
        #expect(StopReason.failFast.exitStatus.rawValue == 3)
        #expect(StopReason.interrupted.exitStatus.rawValue == 130)
        #expect(StopReason.internalError.exitStatus.rawValue == 70)
        #expect(StopReason(rawValue: "unauthorized").exitStatus.rawValue == 4)
        #expect(StopReason(rawValue: "target_unavailable") == .targetUnavailable)
        #expect(StopReason(rawValue: "unauthorized").rawValue == "unauthorized")
    }
}
